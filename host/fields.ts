/**
 * Checks and normalises record field values against a module definition.
 *
 * Values arrive from the JSON API and from Hookflow tasks (which often carry strings taken
 * from inbound POST fields, i.e. from anyone allowed to call the short URL), so numbers and
 * booleans are also accepted in their string form and stored as real numbers/booleans.
 * `null` clears a field.
 *
 * Invariant: no check costs more than one pass over its value. Every string is first held to
 * a length cap (an O(1) test), and numbers and email addresses are then read by hand-written
 * single-pass scanners instead of regular expressions: a backtracking pattern let 20,000
 * digits and an `x` block the process for seconds (issue 14). The date pattern runs only on
 * exactly 10 characters. `ScanProbe` counts the characters the scanners examine, so tests can
 * prove the cost is at most the length of the value.
 */
import { HookflowError, type FieldErrors, type ModuleField, type ModuleInfo } from 'hookflow';

/** Longest accepted text value, in characters. */
export const MAX_TEXT_LENGTH = 10_000;
/** Longest accepted number written as a string (padding included); a double needs far fewer. */
export const MAX_NUMBER_LENGTH = 1_000;
/** Longest accepted email address (RFC 5321's path limit). */
export const MAX_EMAIL_LENGTH = 254;

/** Counts characters examined by the scanners below (tests only; production passes none). */
export interface ScanProbe {
  examined: number;
}

