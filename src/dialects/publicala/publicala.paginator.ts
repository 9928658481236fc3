/** One entry of a Laravel paginator's `links`: a page, the previous/next arrows, or a `...` gap. */
export interface PaginatorLink {
  url: string | null;
  label: string;
  active: boolean;
}

/** Laravel's LengthAwarePaginator as its `toArray()` serializes it. */
export interface Paginator<T> {
  current_page: number;
  data: T[];
  first_page_url: string;
  from: number | null;
  last_page: number;
  last_page_url: string;
  links: PaginatorLink[];
  next_page_url: string | null;
  path: string;
  per_page: number;
  prev_page_url: string | null;
  to: number | null;
  total: number;
}

// Laravel's default: three pages each side of the current one.
const ON_EACH_SIDE = 3;

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/**
 * The page numbers Laravel's UrlWindow shows, with null for a `...` gap: all of them for a short list, else the
 * first two, a window around the current page and the last two.
 */
function pageWindow(current: number, last: number): (number | null)[] {
  if (last < ON_EACH_SIDE * 2 + 8) return range(1, last);
  const window = ON_EACH_SIDE + 4;
  if (current <= window) return [...range(1, window + ON_EACH_SIDE), null, last - 1, last];
  if (current > last - window) return [1, 2, null, ...range(last - (window + ON_EACH_SIDE - 1), last)];
  return [1, 2, null, ...range(current - ON_EACH_SIDE, current + ON_EACH_SIDE), null, last - 1, last];
}

/**
 * Serializes one page as Laravel's LengthAwarePaginator does. Page URLs are `path?page=N` with the other list
 * parameters (`query`) kept, so following `next_page_url` keeps the filter.
 */
export function toPaginator<T>(page: {
  data: T[];
  currentPage: number;
  perPage: number;
  total: number;
  path: string;
  query: Record<string, string>;
}): Paginator<T> {
  const { data, currentPage, perPage, total, path } = page;
  const last = Math.max(1, Math.ceil(total / perPage));
  const url = (n: number) => `${path}?${new URLSearchParams({ ...page.query, page: String(n) }).toString()}`;
  const prev = currentPage > 1 ? url(currentPage - 1) : null;
  const next = currentPage < last ? url(currentPage + 1) : null;
  const from = data.length > 0 ? (currentPage - 1) * perPage + 1 : null;
  const links: PaginatorLink[] = [
    { url: prev, label: '&laquo; Previous', active: false },
    ...pageWindow(currentPage, last).map((n) =>
      n === null ? { url: null, label: '...', active: false } : { url: url(n), label: String(n), active: n === currentPage },
    ),
    { url: next, label: 'Next &raquo;', active: false },
  ];
  return {
    current_page: currentPage,
    data,
    first_page_url: url(1),
    from,
    last_page: last,
    last_page_url: url(last),
    links,
    next_page_url: next,
    path,
    per_page: perPage,
    prev_page_url: prev,
    to: from === null ? null : from + data.length - 1,
    total,
  };
}
