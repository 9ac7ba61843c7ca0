/**
 * Destination token buckets (owner of `hookflow_destination_rates`). What to decide is pure
 * (../rate-limit.ts); this file reads the buckets inside a claim, writes what the claim took, and
 * notes a receiver's 429. Every call that takes tokens runs inside the claim's serialisation
 * (SQLite's write lock; the destination's lock row on MariaDB/MySQL), so two workers never spend the
 * same token. Times are the database clock, like the rest of the queue.
 */
import type { Knex } from 'knex';
import { dbNowMs, engineOf, nowMsSql } from '../../storage/engine.js';
import {
  afterTooManyRequests,
  availableTokens,
  parseRateLimit,
  parseRateRule,
  rateLimitFor,
  takeTokens,
  type BucketState,
  type RateLimit,
  type RateRule,
} from '../rate-limit.js';

const TABLE = 'hookflow_destination_rates';

/** The limits the settings define; `limitOf(host)` null = unlimited. */
export interface RateLimits {
  limitOf(destination: string): RateLimit | null;
  /** False when no limit is configured at all (the claim then only looks for 429 pauses). */
  any: boolean;
}

/** No limit anywhere (a receiver's 429 pause still holds). */
export const NO_RATE_LIMITS: RateLimits = { limitOf: () => null, any: false };

/** The settings' limits (already validated by the settings schema; a bad rule is skipped). */
export function rateLimitsOf(s: { destinationRateLimit: string; destinationRateLimits: string[] }): RateLimits {
  const fallback = s.destinationRateLimit.trim() === '' ? null : parseRateLimit(s.destinationRateLimit);
  const rules = s.destinationRateLimits.map(parseRateRule).filter((r): r is RateRule => !('error' in r));
  return { limitOf: (d) => rateLimitFor(d, rules, fallback), any: fallback !== null || rules.length > 0 };
}

type RateSettings = Parameters<typeof rateLimitsOf>[0];

/** `rateLimitsOf`, parsed again only when the settings object changes (settings are replaced, never mutated). */
export function memoRateLimits(): (s: RateSettings) => RateLimits {
  let last: { s: RateSettings; limits: RateLimits } | null = null;
  return (s) => {
    if (last?.s !== s) last = { s, limits: rateLimitsOf(s) };
    return last.limits;
  };
}

const bucketFromRow = (r: Record<string, any>): BucketState => ({
  tokens: Number(r.tokens),
  refilledAtMs: Number(r.refilled_at),
  pausedUntilMs: r.paused_until == null ? null : Number(r.paused_until),
  slowedUntilMs: r.slowed_until == null ? null : Number(r.slowed_until),
});

/** What a claim may take per destination now, and how to write what it took. */
export interface TokenRoom {
  /** Whole requests per destination that may start now; a destination not listed is unlimited. */
  room: Map<string, number>;
  /** Stores the buckets after `taken` requests per destination (call in the same transaction). */
  spend(taken: Map<string, number>): Promise<void>;
}

/** The buckets of `hosts`, inside the claim's transaction: ONE read (the database clock with them). */
export async function readTokenRoom(trx: Knex.Transaction, hosts: string[], limits: RateLimits): Promise<TokenRoom> {
  const unique = [...new Set(hosts)];
  const buckets = new Map<string, BucketState>();
  let nowMs = 0;
  if (unique.length > 0) {
    const result = await trx.raw(
      `SELECT ${nowMsSql(trx)} AS now_ms, b.* FROM (SELECT 1 AS one) x
       LEFT JOIN ${TABLE} b ON b.destination_host IN (${unique.map(() => '?').join(',')})`,
      unique,
    );
    const rows = (engineOf(trx) === 'mysql' ? result[0] : result) as Array<Record<string, any>>;
    nowMs = Number(rows[0].now_ms);
    for (const r of rows) if (r.destination_host != null) buckets.set(String(r.destination_host), bucketFromRow(r));
  }
  const room = new Map<string, number>();
  for (const host of unique) {
    const n = availableTokens(limits.limitOf(host), buckets.get(host) ?? null, nowMs);
    if (n !== Infinity) room.set(host, n);
  }
  return {
    room,
    async spend(taken) {
      for (const [host, n] of taken) {
        const limit = limits.limitOf(host);
        if (!limit || n <= 0) continue;
        const b = takeTokens(limit, buckets.get(host) ?? null, n, nowMs);
        await writeBucket(trx, host, b, SPEND_COLUMNS);
      }
    },
  };
}

/**
 * The columns a claim's spend writes over an existing row: its tokens only. A 429 noted after
 * the claim read the bucket (it takes no lock) keeps its pause and its slow-down; the claim's
 * stale token count can at most let one burst of the halved rate out once the pause is over.
 */
const SPEND_COLUMNS = ['tokens', 'refilled_at', 'updated_at'];

async function writeBucket(
  q: Knex | Knex.Transaction,
  host: string,
  b: BucketState,
  columns?: string[],
): Promise<void> {
  const row = {
    tokens: b.tokens,
    refilled_at: b.refilledAtMs,
    paused_until: b.pausedUntilMs,
    slowed_until: b.slowedUntilMs,
    updated_at: q.raw(nowMsSql(q)),
  };
  await q(TABLE)
    .insert({ destination_host: host, ...row })
    .onConflict('destination_host')
    .merge(columns);
}

/**
 * A receiver answered 429: pause it for its Retry-After (at most `capMs`; `retryAfterMs` null =
 * none asked) and halve its limit for a while. Autocommitted, with no lock (it must never wait
 * behind a claim): whatever it overwrites is safe to lose, since it sets no token and refills from the
 * pause's end, and a claim's later spend writes only the token columns (SPEND_COLUMNS).
 */
export async function noteTooManyRequests(
  db: Knex,
  host: string,
  retryAfterMs: number | null,
  capMs: number,
): Promise<void> {
  const nowMs = await dbNowMs(db);
  const [row] = await db(TABLE).where({ destination_host: host });
  await writeBucket(db, host, afterTooManyRequests(row ? bucketFromRow(row) : null, retryAfterMs, capMs, nowMs));
}

/** Why a queued, due delivery to `host` waits at `nowMs` (database clock; for the log); null when its bucket has room. */
export async function rateWaitOf(db: Knex, host: string, limits: RateLimits, nowMs: number): Promise<string | null> {
  const [row] = await db(TABLE).where({ destination_host: host });
  const b = row ? bucketFromRow(row) : null;
  if (b?.pausedUntilMs != null && nowMs < b.pausedUntilMs)
    return `the receiver asked to wait (429 Retry-After) until ${new Date(b.pausedUntilMs).toISOString()}`;
  const limit = limits.limitOf(host);
  if (limit && availableTokens(limit, b, nowMs) === 0) return `waiting for the rate limit of ${host} (${limit.text})`;
  return null;
}

/** Forgets buckets untouched since `cutoff` (a full bucket and no pause: the same as no row). */
export async function pruneQuietBuckets(db: Knex, cutoff: number): Promise<number> {
  return db(TABLE)
    .where('updated_at', '<', cutoff)
    .where((q) => q.whereNull('paused_until').orWhere('paused_until', '<', cutoff))
    .delete();
}
