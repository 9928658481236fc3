import { createRootRoute, createRoute, createRouter, lazyRouteComponent, redirect } from '@tanstack/react-router';
import { Shell } from './pages/Shell.tsx';
import { TenantsPage } from './pages/TenantsPage.tsx';
import { FIRST_USERS_QUERY, UsersPage } from './pages/UsersPage.tsx';
import { queryClient, sessionQuery, tenantsQuery, usersPageQuery } from './queries.ts';

// Loaders start the fetches a page needs when the route is matched, all at once and before React renders the page: the
// session, the tenants and the first page of users no longer wait for one another (nor for the render between).
// Not awaited: the pages show their loading states and read the same queries. A 401 (signed out) is the session
// query's to answer; the others are fetched again once signed in.
// Only the shell, sign-in, tenants and users are in the entry chunk: every other screen is a chunk of its own, loaded
// on first visit, so a cold first load parses and runs less code (the overview's charts library stays out too).
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
  component: lazyRouteComponent(() => import('./pages/UserDetailPage.tsx'), 'UserDetailPage'),
});
export const keysRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants/$tenantId/keys',
  component: lazyRouteComponent(() => import('./pages/KeysPage.tsx'), 'KeysPage'),
});
export const tenantSettingsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants/$tenantId/settings',
  component: lazyRouteComponent(() => import('./pages/TenantSettingsPage.tsx'), 'TenantSettingsPage'),
});
export const eventsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants/$tenantId/events',
  component: lazyRouteComponent(() => import('./pages/EventsPage.tsx'), 'EventsPage'),
});
export const directoryRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/tenants/$tenantId/directory',
  component: lazyRouteComponent(() => import('./pages/DirectoryPage.tsx'), 'DirectoryPage'),
});
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
const operatorsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/operators',
  component: lazyRouteComponent(() => import('./pages/OperatorsPage.tsx'), 'OperatorsPage'),
});

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
