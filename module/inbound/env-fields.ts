/**
 * PURE: turning a parsed request body into `$env` — inert data with bounded shape.
 * Invariants: the result is built from fresh plain objects and arrays; a key named
 * `__proto__`, `constructor` or `prototype` anywhere is refused (it never reaches a
 * prototype, and a form never needs it); values are strings, numbers, booleans or null;
 * at most `maxFields` leaf values, `maxDepth` levels and `maxNameLength` characters per key.
 */
import { HookflowError } from '../errors.js';

export interface EnvLimits {
  maxFields: number;
  maxDepth: number;
  maxNameLength: number;
}

export const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Segments of a form field name as PHP/qs read it: `a[b][0]` and `a.b` → a, b, 0. */
export function fieldNameSegments(name: string): string[] {
  return name.split(/[[\].]+/).filter((s) => s !== '');
}

/** The first forbidden segment in a form field name, or null. */
export function forbiddenSegment(name: string): string | null {
  for (const seg of fieldNameSegments(name)) if (FORBIDDEN_KEYS.has(seg)) return seg;
  return FORBIDDEN_KEYS.has(name) ? name : null;
}

interface WalkState {
  fields: number;
  limits: EnvLimits;
}

function copyValue(value: unknown, path: string, depth: number, st: WalkState): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return countLeaf(value, st);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new HookflowError('bad_request', `field ${path} is not a finite number`);
    return countLeaf(value, st);
  }
  if (depth >= st.limits.maxDepth)
    throw new HookflowError('bad_request', `field ${path} is nested deeper than ${st.limits.maxDepth} levels`);
  if (Array.isArray(value)) return value.map((v, i) => copyValue(v, `${path}.${i}`, depth + 1, st));
  if (typeof value === 'object') return copyObject(value as Record<string, unknown>, path, depth + 1, st);
  throw new HookflowError('bad_request', `field ${path} has an unsupported value`);
}

function countLeaf<T>(value: T, st: WalkState): T {
  st.fields += 1;
  if (st.fields > st.limits.maxFields)
    throw new HookflowError('payload_too_large', `Too many fields (at most ${st.limits.maxFields})`);
  return value;
}

function copyObject(obj: Record<string, unknown>, path: string, depth: number, st: WalkState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    const where = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key))
      throw new HookflowError('bad_request', `field name ${JSON.stringify(where)} is not allowed`);
    if (key.length > st.limits.maxNameLength)
      throw new HookflowError('bad_request', `a field name is longer than ${st.limits.maxNameLength} characters`);
    out[key] = copyValue(obj[key], where, depth, st);
  }
  return out;
}

/** A checked, inert copy of a parsed body (must be an object). */
export function toInertEnv(body: unknown, limits: EnvLimits): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new HookflowError('bad_request', 'The body must be an object of fields (JSON object or form fields)');
  return copyObject(body as Record<string, unknown>, '', 0, { fields: 0, limits });
}

/** Deterministic JSON (sorted keys): two bodies with the same content hash the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
