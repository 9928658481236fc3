import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { api, type RosterEvent } from '../api.ts';
import { formatDateTime } from '../components/forms.ts';
import { eventsRoute } from '../router.tsx';

const show = (value: unknown) => (value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value));

/**
 * The tenant's event feed, newest first, polled every 5 s. The feed API pages oldest first by cursor; the screen
 * reads the latest page (up to 200 events after the operator's starting point) and shows it reversed.
 */
export function EventsPage() {
  const { tenantId } = eventsRoute.useParams();
  const [type, setType] = useState('');
  const [userId, setUserId] = useState('');
  const params = new URLSearchParams({ limit: '200' });
  if (type.trim()) params.set('type', type.trim());
  if (/^[0-9a-f-]{36}$/i.test(userId.trim())) params.set('userId', userId.trim());
  const events = useQuery({
    queryKey: ['feed', tenantId, params.toString()],
    queryFn: () => api.get<{ data: RosterEvent[]; nextCursor: string | null }>(`/tenants/${tenantId}/events?${params}`),
    refetchInterval: 5_000,
    placeholderData: keepPreviousData,
  });
  const newestFirst = [...(events.data?.data ?? [])].reverse();
  return (
    <div className="grid gap-4">
      <h1 className="text-2xl font-semibold">Events</h1>
      <div className="grid gap-3 sm:grid-cols-2">
        <div>
          <label htmlFor="events-type" className="label">
            Type
          </label>
          <input id="events-type" className="input" placeholder="user.updated" value={type} onChange={(e) => setType(e.target.value)} />
        </div>
        <div>
          <label htmlFor="events-user" className="label">
            User id
          </label>
          <input id="events-user" className="input" value={userId} onChange={(e) => setUserId(e.target.value)} />
        </div>
      </div>
      <p className="muted text-sm" aria-live="polite">
        {events.isFetching ? 'Refreshing…' : 'Live: refreshed every 5 s'}
      </p>
      {events.data && newestFirst.length === 0 ? <p className="muted">No events.</p> : null}
      <ol className="grid gap-2" data-testid="feed">
        {newestFirst.map((e) => (
          <li key={e.id} className="border-l-2 border-slate-300 pl-3 dark:border-slate-600">
            <strong>{e.type}</strong>{' '}
            <span className="muted text-sm">
              by {e.actor ?? 'system'} · {formatDateTime(e.createdAt)}
            </span>
            {e.userId ? (
              <>
                {' '}
                ·{' '}
                <Link
                  to="/tenants/$tenantId/users/$userId"
                  params={{ tenantId, userId: e.userId }}
                  className="text-sm text-blue-700 underline dark:text-blue-300"
                >
                  user
                </Link>
              </>
            ) : null}
            {e.changes ? (
              <ul className="text-sm">
                {Object.entries(e.changes).map(([field, change]) => (
                  <li key={field}>
                    {field}: {show(change.before)} → {show(change.after)}
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ol>
    </div>
  );
}
