import { createRootRoute, createRoute, createRouter, lazyRouteComponent, redirect } from '@tanstack/react-router';
import { DirectoryPage } from './pages/DirectoryPage.tsx';
import { EventsPage } from './pages/EventsPage.tsx';
import { KeysPage } from './pages/KeysPage.tsx';
import { OperatorsPage } from './pages/OperatorsPage.tsx';
import { Shell } from './pages/Shell.tsx';
import { TenantSettingsPage } from './pages/TenantSettingsPage.tsx';
import { TenantsPage } from './pages/TenantsPage.tsx';
import { UserDetailPage } from './pages/UserDetailPage.tsx';
import { FIRST_USERS_QUERY, UsersPage } from './pages/UsersPage.tsx';
import { queryClient, sessionQuery, tenantsQuery, usersPageQuery } from './queries.ts';

// Loaders start the fetches a page needs when the route is matched, all at once and before React renders the page: the
// session, the tenants and the first page of users no longer wait for one another (nor for the render between).
// Not awaited: the pages show their loading states and read the same queries. A 401 (signed out) is the session
// query's to answer; the others are fetched again once signed in.
const rootRoute = createRootRoute({
  component: Shell,
  loader: () => {
    void queryClient.prefetchQuery(sessionQuery);
  },
});

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/tenants' });
  },
});
const tenantsRoute = createRoute({ getParentRoute: () => rootRoute, path: '/tenants', component: TenantsPage });
export const usersRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants/$tenantId/users',
  component: UsersPage,
  loader: ({ params }) => {
    void queryClient.prefetchQuery(tenantsQuery);
    void queryClient.prefetchQuery(usersPageQuery(params.tenantId, FIRST_USERS_QUERY));
  },
});
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
// Screens used less often load on first visit, keeping the initial bundle small (the overview's charts library too).
const overviewRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants/$tenantId/overview',
  component: lazyRouteComponent(() => import('./pages/OverviewPage.tsx'), 'OverviewPage'),
});
const groupsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants/$tenantId/groups',
  component: lazyRouteComponent(() => import('./pages/GroupsPage.tsx'), 'GroupsPage'),
});
const groupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants/$tenantId/groups/$groupId',
  component: lazyRouteComponent(() => import('./pages/GroupDetailPage.tsx'), 'GroupDetailPage'),
});
const webhooksRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants/$tenantId/webhooks',
  component: lazyRouteComponent(() => import('./pages/WebhooksPage.tsx'), 'WebhooksPage'),
});
const webhookRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants/$tenantId/webhooks/$endpointId',
  component: lazyRouteComponent(() => import('./pages/WebhookDetailPage.tsx'), 'WebhookDetailPage'),
});
const importsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants/$tenantId/imports',
  component: lazyRouteComponent(() => import('./pages/ImportsPage.tsx'), 'ImportsPage'),
});
const providersRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants/$tenantId/providers',
  component: lazyRouteComponent(() => import('./pages/ProvidersPage.tsx'), 'ProvidersPage'),
});
const operatorsRoute = createRoute({ getParentRoute: () => rootRoute, path: '/operators', component: OperatorsPage });

const routeTree = rootRoute.addChildren([
  indexRoute,
  tenantsRoute,
  overviewRoute,
  usersRoute,
  userRoute,
  keysRoute,
  tenantSettingsRoute,
  eventsRoute,
  directoryRoute,
  groupsRoute,
  groupRoute,
  webhooksRoute,
  webhookRoute,
  importsRoute,
  providersRoute,
  operatorsRoute,
]);

export const router = createRouter({ routeTree, basepath: '/console', defaultPreload: false });

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
