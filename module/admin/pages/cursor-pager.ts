/**
 * The "Newer" / "Older" links of the log pages, which page by keyset cursor (`before=` / `after=`
 * an id, see storage/paging.ts) so a deep page is as fast as the first. A cursor says nothing of
 * the page's position, so the links carry it as `from=` (display only: it picks no rows).
 */

/** A cursor read from the page's query: invalid values are ignored (the first page is shown). */
export interface PageCursor {
  before?: number;
  after?: number;
  /** The position of the page's first row as the link that led here said it. */
  from?: number;
  /** An old `page=` link (bookmarks from before cursors): read as an offset. */
  page?: number;
}

const ID = /^[1-9]\d{0,14}$/;

/** The cursor of a log page's query string (`before`, `after`, `from`, `page`). */
export function readCursor(query: Record<string, unknown>): PageCursor {
  const id = (k: string) => {
    const v = typeof query[k] === 'string' ? (query[k] as string).trim() : '';
    return ID.test(v) ? Number(v) : undefined;
  };
  return { before: id('before'), after: id('after'), from: id('from'), page: id('page') };
}

/** The page request of a cursor: a cursor, else the old page number as an offset. */
export function pageRequestOf(c: PageCursor, perPage: number) {
  const offset = c.before === undefined && c.after === undefined && c.page ? (c.page - 1) * perPage : 0;
  return { limit: perPage, offset, before: c.before, after: c.after };
}

const n = (x: number) => x.toLocaleString('en-US');

/** `27`, `10,000+` when the count stopped at its cap. */
export function countText(total: number, capped: boolean): string {
  return `${n(total)}${capped ? '+' : ''}`;
}

export interface CursorPager {
  /** Zero hides the pager. */
  total: number;
  /** `1–25 of 27`, `26–50 of 10,000+`; `25 shown of 27` when the position is not known. */
  info: string;
  newer: string | null;
  older: string | null;
  /** Whether there is another page either way (else no links are drawn). */
  links: boolean;
}

export interface PageFacts {
  count: number;
  total: number;
  totalCapped: boolean;
  nextBefore: number | null;
  prevAfter: number | null;
}

/** Where the page's first row stands: 1 on the newest page, else what the link said (or the old page number). */
function positionOf(p: PageFacts, c: PageCursor, perPage: number): number | undefined {
  if (p.prevAfter === null) return 1;
  if (c.from !== undefined) return c.from;
  if (c.before === undefined && c.after === undefined && c.page) return (c.page - 1) * perPage + 1;
  return undefined;
}

/** The pager of a page of `p.count` rows; `href` builds a link keeping the page's filters. */
export function cursorPager(
  p: PageFacts,
  c: PageCursor,
  perPage: number,
  href: (cursor: { before?: number; after?: number; from?: number }) => string,
): CursorPager {
  const from = positionOf(p, c, perPage);
  const of = countText(p.total, p.totalCapped);
  const info =
    p.count === 0
      ? `0 of ${of}`
      : from === undefined
        ? `${p.count} shown of ${of}`
        : `${n(from)}–${n(from + p.count - 1)} of ${of}`;
  const older = p.nextBefore === null ? null : href({ before: p.nextBefore, from: from && from + p.count });
  const newer = p.prevAfter === null ? null : href({ after: p.prevAfter, from: from && Math.max(1, from - perPage) });
  return { total: p.total, info, older, newer, links: older !== null || newer !== null };
}
