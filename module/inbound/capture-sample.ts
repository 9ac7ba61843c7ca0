/**
 * PURE: what a captured request keeps, and what an admin can turn it into.
 * Invariants: no secret is ever kept — the headers that carry credentials (Authorization,
 * Proxy-Authorization, Cookie, the X-Hookflow-Token the handler accepts) and every header whose
 * name looks like a credential are dropped, and so is any field or header whose value contains
 * the token the caller presented (tokens are never accepted as a field, but a form may echo one);
 * values are truncated, so a capture stays small.
 */
import type { RequiredEnvField } from '../workflows/model.js';
import type { CaptureSample } from './captures.js';

/** Headers that carry credentials (lower-case). */
export const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-hookflow-token']);
/** Header names that look like a credential of some other kind (`X-Api-Key`, `X-Auth-Token` …). */
const SECRET_NAME = /token|secret|passw|api[-_]?key|session|auth|signature|credential/i;
export const MAX_CAPTURED_VALUE = 1000;
const MAX_HEADERS = 50;
const ENV_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function holdsToken(value: string, token: string | undefined): boolean {
  return token !== undefined && token.length >= 8 && value.includes(token);
}

/** The request's headers without secrets, values truncated. */
export function captureHeaders(
  headers: Record<string, string | string[] | undefined>,
  token?: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers).slice(0, MAX_HEADERS)) {
    const key = name.toLowerCase();
    if (raw === undefined || SECRET_HEADERS.has(key) || SECRET_NAME.test(key)) continue;
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    if (holdsToken(value, token)) continue;
    out[key] = value.slice(0, MAX_CAPTURED_VALUE);
  }
  return out;
}

function captureValue(v: unknown, token: string | undefined): unknown {
  if (typeof v === 'string') return holdsToken(v, token) ? undefined : v.slice(0, MAX_CAPTURED_VALUE);
  if (Array.isArray(v)) return v.map((x) => captureValue(x, token)).filter((x) => x !== undefined);
  if (v && typeof v === 'object') return captureFields(v as Record<string, unknown>, token);
  return v;
}

/** The request's `$env` fields, values truncated, any value holding the token dropped. */
export function captureFields(env: Record<string, unknown>, token?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(env)) {
    const kept = captureValue(v, token);
    if (kept !== undefined) Object.defineProperty(out, k, { value: kept, enumerable: true, writable: true });
  }
  return out;
}

export function buildCaptureSample(input: {
  ip: string;
  headers: Record<string, string | string[] | undefined>;
  env: Record<string, unknown>;
  token?: string;
}): CaptureSample {
  const type = input.headers['content-type'];
  return {
    source: input.ip,
    contentType: typeof type === 'string' ? type.slice(0, 200) : null,
    fields: captureFields(input.env, input.token),
    headers: captureHeaders(input.headers, input.token),
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** The `$env` type a captured value suggests: email-looking → email, numeric → number, else text. */
export function guessEnvType(v: unknown): RequiredEnvField['type'] {
  if (typeof v === 'number' && Number.isFinite(v)) return 'number';
  const text = typeof v === 'string' ? v.trim() : '';
  if (EMAIL.test(text)) return 'email';
  if (NUMBER.test(text)) return 'number';
  return 'text';
}

/** The captured top-level fields that can be `$env` fields (names a workflow accepts), with guessed types. */
export function envFieldsOf(fields: Record<string, unknown>): RequiredEnvField[] {
  return Object.entries(fields)
    .filter(([name, v]) => ENV_NAME.test(name) && (v === null || typeof v !== 'object'))
    .map(([name, v]) => ({ name, type: guessEnvType(v), required: true }));
}

/** `existing` plus the captured fields it lacks (existing ones are kept as they are); and which were added. */
export function mergeRequiredEnv(
  existing: readonly RequiredEnvField[],
  captured: readonly RequiredEnvField[],
): { requiredEnv: RequiredEnvField[]; added: string[] } {
  const have = new Set(existing.map((f) => f.name));
  const added = captured.filter((f) => !have.has(f.name));
  return { requiredEnv: [...existing, ...added], added: added.map((f) => f.name) };
}

/**
 * A create_record task's options with a `field ← $env["field"]` row added for each captured field
 * named like a field of the task's module and not mapped yet (rows already there are kept).
 * Unchanged (same object) when nothing was added.
 */
export function mapCapturedFields(
  options: unknown,
  captured: readonly string[],
  moduleFields: (module: string) => readonly string[],
): { options: unknown; added: string[] } {
  const o = options as { module?: unknown; fields?: Array<{ field?: unknown }> } | null;
  if (!o || typeof o.module !== 'string' || !Array.isArray(o.fields)) return { options, added: [] };
  const known = new Set(moduleFields(o.module));
  const mapped = new Set(o.fields.map((r) => r.field));
  const added = captured.filter((name) => known.has(name) && !mapped.has(name));
  if (added.length === 0) return { options, added };
  const rows = added.map((name) => ({ field: name, value: `$env[${JSON.stringify(name)}]` }));
  return { options: { ...o, fields: [...o.fields, ...rows] }, added };
}
