/**
 * A page of a filtered log query, newest first, that stays fast at millions of rows: keyset
 * cursors (`before`/`after` an id) instead of deep offsets, and a count that stops at a cap
 * instead of scanning every matching row. `offset` still works for API clients that page by it.
 */
import type { Knex } from 'knex';
import { engineOf } from './engine.js';

/** How many matching rows a count reads at most; beyond it the total is shown as "10,000+". */
export const COUNT_CAP = 10_000;

/** Why a request giving both cursors is refused (said on the `before` field). */
export const BOTH_CURSORS =
  'give either before (older rows) or after (newer rows), not both: before and after page in opposite directions';

export interface PageRequest {
  limit: number;
  /** Rows skipped from the newest; ignored when a cursor is given. */
  offset?: number;
  /** Rows with a smaller id (older), newest first. */
  before?: number;
  /** Rows with a larger id (newer): the `limit` just above it, still shown newest first. */
  after?: number;
}

export interface Page<T> {
  items: T[];
  /** Matching rows, at most the cap. */
  total: number;
  /** True when more rows than the cap match (the total is then the cap). */
  totalCapped: boolean;
  /** The id to pass as `before` for the next older page; null when there is none. */
  nextBefore: number | null;
  /** The id to pass as `after` for the next newer page; null on the newest page. */
  prevAfter: number | null;
}

/** Matching rows up to `cap` (reads at most cap + 1 ids) and whether more match. */
export async function cappedCount(
  db: Knex,
  q: Knex.QueryBuilder,
  cap = COUNT_CAP,
): Promise<{ total: number; capped: boolean }> {
  const ids = q
    .clone()
    .clearSelect()
    .clearOrder()
    .select('id')
    .limit(cap + 1);
  const [row] = (await db.count({ n: '*' }).from(ids.as('capped'))) as Array<{ n: unknown }>;
  const count = Number(row.n);
  return { total: Math.min(count, cap), capped: count > cap };
}

/** Index entries a time window's id bounds read at most; a wider window pages without them. */
export const WINDOW_SCAN_CAP = 200_000;

/**
 * Narrows `q` (rows of `table` created before `until`, and at or after `since` when given) to
 * the id range the window's rows occupy, read off the created_at index. Without it MariaDB
 * walks the primary key down from the newest row to reach a window 10 days back (a second at a
 * million rows); with it the walk starts at the window's newest id. Exact whatever the clocks
 * did: MIN and MAX of the window's own ids, not a guess from times. Skipped without `until` (the
 * walk from the top meets the window at once) and when more than `scanCap` rows fall inside
 * (reading them would cost what it saves). Rows created after the bounds were read (only
 * possible when `until` is in the future) show on the next page load.
 * `walkIndex`: an index on (id, created_at) of `table` (MariaDB/MySQL), for a page that filters
 * by nothing but the window; when the window is too wide to bound, the walk is forced onto it,
 * skipping narrow index entries instead of whole rows (the optimizer keeps the primary key).
 * Default none. Ignored on SQLite.
 */
export async function boundByCreatedAt(
  db: Knex,
  q: Knex.QueryBuilder,
  table: string,
  window: { since?: number; until?: number },
  scanCap = WINDOW_SCAN_CAP,
  walkIndex?: string,
): Promise<void> {
  if (!window.until) return;
  const wide = () => {
    if (walkIndex && engineOf(db) === 'mysql') q.from(db.raw('?? FORCE INDEX (??)', [table, walkIndex]));
  };
  // Clearly too wide by its edges' ids: not worth reading up to scanCap entries to learn it.
  if ((await idSpanOf(db, table, window)) > scanCap) return wide();
  const ids = db(table).select('id').where('created_at', '<', window.until);
  if (window.since) ids.where('created_at', '>=', window.since);
  const [row] = (await db
    .from(ids.limit(scanCap + 1).as('w'))
    .count({ n: '*' })
    .min({ lo: 'id' })
    .max({ hi: 'id' })) as Array<{ n: unknown; lo: unknown; hi: unknown }>;
  const n = Number(row.n);
  if (n > scanCap) return wide();
  if (n === 0) q.whereRaw('1 = 0');
  else q.whereBetween('id', [Number(row.lo), Number(row.hi)]);
}

