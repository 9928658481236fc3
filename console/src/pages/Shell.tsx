import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet } from '@tanstack/react-router';
import { useEffect } from 'react';
import { api, setCsrfToken } from '../api.ts';
import { TenantNav } from '../components/TenantNav.tsx';
import { sessionQuery } from '../queries.ts';
import { SignInPage } from './SignInPage.tsx';

/** The session query: who is signed in (null: nobody). */
export function useSession() {
  return useQuery(sessionQuery);
}

/** Signed in: the header and the page; otherwise the sign-in form. */
export function Shell() {
  const session = useSession();
  const queryClient = useQueryClient();
  const signOut = useMutation({
    mutationFn: () => api.del('/session'),
    onSuccess: () => {
      setCsrfToken(null);
      queryClient.clear();
      queryClient.setQueryData(['session'], null);
    },
  });
  useEffect(() => {
    document.title = 'Roster console';
  }, []);

  if (session.isPending) return <p className="p-6">Loading…</p>;
  if (session.isError) return <p className="p-6 text-red-700">The console could not reach Roster: {String(session.error.message)}</p>;
  if (!session.data) return <SignInPage />;
  const operator = session.data.operator;
  const platform = operator === null || operator.role === 'platform';
  return (
    <div className="min-h-screen">
      <header className="flex flex-wrap items-center gap-2 border-b border-slate-200 px-4 py-2 dark:border-slate-700">
        <span className="mr-2 font-semibold">Roster console</span>
        <nav aria-label="Main" className="flex flex-wrap gap-1">
          <Link to="/tenants" className="navlink" activeProps={{ 'aria-current': 'page', className: 'font-semibold underline' }}>
            Tenants
          </Link>
          {platform ? (
            <Link to="/operators" className="navlink" activeProps={{ 'aria-current': 'page', className: 'font-semibold underline' }}>
              Operators
            </Link>
          ) : null}
        </nav>
        <span className="muted ml-auto text-sm" data-testid="whoami">
          {operator ? `${operator.name} (${operator.role})` : 'admin token'}
        </span>
        <button type="button" className="btn" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
          Sign out
        </button>
      </header>
      <TenantNav />
      <main className="mx-auto max-w-6xl p-4">
        <Outlet />
      </main>
    </div>
  );
}
