import { createRootRoute, createRoute, createRouter, redirect } from '@tanstack/react-router';
import { DirectoryPage } from './pages/DirectoryPage.tsx';
import { EventsPage } from './pages/EventsPage.tsx';
import { KeysPage } from './pages/KeysPage.tsx';
import { OperatorsPage } from './pages/OperatorsPage.tsx';
import { Shell } from './pages/Shell.tsx';
import { TenantSettingsPage } from './pages/TenantSettingsPage.tsx';
import { TenantsPage } from './pages/TenantsPage.tsx';
import { UserDetailPage } from './pages/UserDetailPage.tsx';
import { UsersPage } from './pages/UsersPage.tsx';

const rootRoute = createRootRoute({ component: Shell });

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/tenants' });
  },
});
const tenantsRoute = createRoute({ getParentRoute: () => rootRoute, path: '/tenants', component: TenantsPage });
export const usersRoute = createRoute({ getParentRoute: () => rootRoute, path: '/tenants/$tenantId/users', component: UsersPage });
export const userRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants/$tenantId/users/$userId',
  component: UserDetailPage,
});
export const keysRoute = createRoute({ getParentRoute: () => rootRoute, path: '/tenants/$tenantId/keys', component: KeysPage });
export const tenantSettingsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants/$tenantId/settings',
  component: TenantSettingsPage,
});
export const eventsRoute = createRoute({ getParentRoute: () => rootRoute, path: '/tenants/$tenantId/events', component: EventsPage });
export const directoryRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants/$tenantId/directory',
  component: DirectoryPage,
});
const operatorsRoute = createRoute({ getParentRoute: () => rootRoute, path: '/operators', component: OperatorsPage });

const routeTree = rootRoute.addChildren([
  indexRoute,
  tenantsRoute,
  usersRoute,
  userRoute,
  keysRoute,
  tenantSettingsRoute,
  eventsRoute,
  directoryRoute,
  operatorsRoute,
]);

export const router = createRouter({ routeTree, basepath: '/console', defaultPreload: false });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
