/**
 * Checks and normalises record field values against a module definition.
 *
 * Values arrive from the JSON API and from Hookflow tasks (which often carry strings taken
 * from inbound POST fields), so numbers and booleans are also accepted in their string form
 * and stored as real numbers/booleans. `null` clears a field.
 */
import { HookflowError, type FieldErrors, type ModuleField, type ModuleInfo } from 'hookflow';

/** Longest accepted text value, in characters. */
export const MAX_TEXT_LENGTH = 10_000;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const NUMERIC = /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

type Check = { ok: true; value: unknown } | { ok: false; message: string };

function checkText(value: unknown): Check {
  if (typeof value !== 'string') return { ok: false, message: 'must be a string' };
  if (value.length > MAX_TEXT_LENGTH) return { ok: false, message: `must be at most ${MAX_TEXT_LENGTH} characters` };
  return { ok: true, value };
}

function checkNumber(value: unknown): Check {
  const n = typeof value === 'number' ? value : typeof value === 'string' && NUMERIC.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, message: 'must be a number' };
}

function checkEmail(value: unknown): Check {
  if (typeof value !== 'string' || value.length > 254 || !EMAIL.test(value)) return { ok: false, message: 'must be an email address' };
  return { ok: true, value };
}

function checkDate(value: unknown): Check {
  const bad: Check = { ok: false, message: 'must be a date as YYYY-MM-DD' };
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return bad;
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

function checkPicklist(value: unknown, field: ModuleField): Check {
  const options = field.options ?? [];
  if (typeof value === 'string' && options.includes(value)) return { ok: true, value };
  return { ok: false, message: `must be one of ${options.join(', ')}` };
}

/** Checks one value; null always passes (it clears the field). */
export function checkFieldValue(field: ModuleField, value: unknown): Check {
  if (value === null) return { ok: true, value: null };
  switch (field.type) {
    case 'text': return checkText(value);
    case 'number': return checkNumber(value);
    case 'email': return checkEmail(value);
    case 'date': return checkDate(value);
    case 'boolean': return checkBoolean(value);
    case 'picklist': return checkPicklist(value, field);
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
  if (!isPlainObject(input)) throw new HookflowError('bad_request', 'fields must be a JSON object', { fields: 'must be an object' });
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
    throw new HookflowError('bad_request', `unknown fields for ${module.name}: ${Object.keys(unknown).join(', ')}`, { ...unknown, ...invalid });
  }
  if (Object.keys(invalid).length > 0) throw new HookflowError('validation_failed', 'Some fields have invalid values', { ...invalid });
  return out;
}
