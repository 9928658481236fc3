import type { RequestOptions, Transport } from '../http.ts';
import { PagedList } from '../pagination.ts';
import type { ResponseBody, RosterEvent } from '../types.ts';

type EventPage = ResponseBody<'listEvents'>;

/** `roster.events`: the change feed. */
export class Events {
  constructor(private readonly http: Transport) {}

  /** One page of events after a cursor (oldest first). */
  async page(query: { after?: string; type?: string; limit?: number } = {}, options?: RequestOptions): Promise<EventPage> {
    return (await this.http.send<EventPage>({ method: 'GET', path: '/v1/events', query, options })).data;
  }

  /** Every event from `after` to now, page by page. */
  list(query: { after?: string; limit?: number } = {}, options?: RequestOptions): PagedList<RosterEvent> {
    return new PagedList((cursor) => this.page({ ...query, after: cursor ?? query.after }, options));
  }

  /**
   * Follows the feed: yields every event after `after` (from the start when absent), then polls every
   * `intervalMs` (default 2000) for new ones, until `signal` aborts (the iteration then ends) or the caller breaks.
   * Keep the `cursor` of the last event handled to resume from it.
   * @throws RosterError when a poll fails with an error that retries did not cure.
   */
  async *follow(
    options: { after?: string; type?: string; intervalMs?: number; limit?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<RosterEvent> {
    let after = options.after;
    const { signal } = options;
    while (!signal?.aborted) {
      let page: EventPage;
      try {
        page = await this.page({ after, limit: options.limit, ...(options.type ? { type: options.type } : {}) }, { signal });
      } catch (error) {
        if (signal?.aborted) return;
        throw error;
      }
      for (const event of page.data) {
        yield event;
        after = event.cursor;
      }
      // A full page means more are waiting: ask again at once; otherwise wait for new events.
      if (!page.nextCursor && !(await pause(options.intervalMs ?? 2000, signal))) return;
    }
  }
}

/** Waits; false when `signal` aborted meanwhile. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
