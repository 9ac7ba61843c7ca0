/**
 * Per-destination rate limits (PURE: the clock comes in as `nowMs`). The queue
 * (queue/rate-buckets.ts) stores one token bucket per destination host (host:port) and takes
 * tokens inside the claim, which is serialised across all worker processes, so a limit holds for
 * the whole fleet.
 *
 * Rules:
 *   - A limit is written `N/s`, `N/m` (or `/sec`, `/second`, `/min`, `/minute`), N a positive
 *     number; `10/s` and `600/m` are the same rate. Anything else is refused, never guessed.
 *   - Which limit a destination has: the first rule naming its host and port
 *     (`api.example.com:8443 5/s`), else the first naming its host alone (any port), else the
 *     default; no default and no rule = unlimited.
 *   - The bucket holds at most one second's worth of requests (never less than 1): a limit is
 *     never exceeded by more than that burst over any stretch of time. It refills continuously.
 *   - A 429 from the receiver: no request to that destination until its Retry-After has passed
 *     (capped; none given = no pause), then for `SLOW_MS` afterwards the limit is halved (a
 *     destination without a limit is then held to the rate it was being sent at: none, so only
 *     the pause applies).
 *   - Waiting for a token never fails a delivery: it stays queued and uses up no retry.
 */

export interface RateLimit {
  /** Requests per second (may be fractional: 30/m = 0.5/s). */
  perSecond: number;
  /** The text it was written as, for messages and the log. */
  text: string;
}

export interface BucketState {
  tokens: number;
  refilledAtMs: number;
  /** No request before this (a 429's Retry-After); null = none. */
  pausedUntilMs: number | null;
  /** The limit is halved until this (after a 429); null = not slowed. */
  slowedUntilMs: number | null;
}

/** How long a 429 halves a destination's limit after its pause, ms. */
export const SLOW_MS = 60_000;

const UNITS: Record<string, number> = { s: 1, sec: 1, second: 1, m: 60, min: 60, minute: 60 };

/** `10/s` → 10 per second; null when it is not a limit this module understands. */
export function parseRateLimit(text: string): RateLimit | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*\/\s*([a-z]+)\s*$/i.exec(text);
  if (!m) return null;
  const unit = UNITS[m[2].toLowerCase()];
  const n = Number(m[1]);
  if (!unit || !(n > 0) || !Number.isFinite(n)) return null;
  return { perSecond: n / unit, text: `${m[1]}/${unit === 1 ? 's' : 'm'}` };
}

export interface RateRule {
  /** Lower-case host, no port. */
  host: string;
  /** Null: any port. */
  port: string | null;
  limit: RateLimit;
}

/** One rule line, `host[:port] N/s`; an error message naming what is wrong otherwise. */
export function parseRateRule(line: string): RateRule | { error: string } {
  const parts = line.trim().split(/\s+/);
  if (parts.length !== 2) return { error: `"${line.trim()}": write a host and a limit, e.g. "api.example.com 10/s"` };
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(parts[0]);
  if (!m) return { error: `"${parts[0]}" is not a host name or address (optionally with :port)` };
  const limit = parseRateLimit(parts[1]);
  if (!limit) return { error: `"${parts[1]}" is not a rate above 0 such as 10/s or 600/m` };
  return { host: m[1].toLowerCase(), port: m[2] ?? null, limit };
}

/** `host:port` (as deliveries store it) → [host, port]; IPv6 keeps its brackets. */
function splitDestination(destination: string): [string, string | null] {
  const m = /^(.*):(\d+)$/.exec(destination);
  return m ? [m[1].toLowerCase(), m[2]] : [destination.toLowerCase(), null];
}

/** The limit of one destination (see the rules); null = unlimited. */
export function rateLimitFor(destination: string, rules: readonly RateRule[], fallback: RateLimit | null) {
  const [host, port] = splitDestination(destination);
  const exact = rules.find((r) => r.host === host && r.port !== null && r.port === port);
  const anyPort = rules.find((r) => r.host === host && r.port === null);
  return exact?.limit ?? anyPort?.limit ?? fallback;
}

/** Most tokens a bucket holds: one second's worth, at least 1. */
export const burstOf = (perSecond: number): number => Math.max(1, perSecond);

/** A bucket never seen: full. */
export const freshBucket = (limit: RateLimit, nowMs: number): BucketState => ({
  tokens: burstOf(limit.perSecond),
  refilledAtMs: nowMs,
  pausedUntilMs: null,
  slowedUntilMs: null,
});

/** The limit in force now (halved while slowed after a 429). */
export function effectiveRate(limit: RateLimit, b: BucketState, nowMs: number): number {
  return b.slowedUntilMs !== null && nowMs < b.slowedUntilMs ? limit.perSecond / 2 : limit.perSecond;
}

/** Whole requests that may start now: 0 while paused; unlimited (Infinity) without a limit. */
export function availableTokens(limit: RateLimit | null, b: BucketState | null, nowMs: number): number {
  if (b?.pausedUntilMs != null && nowMs < b.pausedUntilMs) return 0;
  if (!limit) return Infinity;
  const state = b ?? freshBucket(limit, nowMs);
  const rate = effectiveRate(limit, state, nowMs);
  const refill = (Math.max(0, nowMs - state.refilledAtMs) * rate) / 1000;
  return Math.floor(Math.min(burstOf(rate), state.tokens + refill) + 1e-9);
}

/** The bucket of a destination with `limit` after `n` requests started at `nowMs` (n ≤ availableTokens). */
export function takeTokens(limit: RateLimit, b: BucketState | null, n: number, nowMs: number): BucketState {
  const base = b ?? freshBucket(limit, nowMs);
  const rate = effectiveRate(limit, base, nowMs);
  const refill = (Math.max(0, nowMs - base.refilledAtMs) * rate) / 1000;
  const tokens = Math.min(burstOf(rate), base.tokens + refill) - n;
  return { ...base, tokens: Math.max(0, tokens), refilledAtMs: Math.max(nowMs, base.refilledAtMs) };
}

/** The bucket after a 429 that asked to wait `retryAfterMs` (null: no Retry-After), capped at `capMs`. */
export function afterTooManyRequests(
  b: BucketState | null,
  retryAfterMs: number | null,
  capMs: number,
  nowMs: number,
): BucketState {
  const pause = retryAfterMs === null ? 0 : Math.min(Math.max(0, retryAfterMs), capMs);
  const pausedUntilMs = pause > 0 ? nowMs + pause : (b?.pausedUntilMs ?? null);
  return {
    tokens: 0,
    refilledAtMs: nowMs + pause,
    pausedUntilMs,
    slowedUntilMs: nowMs + pause + SLOW_MS,
  };
}
