/**
 * "Save from the response": which values of a receiver's JSON answer go onto the record. Pure.
 *
 * A path is a small, fixed subset of JSONPath: `$` followed by `.name`, `['name']` or `[index]`
 * steps, e.g. `$.invoice.id`, `$.items[0].id`, `$['invoice-no']`. No wildcards, filters, slices
 * or script expressions: a path names exactly one value, so a write-back never guesses which of
 * several matches was meant. (Full JSONPath libraries evaluate filter expressions, which has been
 * a source of code-injection bugs; this subset needs none of that.)
 */

export type PathStep = string | number;

/** One row of the option: where the value is in the answer, and the record field it fills. */
export interface SaveResponseRule {
  path: string;
  field: string;
}

/** Keys that could reach an object's prototype are never read. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);
const NAME = /^[A-Za-z_$][A-Za-z0-9_$-]*/;
const MAX_STEPS = 32;

/** Parses a path into its steps, or explains in plain words what is wrong with it. */
export function parseResponsePath(text: string): { steps: PathStep[] } | { error: string } {
  const path = text.trim();
  if (!path.startsWith('$')) return { error: 'must start with $ (e.g. $.invoice.id)' };
  const steps: PathStep[] = [];
  let rest = path.slice(1);
  while (rest !== '') {
    let m: RegExpMatchArray | null;
    if (rest.startsWith('.') && (m = rest.slice(1).match(NAME))) {
      steps.push(m[0]);
      rest = rest.slice(1 + m[0].length);
    } else if ((m = rest.match(/^\[(\d{1,6})\]/))) {
      steps.push(Number(m[1]));
      rest = rest.slice(m[0].length);
    } else if ((m = rest.match(/^\['([^'\\]{1,200})'\]/)) || (m = rest.match(/^\["([^"\\]{1,200})"\]/))) {
      steps.push(m[1]);
      rest = rest.slice(m[0].length);
    } else {
      return {
        error: `cannot read "${rest.slice(0, 40)}": use .name, ['name'] or [index] steps (no wildcards or filters)`,
      };
    }
  }
  if (steps.length === 0) return { error: 'must name a value inside the answer, e.g. $.invoice.id' };
  if (steps.length > MAX_STEPS) return { error: `has more than ${MAX_STEPS} steps` };
  const bad = steps.find((s) => typeof s === 'string' && FORBIDDEN_KEYS.has(s));
  if (bad !== undefined) return { error: `must not use the key ${bad}` };
  return { steps };
}

/** The value at `steps`, or `found: false` when any step is missing (own properties only). */
export function readResponsePath(
  value: unknown,
  steps: PathStep[],
): { found: true; value: unknown } | { found: false } {
  let at: unknown = value;
  for (const step of steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(at) || step >= at.length) return { found: false };
      at = at[step];
    } else {
      if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, step))
        return { found: false };
      at = (at as Record<string, unknown>)[step];
    }
  }
  return { found: true, value: at };
}

export interface AnswerForSaving {
  body: string | null;
  /** The answer was longer than what was read: it is never parsed (a cut JSON text could mislead). */
  truncated: boolean;
  contentType: string | undefined;
}

/**
 * The field values the rules take from an answer, or one plain-words reason none are taken:
 * the answer was cut at the read limit, is not JSON, lacks a path, or holds an object or list
 * where a field value belongs. All or nothing: one bad rule means no field is written.
 */
export function valuesFromAnswer(
  answer: AnswerForSaving,
  rules: SaveResponseRule[],
  limitBytes: number,
): { values: Record<string, unknown> } | { error: string } {
  if (answer.truncated)
    return { error: `the answer is longer than ${limitBytes} bytes, so it was not read for saving` };
  let json: unknown;
  try {
    json = JSON.parse(answer.body ?? '');
  } catch {
    const type = answer.contentType ? ` (${answer.contentType.split(';')[0]})` : '';
    return { error: `the answer is not JSON${type}` };
  }
  const values: Record<string, unknown> = {};
  for (const rule of rules) {
    const parsed = parseResponsePath(rule.path);
    if ('error' in parsed) return { error: `path ${rule.path} ${parsed.error}` };
    const read = readResponsePath(json, parsed.steps);
    if (!read.found) return { error: `the answer has no ${rule.path}` };
    if (read.value !== null && typeof read.value === 'object')
      return {
        error: `${rule.path} is ${Array.isArray(read.value) ? 'a list' : 'an object'}, not a value for ${rule.field}`,
      };
    values[rule.field] = read.value;
  }
  return { values };
}
