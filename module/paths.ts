/**
 * Dot-notation field paths (`contact.name`, `items.0.sku`), safe against prototype pollution:
 * a path with a `__proto__`, `constructor` or `prototype` segment is refused everywhere.
 */

export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const SEGMENT = /^[A-Za-z0-9_\-$@:]+$/;

/** Why a path is unusable, or null when it is fine. */
export function pathProblem(path: string): string | null {
  if (typeof path !== 'string' || path.length === 0) return 'must not be empty';
  if (path.length > 200) return 'must be at most 200 characters';
  const segments = path.split('.');
  for (const segment of segments) {
    if (segment === '') return 'has an empty segment';
    if (FORBIDDEN_SEGMENTS.has(segment)) return `segment "${segment}" is not allowed`;
    if (!SEGMENT.test(segment)) return `segment "${segment}" may only contain letters, digits and _ - $ @ :`;
  }
  return null;
}

/** Splits a path after checking it; throws on a forbidden or malformed path. */
export function splitPath(path: string): string[] {
  const problem = pathProblem(path);
  if (problem) throw new Error(`path "${path}" ${problem}`);
  return path.split('.');
}

function isIndex(segment: string): boolean {
  return /^(0|[1-9][0-9]{0,5})$/.test(segment);
}

function hasOwn(target: object, key: PropertyKey): boolean {
  return Object.prototype.hasOwnProperty.call(target, key);
}

/** Reads a path through own properties only (never the prototype chain). */
export function getPath(source: unknown, path: string): unknown {
  return getSegments(source, path.split('.'));
}

/**
 * Like `getPath` for an already-split path, so a segment may itself contain a dot
 * (`$env["a.b"]`). Forbidden segments read as undefined.
 */
export function getSegments(source: unknown, segments: readonly string[]): unknown {
  let current: unknown = source;
  for (const segment of segments) {
    if (FORBIDDEN_SEGMENTS.has(segment)) return undefined;
    if (current === null || typeof current !== 'object') return undefined;
    if (!hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * Sets `value` at `path` in `target`, creating objects, or arrays where the next segment is
 * a number (`items.0.sku` → `{ items: [{ sku }] }`). Throws on a forbidden path or when a
 * path runs through an existing scalar.
 */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = splitPath(path);
  let current: Record<string, unknown> | unknown[] = target;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const last = i === segments.length - 1;
    const key: string | number = Array.isArray(current) && isIndex(segment) ? Number(segment) : segment;
    if (Array.isArray(current) && typeof key !== 'number')
      throw new Error(`path "${path}": "${segment}" is not an array index`);
    const container = current as Record<string | number, unknown>;
    if (last) {
      container[key] = value;
      return;
    }
    // Own properties only: an inherited `toString` must not count as "already there".
    let next = hasOwn(container, key) ? container[key] : undefined;
    if (next === undefined) {
      next = isIndex(segments[i + 1]) ? [] : {};
      container[key] = next;
    } else if (next === null || typeof next !== 'object') {
      throw new Error(`path "${path}" runs through a value that is not an object`);
    }
    current = next as Record<string, unknown> | unknown[];
  }
}

/** Builds one nested object from `name → value` pairs whose names use dot notation. */
export function buildNested(pairs: Array<{ name: string; value: unknown }>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { name, value } of pairs) setPath(out, name, value);
  const leaves = new Set<unknown>(pairs.map((p) => p.value));
  return compactArrays(out, leaves) as Record<string, unknown>;
}

/**
 * Sparse arrays (items.0, items.2) become dense so every format encodes them the same way.
 * Invariant: only containers built by setPath are touched; the caller's values (`leaves`)
 * are neither descended into nor mutated.
 */
function compactArrays(value: unknown, leaves: ReadonlySet<unknown>): unknown {
  if (leaves.has(value)) return value;
  if (Array.isArray(value)) return value.filter((_, i) => i in value).map((v) => compactArrays(v, leaves));
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = compactArrays(record[key], leaves);
  }
  return value;
}