/** JavaScript's `\s` (the same set `Number()` trims): ASCII and Unicode spaces, line breaks, BOM. */
function isSpace(c: number): boolean {
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0) return true;
  if (c < 0x1680) return false;
  return (
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * States of the number scanner, a DFA for `\s* -? (\d+ \.? \d* | \. \d+) ([eE] [-+]? \d+)? \s*`.
 * Lead: spaces before; Sign: after `-`; Int: integer digits; Dot: `.` with no digit before it;
 * Frac: after the point; Exp: after `e`; ExpSign: after its sign; ExpDigits; Trail: spaces after.
 */
enum S {
  Lead,
  Sign,
  Int,
  Dot,
  Frac,
  Exp,
  ExpSign,
  ExpDigits,
  Trail,
  Reject,
}

const ACCEPTING: ReadonlySet<S> = new Set([S.Int, S.Frac, S.ExpDigits, S.Trail]);

function numberStep(state: S, c: number): S {
  const digit = isDigit(c);
  const space = isSpace(c);
  switch (state) {
    case S.Lead:
      return space ? S.Lead : c === 0x2d ? S.Sign : digit ? S.Int : c === 0x2e ? S.Dot : S.Reject;
    case S.Sign:
      return digit ? S.Int : c === 0x2e ? S.Dot : S.Reject;
    case S.Int:
      return digit ? S.Int : c === 0x2e ? S.Frac : c === 0x65 || c === 0x45 ? S.Exp : space ? S.Trail : S.Reject;
    case S.Dot:
      return digit ? S.Frac : S.Reject;
    case S.Frac:
      return digit ? S.Frac : c === 0x65 || c === 0x45 ? S.Exp : space ? S.Trail : S.Reject;
    case S.Exp:
      return c === 0x2b || c === 0x2d ? S.ExpSign : digit ? S.ExpDigits : S.Reject;
    case S.ExpSign:
      return digit ? S.ExpDigits : S.Reject;
    case S.ExpDigits:
      return digit ? S.ExpDigits : space ? S.Trail : S.Reject;
    case S.Trail:
      return space ? S.Trail : S.Reject;
    default:
      return S.Reject;
  }
}

/**
 * True when `text` is a plain decimal number (optional spaces, `-`, digits with an optional
 * point, optional exponent). One pass, each character examined once, stopping at the first
 * character that cannot continue: cost ≤ text.length whatever the input.
 */
export function scanNumber(text: string, probe?: ScanProbe): boolean {
  let state = S.Lead;
  for (let i = 0; i < text.length && state !== S.Reject; i++) {
    if (probe) probe.examined++;
    state = numberStep(state, text.charCodeAt(i));
  }
  return ACCEPTING.has(state);
}

/**
 * True when `text` is `local@domain` with no whitespace, exactly one `@`, a non-empty local
 * part, and a `.` in the domain with at least one character on each side (what the former
 * pattern `^[^\s@]+@[^\s@]+\.[^\s@]+$` accepted). One pass; cost ≤ text.length.
 */
export function scanEmail(text: string, probe?: ScanProbe): boolean {
  let at = -1;
  let dotInDomain = false;
  for (let i = 0; i < text.length; i++) {
    if (probe) probe.examined++;
    const c = text.charCodeAt(i);
    if (isSpace(c)) return false;
    if (c === 0x40) {
      if (at !== -1) return false;
      at = i;
    } else if (c === 0x2e && at !== -1 && i > at + 1 && i < text.length - 1) {
      dotInDomain = true;
    }
  }
  return at > 0 && dotInDomain;
}

type Check = { ok: true; value: unknown } | { ok: false; message: string };

function checkText(value: unknown): Check {
  if (typeof value !== 'string') return { ok: false, message: 'must be a string' };
  if (value.length > MAX_TEXT_LENGTH) return { ok: false, message: `must be at most ${MAX_TEXT_LENGTH} characters` };
  return { ok: true, value };
}

function checkNumber(value: unknown, probe?: ScanProbe): Check {
  const bad: Check = { ok: false, message: 'must be a number' };
  if (typeof value === 'number') return Number.isFinite(value) ? { ok: true, value } : bad;
  if (typeof value !== 'string') return bad;
  // The cap comes first so an oversized value costs nothing; Number() below then reads at most this much.
  if (value.length > MAX_NUMBER_LENGTH)
    return { ok: false, message: `must be a number of at most ${MAX_NUMBER_LENGTH} characters` };
  const n = scanNumber(value, probe) ? Number(value) : NaN;
  return Number.isFinite(n) ? { ok: true, value: n } : bad;
}

function checkEmail(value: unknown, probe?: ScanProbe): Check {
  if (typeof value !== 'string' || value.length > MAX_EMAIL_LENGTH || !scanEmail(value, probe))
    return { ok: false, message: 'must be an email address' };
  return { ok: true, value };
}

function checkDate(value: unknown): Check {
  const bad: Check = { ok: false, message: 'must be a date as YYYY-MM-DD' };
  // The length test first: the pattern (fixed-width, no backtracking) only ever sees 10 characters.
  if (typeof value !== 'string' || value.length !== 10 || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return bad;
  // Round-trip through Date to refuse 2025-02-30 and friends.
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value ? { ok: true, value } : bad;
}

function checkBoolean(value: unknown): Check {
  if (typeof value === 'boolean') return { ok: true, value };
  if (value === 'true' || value === '1' || value === 1) return { ok: true, value: true };
  if (value === 'false' || value === '0' || value === 0) return { ok: true, value: false };
  return { ok: false, message: 'must be true or false' };
}

/** Exact match against the options: each comparison stops at the shorter string, so no cap is needed. */
function checkPicklist(value: unknown, field: ModuleField): Check {
  const options = field.options ?? [];
  if (typeof value === 'string' && options.includes(value)) return { ok: true, value };
  return { ok: false, message: `must be one of ${options.join(', ')}` };
}

/** A record id of the referenced module: a positive whole number (a numeric string is read as one). */
function checkReference(value: unknown, field: ModuleField): Check {
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n > 0) return { ok: true, value: n };
  return { ok: false, message: `must be the id of a record in ${field.references ?? 'another module'}` };
}

/** Checks one value; null always passes (it clears the field). `probe` counts scanned characters (tests). */
export function checkFieldValue(field: ModuleField, value: unknown, probe?: ScanProbe): Check {
  if (value === null) return { ok: true, value: null };
  switch (field.type) {
    case 'text':
      return checkText(value);
    case 'number':
      return checkNumber(value, probe);
    case 'email':
      return checkEmail(value, probe);
    case 'date':
      return checkDate(value);
    case 'boolean':
      return checkBoolean(value);
    case 'picklist':
      return checkPicklist(value, field);
    case 'reference':
      return checkReference(value, field);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Returns the normalised values of `input`. Unknown field names are a 400 (`bad_request`, the
 * caller asked for something this module does not have); wrong values are a 422
 * (`validation_failed`). Both list every offending field.
 */
export function validateFields(module: ModuleInfo, input: unknown): Record<string, unknown> {
  if (!isPlainObject(input))
    throw new HookflowError('bad_request', 'fields must be a JSON object', { fields: 'must be an object' });
  const out: Record<string, unknown> = {};
  // Null-prototype maps: a field named `__proto__` must be reported, not swallowed.
  const unknown: FieldErrors = Object.create(null);
  const invalid: FieldErrors = Object.create(null);
  for (const key of Object.keys(input)) {
    const field = module.fields.find((f) => f.name === key);
    if (!field) {
      unknown[key] = `unknown field for ${module.name}`;
      continue;
    }
    const result = checkFieldValue(field, input[key]);
    if (result.ok) out[key] = result.value;
    else invalid[key] = result.message;
  }
  if (Object.keys(unknown).length > 0) {
    throw new HookflowError('bad_request', `unknown fields for ${module.name}: ${Object.keys(unknown).join(', ')}`, {
      ...unknown,
      ...invalid,
    });
  }
  if (Object.keys(invalid).length > 0)
    throw new HookflowError('validation_failed', 'Some fields have invalid values', { ...invalid });
  return out;
}
