/**
 * Reading HTML form posts (urlencoded, non-extended: a repeated name arrives as an array) and
 * turning service validation errors back into per-field messages. Everything here is pure.
 */
import { isPredicate, withSubject, type FieldErrors } from '../errors.js';

export type FormBody = Record<string, unknown>;

/** A single text value; arrays (a repeated name) give their first entry; default ''. */
export function text(body: FormBody, name: string): string {
  const v = body[name];
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : '';
  return typeof v === 'string' ? v : '';
}

/** Every value of a repeated field, in document order ('' for a missing one). */
export function list(body: FormBody, name: string): string[] {
  const v = body[name];
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : ''));
  return typeof v === 'string' ? [v] : [];
}

/** A checkbox: present (any value) = true. */
export function checked(body: FormBody, name: string): boolean {
  return body[name] !== undefined;
}

/**
 * Rows of parallel repeated fields (`paramName`, `paramValue` …) zipped into objects; rows
 * whose every column is blank are dropped (forms always carry a few empty rows to fill in).
 */
export function rows<K extends string>(body: FormBody, columns: Record<K, string>): Array<Record<K, string>> {
  const keys = Object.keys(columns) as K[];
  const values = keys.map((k) => list(body, columns[k]));
  const count = Math.max(0, ...values.map((v) => v.length));
  const out: Array<Record<K, string>> = [];
  for (let i = 0; i < count; i++) {
    const row = Object.fromEntries(keys.map((k, j) => [k, values[j][i] ?? ''])) as Record<K, string>;
    if (keys.some((k) => row[k].trim() !== '')) out.push(row);
  }
  return out;
}

/** A stored value as the text of an input: strings as they are, anything else as JSON ('' for none). */
export function inputText(v: unknown): string {
  return typeof v === 'string' ? v : v == null ? '' : JSON.stringify(v);
}

/** Splits a textarea into trimmed, non-empty lines. */
export function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/**
 * Errors whose key starts with `prefix` (e.g. `tasks.2.`), with the prefix removed and an
 * `options.` segment dropped, so `tasks.2.options.params.0.name` becomes `params.0.name`.
 */
export function errorsUnder(fields: FieldErrors | undefined, prefix: string): FieldErrors {
  const out: FieldErrors = {};
  for (const [key, message] of Object.entries(fields ?? {})) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length).replace(/^options\./, '');
    out[rest || '(root)'] ??= message;
  }
  return out;
}

/** Errors whose key does not start with any of `prefixes` (shown at the top of a form). */
export function errorsOutside(fields: FieldErrors | undefined, prefixes: string[]): FieldErrors {
  return Object.fromEntries(Object.entries(fields ?? {}).filter(([k]) => !prefixes.some((p) => k.startsWith(p))));
}

/**
 * Per-row errors of a repeated group: keys `<group>.<i>.<column>` → `rows[i][column]`.
 * Used to put a message next to the exact input that caused it.
 */
export function rowErrors(fields: FieldErrors, group: RegExp): Map<number, Record<string, string>> {
  const out = new Map<number, Record<string, string>>();
  for (const [key, message] of Object.entries(fields)) {
    const m = group.exec(key);
    if (!m) continue;
    const i = Number(m[1]);
    const column = m[2] ?? '(row)';
    const row = out.get(i) ?? {};
    row[column] ??= message;
    out.set(i, row);
  }
  return out;
}

/** `params.3.name` → `params.*.name`: row keys share one label. */
const labelKey = (key: string) => key.replace(/\.\d+(?=\.|$)/g, '.*');

/**
 * The label to show before each error that is a predicate ("is required" → "Title" is
 * required); sentences ("Unknown field …") stand alone. Keys without a label get none.
 * The message itself stays as it is, so the page can show the label as its own part.
 */
export function errorSubjects(errors: FieldErrors, labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, message] of Object.entries(errors)) {
    const label = labels[key] ?? labels[labelKey(key)];
    if (label && isPredicate(message)) out[key] = label;
  }
  return out;
}

/** One line per error for a list at the top of a form: "URL must use http or https". */
export function errorLines(errors: FieldErrors, labels: Record<string, string>): string[] {
  return Object.entries(errors).map(([key, message]) =>
    withSubject(labels[key] ?? labels[labelKey(key)] ?? key, message),
  );
}

/** Whether a value counts as set (a hidden value that is set must not vanish unannounced). */
export function isSet(v: unknown): boolean {
  return Array.isArray(v)
    ? v.length > 0
    : typeof v === 'string'
      ? v.trim() !== ''
      : v !== undefined && v !== null && v !== false;
}

/** What a save removed because it did not apply (`?dropped=` carries these keys only, never text). */
export const DROPPED: Record<string, string> = {
  triggerName: 'the trigger name',
  execMode: 'the async answer mode (now sync)',
  requiredEnv: 'the required $env fields',
  xmlRoot: 'the XML root element',
  username: 'the Basic authentication username',
};

/** `?dropped=` for a redirect ('' when nothing was dropped). */
export function droppedParam(keys: string[]): string {
  return keys.length > 0 ? `&dropped=${keys.join(',')}` : '';
}

/** The sentence for `?dropped=triggerName,requiredEnv` (unknown keys ignored), or null. */
export function droppedNotice(query: unknown): string | null {
  const keys = typeof query === 'string' ? query.split(',').filter((k) => Object.hasOwn(DROPPED, k)) : [];
  if (keys.length === 0) return null;
  const chosen = keys.some((k) => k === 'xmlRoot' || k === 'username') ? 'content type or authorization' : 'trigger';
  return `Removed when saving, because the chosen ${chosen} does not use ${keys.length === 1 ? 'it' : 'them'}: ${keys.map((k) => DROPPED[k]).join(', ')}.`;
}
