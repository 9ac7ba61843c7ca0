/**
 * Value comparison rules for workflow conditions. CRM values arrive loosely typed (a number
 * field may hold `"1000"`, a checkbox `"true"`), so comparisons coerce — but only where the
 * meaning is unambiguous; anything unsure compares as "not equal" / "not ordered".
 * All functions are pure and never throw.
 */

/** undefined, null, '', whitespace-only strings and [] are empty; 0, false and {} are not. */
export function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

/** Plain decimal numbers only: no hex, no `Infinity`, no thousands separators. */
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A finite number for numbers and numeric strings (`" 1000 "` → 1000), else null. */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (!NUMERIC.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** true/false for booleans and the strings 'true'/'false' (any case), else null. */
function toBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return null;
  const text = value.trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  return null;
}

/** Comparable text: trimmed and lower-cased; null/undefined become ''. */
function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString().toLowerCase();
  return String(value).trim().toLowerCase();
}

function isStructured(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !(value instanceof Date);
}

/** JSON with sorted keys, so `{a,b}` and `{b,a}` compare equal; null when not serialisable. */
function canonicalJson(value: unknown, depth = 0): string | null {
  if (depth > 50) return null;
  if (Array.isArray(value)) {
    const items = value.map((item) => canonicalJson(item, depth + 1));
    return items.includes(null) ? null : `[${items.join(',')}]`;
  }
  if (isStructured(value)) {
    const keys = Object.keys(value).sort();
    const parts = keys.map((k) => [k, canonicalJson((value as Record<string, unknown>)[k], depth + 1)] as const);
    if (parts.some(([, v]) => v === null)) return null;
    return `{${parts.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  }
  if (value === undefined) return 'null';
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    return null;
  }
}

/**
 * Loose equality, rule by rule (first rule that applies wins):
 * 1. both empty (see isEmptyValue) → equal, so null, '' and [] never count as a change;
 * 2. both numeric → numeric equality (`"1000"` equals 1000, `"1e3"` equals 1000);
 * 3. both boolean-like → boolean equality (true equals 'TRUE');
 * 4. either is an object/array → canonical JSON equality (arrays are ordered);
 * 5. otherwise trimmed, case-insensitive text (`" Won "` equals `"won"`).
 */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (isEmptyValue(a) && isEmptyValue(b)) return true;
  const na = toNumber(a);
  const nb = toNumber(b);
  if (na !== null && nb !== null) return na === nb;
  const ba = toBoolean(a);
  const bb = toBoolean(b);
  if (ba !== null && bb !== null) return ba === bb;
  if (isStructured(a) || isStructured(b)) {
    const ja = canonicalJson(a);
    return ja !== null && ja === canonicalJson(b);
  }
  return toText(a) === toText(b);
}

/**
 * `contains`: for arrays, some element `valuesEqual` the needle; for strings and numbers, a
 * case-insensitive substring test (not trimmed, so `' inc'` can be searched for). An empty
 * needle, or any other haystack, is false: a test that checks nothing should not pass.
 */
export function containsValue(haystack: unknown, needle: unknown): boolean {
  if (Array.isArray(haystack)) return haystack.some((item) => valuesEqual(item, needle));
  if (typeof haystack !== 'string' && typeof haystack !== 'number') return false;
  if (needle === undefined || needle === null || typeof needle === 'object') return false;
  const text = String(needle).toLowerCase();
  if (text === '') return false;
  return String(haystack).toLowerCase().includes(text);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Epoch ms for a Date or an ISO-8601 date / date-time string, else null. Date-times without a
 * zone are read as UTC (never the machine's zone), so results do not depend on where we run.
 * Impossible calendar dates (`2024-02-30`) are refused instead of rolled over.
 */
export function toTime(value: unknown): number | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value !== 'string') return null;
  const text = value.trim();
  const m = ISO_DATE.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return null;
  if (m[4] === undefined) return calendar.getTime();
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return null;
  let iso = text.replace(' ', 'T');
  if (m[7] === undefined) iso += 'Z';
  else if (/^[+-]\d{4}$/.test(m[7])) iso = `${iso.slice(0, -2)}:${iso.slice(-2)}`;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? null : time;
}

/**
 * Ordering for gt/lt: -1, 0 or 1 when both sides are numeric, or else both are dates;
 * null (neither gt nor lt) when unsure, e.g. a number against a date or free text.
 */
export function compareOrdered(a: unknown, b: unknown): -1 | 0 | 1 | null {
  const na = toNumber(a);
  const nb = toNumber(b);
  if (na !== null && nb !== null) return sign(na - nb);
  const ta = toTime(a);
  const tb = toTime(b);
  if (ta !== null && tb !== null) return sign(ta - tb);
  return null;
}

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}