/**
 * How many ids lie between the window's edges: the id of its latest-created row minus that of
 * its earliest (two index dives on created_at). Only a guess of its size — ids and times need
 * not agree — used to skip the exact read when the window is clearly wide; both ways are exact.
 */
async function idSpanOf(db: Knex, table: string, window: { since?: number; until?: number }): Promise<number> {
  const edge = (q: Knex.QueryBuilder, dir: 'asc' | 'desc') => q.orderBy('created_at', dir).first('id');
  const newest = await edge(db(table).where('created_at', '<', window.until!), 'desc');
  const oldest = window.since
    ? await edge(db(table).where('created_at', '>=', window.since), 'asc')
    : await db(table).min({ id: 'id' }).first();
  if (!newest?.id || !oldest?.id) return 0;
  return Number(newest.id) - Number(oldest.id) + 1;
}

// Whether a matching row lies beyond `id` in that direction (one index probe).
async function anyBeyond(q: Knex.QueryBuilder, op: '<' | '>', id: number): Promise<boolean> {
  return (await q.clone().clearSelect().select('id').where('id', op, id).limit(1)).length > 0;
}

const idOf = (r: Record<string, any>) => Number(r.id);

/**
 * The page's ids newest first and whether the direction of travel has more (limit + 1 fetched).
 * Ids only, so an index on (filter column, id) answers alone: for `select *` MariaDB walks the
 * filter column's index row by row instead (half a second at a million rows).
 */
async function fetchIds(q: Knex.QueryBuilder, page: PageRequest): Promise<{ ids: number[]; more: boolean }> {
  const ids = q
    .clone()
    .clearSelect()
    .select('id')
    .limit(page.limit + 1);
  if (page.after !== undefined) {
    const asc = (await ids.where('id', '>', page.after).orderBy('id', 'asc')).map(idOf);
    return { ids: asc.slice(0, page.limit).reverse(), more: asc.length > page.limit };
  }
  if (page.before !== undefined) ids.where('id', '<', page.before);
  else ids.offset(page.offset ?? 0);
  const desc = (await ids.orderBy('id', 'desc')).map(idOf);
  return { ids: desc.slice(0, page.limit), more: desc.length > page.limit };
}

// The rows of those ids in that order (one pruned meanwhile is left out).
async function rowsOf(q: Knex.QueryBuilder, ids: number[]): Promise<Array<Record<string, any>>> {
  if (ids.length === 0) return [];
  const rows: Array<Record<string, any>> = await q.clone().clearWhere().clearOrder().whereIn('id', ids);
  const byId = new Map(rows.map((r) => [idOf(r), r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

// The cursor of the side not travelled: known from the request, else one probe.
async function otherSide(q: Knex.QueryBuilder, page: PageRequest, ids: number[]) {
  const first = ids.length ? ids[0] : null;
  const last = ids.length ? ids[ids.length - 1] : null;
  if (page.after !== undefined) {
    const edge = last ?? page.after + 1;
    return (await anyBeyond(q, '<', edge)) ? edge : null;
  }
  if (page.before === undefined && !(page.offset ?? 0)) return null;
  const edge = first ?? (page.before !== undefined ? page.before - 1 : null);
  return edge !== null && (await anyBeyond(q, '>', edge)) ? edge : null;
}

/**
 * One page of `q` (newest first) with a capped count and the cursors of its neighbours.
 * `cap` is a parameter so a test can reach it with a handful of rows.
 */
export async function pageOf<T>(
  db: Knex,
  q: Knex.QueryBuilder,
  page: PageRequest,
  map: (row: Record<string, any>) => T,
  cap = COUNT_CAP,
): Promise<Page<T>> {
  const [{ total, capped }, { ids, more }] = await Promise.all([cappedCount(db, q, cap), fetchIds(q, page)]);
  const [rows, other] = await Promise.all([rowsOf(q, ids), otherSide(q, page, ids)]);
  const lastId = ids.length ? ids[ids.length - 1] : null;
  const firstId = ids.length ? ids[0] : null;
  const towardsNewer = page.after !== undefined;
  return {
    items: rows.map(map),
    total,
    totalCapped: capped,
    nextBefore: towardsNewer ? other : more ? lastId : null,
    prevAfter: towardsNewer ? (more ? firstId : null) : other,
  };
}
