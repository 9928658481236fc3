import { QueryClient, queryOptions } from '@tanstack/react-query';
import { ApiError, api, type SessionInfo, setCsrfToken, type Tenant, type UserPage } from './api.ts';

/** The console's one query cache: the router's loaders fill it ahead of the pages that read it. */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      // A 4xx will not get better by retrying.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

/** Who is signed in (null: nobody, a 401). index.html preloads its URL, so the answer is often there before the code. */
export const sessionQuery = queryOptions({
  queryKey: ['session'],
  queryFn: async () => {
    try {
      const session = await api.get<SessionInfo>('/session');
      setCsrfToken(session.csrfToken);
      return session;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  },
  staleTime: 60_000,
});

export const tenantsQuery = queryOptions({ queryKey: ['tenants'], queryFn: () => api.get<{ data: Tenant[] }>('/tenants') });

/** A page of a tenant's users; `query` is the list's query string (filtersToQuery). */
export const usersPageQuery = (tenantId: string, query: string) =>
  queryOptions({
    queryKey: ['users', tenantId, query],
    queryFn: () => api.get<UserPage>(`/tenants/${tenantId}/users?${query}`),
  });
