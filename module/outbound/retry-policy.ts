/**
 * What to do after one delivery attempt. PURE: the clock (`nowMs`) and randomness (`random`)
 * come in as parameters, so every decision is reproducible in tests.
 *
 * Rules:
 *   - 2xx → success.
 *   - 410 Gone → fail now. From a URL with no record data in it, also `disableWebhook` (Standard
 *     Webhooks: the endpoint is gone for good); from a URL that carries record data only that
 *     record's resource is gone, so the webhook stays on for every other record.
 *   - blocked (the address guard refused the destination) → fail now: a configuration error
 *     that retrying cannot fix.
 *   - every other response (1xx, 3xx, other 4xx, 5xx), timeouts and network errors → retry per
 *     schedule. 3xx counts as failure because redirects are never followed (a redirect could
 *     lead past the address guard). Other 4xx retry too, like Svix and Vtiger do: receivers are
 *     often briefly misconfigured (401 during a key rotation, 404 during a deploy), the schedule
 *     is short and bounded, and the last failure still alerts the admins.
 *   - 429 and 503 also honour Retry-After (seconds or HTTP-date, capped at retryAfterCapSeconds):
 *     the retry happens at the later of the schedule's slot and now + Retry-After.
 * Timing: retry k (k = attemptNo) is due at firstAttemptAtMs + schedule[k-1] s, plus jitter in
 * [0, jitter × that delay), never before nowMs. attemptNo > schedule.length → fail, `exhausted`
 * (a delivery whose destination is held waits instead: see destination-policy.ts).
 */

export type AttemptResult =
  | { kind: 'response'; statusCode: number; retryAfter?: string | null }
  | { kind: 'network_error' | 'timeout'; message: string }
  | { kind: 'blocked'; message: string };

export interface RetryInput {
  /** 1-based number of the attempt just made. */
  attemptNo: number;
  result: AttemptResult;
  /** Seconds after the first attempt at which each retry is due, e.g. [3600, 7200, 14400]. */
  schedule: readonly number[];
  /** Share (0-0.5) of each retry delay added at random so retries of many deliveries spread out. */
  jitter: number;
  /** Upper bound applied to a receiver's Retry-After, seconds. */
  retryAfterCapSeconds: number;
  firstAttemptAtMs: number;
  nowMs: number;
  /** Returns a number in [0, 1), like Math.random. */
  random: () => number;
  /** The webhook's URL is templated with record or `$env` data (a 410 then concerns one resource). Default false. */
  urlCarriesRecordData?: boolean;
}

export type Decision =
  | { action: 'success' }
  | { action: 'retry'; atMs: number; reason: string }
  | { action: 'fail'; reason: string; disableWebhook?: boolean; exhausted?: boolean };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
// RFC 9110 §5.6.7: IMF-fixdate, obsolete RFC 850 and asctime forms, all in GMT.
const IMF_FIXDATE = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850 = /^[A-Za-z]{6,9}, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME = /^[A-Za-z]{3} ([A-Za-z]{3}) ( \d|\d{2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

function utcMs(day: string, month: string, year: number, h: string, m: string, s: string): number | null {
  const monthIndex = MONTHS.indexOf(month.toLowerCase());
  const [dd, hh, mm, ss] = [Number(day), Number(h), Number(m), Number(s)];
  if (monthIndex < 0 || dd < 1 || dd > 31 || hh > 23 || mm > 59 || ss > 60) return null;
  return Date.UTC(year, monthIndex, dd, hh, mm, Math.min(ss, 59));
}

/** An HTTP-date as ms since the epoch; never uses Date.parse (it would read asctime as local time). */
function parseHttpDate(value: string): number | null {
  let match = IMF_FIXDATE.exec(value);
  if (match) return utcMs(match[1], match[2], Number(match[3]), match[4], match[5], match[6]);
  match = RFC850.exec(value);
  if (match) {
    // RFC 9110: a two-digit year more than 50 years in the future means the previous century;
    // resolving against 1970-2069 is a fixed, clock-free approximation of that rule.
    const yy = Number(match[3]);
    return utcMs(match[1], match[2], yy < 70 ? 2000 + yy : 1900 + yy, match[4], match[5], match[6]);
  }
  match = ASCTIME.exec(value);
  if (match) return utcMs(match[2].trim(), match[1], Number(match[6]), match[3], match[4], match[5]);
  return null;
}

/**
 * A Retry-After header as a delay in ms from `nowMs`: delta-seconds or an HTTP-date (a date in
 * the past gives 0). Null when absent or not understood.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  if (/^\d{1,12}$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = parseHttpDate(trimmed);
  return at === null ? null : Math.max(0, at - nowMs);
}

function checkInput(input: RetryInput): void {
  if (!Number.isInteger(input.attemptNo) || input.attemptNo < 1) throw new Error('attemptNo must be an integer >= 1');
  if (!input.schedule.every((s) => Number.isFinite(s) && s >= 0))
    throw new Error('schedule must hold non-negative seconds');
  if (!(input.jitter >= 0 && input.jitter <= 0.5)) throw new Error('jitter must be between 0 and 0.5');
  if (!(input.retryAfterCapSeconds >= 0)) throw new Error('retryAfterCapSeconds must be >= 0');
}

/** Why the attempt failed, or null when it succeeded. */
function failureReason(result: AttemptResult): string | null {
  if (result.kind !== 'response')
    return `${result.kind === 'network_error' ? 'network error' : result.kind}: ${result.message}`;
  const status = result.statusCode;
  if (status >= 200 && status <= 299) return null;
  if (status >= 300 && status <= 399) return `redirect not followed (${status})`;
  return `HTTP ${status}`;
}

function retryAtMs(input: RetryInput): number {
  const delayMs = input.schedule[input.attemptNo - 1] * 1000;
  const random = Math.min(Math.max(input.random(), 0), 1 - Number.EPSILON);
  const scheduled = input.firstAttemptAtMs + delayMs + Math.floor(random * input.jitter * delayMs);
  let at = Math.max(scheduled, input.nowMs);
  const { result } = input;
  if (result.kind === 'response' && (result.statusCode === 429 || result.statusCode === 503)) {
    const asked = parseRetryAfter(result.retryAfter, input.nowMs);
    if (asked !== null) at = Math.max(at, input.nowMs + Math.min(asked, input.retryAfterCapSeconds * 1000));
  }
  return at;
}

/** The decision after attempt `attemptNo`. Throws on nonsensical input rather than guess. */
export function decideAfterAttempt(input: RetryInput): Decision {
  checkInput(input);
  const { result } = input;
  const reason = failureReason(result);
  if (reason === null) return { action: 'success' };
  if (result.kind === 'blocked') return { action: 'fail', reason: `blocked: ${result.message}` };
  if (result.kind === 'response' && result.statusCode === 410) {
    if (input.urlCarriesRecordData) {
      return {
        action: 'fail',
        reason:
          'HTTP 410: the receiver says this resource is gone; only this delivery fails (the URL carries record data, so the webhook stays on)',
      };
    }
    return { action: 'fail', reason: 'HTTP 410: the receiver says the endpoint is gone', disableWebhook: true };
  }
  if (input.attemptNo > input.schedule.length) {
    return {
      action: 'fail',
      reason: `retries exhausted after ${input.attemptNo} attempts; last: ${reason}`,
      exhausted: true,
    };
  }
  return { action: 'retry', atMs: retryAtMs(input), reason };
}
