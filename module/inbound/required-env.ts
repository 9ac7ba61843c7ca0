/**
 * PURE: checks the `$env` fields a workflow declares as required/typed (422 lists each).
 *   text      a string (or number) that is not blank
 *   number    a finite number, or a string that is one (`"12.5"`, not `"12abc"`)
 *   datetime  ISO 8601: `2026-11-23`, `2026-11-23T10:00`, with seconds/offset optional
 *   email     one plain address, as the mail checks accept it
 * Optional fields are only type-checked when present and not blank.
 */
import type { FieldErrors } from '../errors.js';
import { emailAddressProblem } from '../mail-address.js';
import type { RequiredEnvField } from '../workflows/model.js';

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function typeProblem(type: RequiredEnvField['type'], v: unknown): string | null {
  const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : null;
  if (text === null) return 'must be a single value';
  switch (type) {
    case 'number':
      return (typeof v === 'number' && Number.isFinite(v)) || NUMBER.test(text) ? null : 'must be a number';
    case 'datetime':
      return DATETIME.test(text) && !Number.isNaN(Date.parse(text.replace(' ', 'T')))
        ? null
        : 'must be a date/time like 2026-11-23 or 2026-11-23T10:00:00Z';
    case 'email':
      return emailAddressProblem(text) ? 'must be an email address' : null;
    default:
      return null;
  }
}

export function checkRequiredEnv(fields: readonly RequiredEnvField[], env: Record<string, unknown>): FieldErrors {
  const errors: FieldErrors = {};
  for (const f of fields) {
    const value = Object.prototype.hasOwnProperty.call(env, f.name) ? env[f.name] : undefined;
    if (isBlank(value)) {
      if (f.required) errors[f.name] = 'is required';
      continue;
    }
    const problem = typeProblem(f.type, value);
    if (problem) errors[f.name] = problem;
  }
  return errors;
}
