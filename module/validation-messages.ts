/**
 * Validation errors in plain words: zod issues and Handlebars parse errors become short
 * messages naming what is wrong, and a failed parse becomes a 422 listing every bad field.
 * Kept apart from errors.ts so that what only needs a coded error (the CLI, every route) does
 * not load zod's locale tables.
 */
import { z, type ZodError, type ZodType } from 'zod';
import { HookflowError, type FieldErrors } from './errors.js';

/** Turns a zod error into field → message in plain words (first message per field wins). */
export function fieldsFromZod(err: ZodError, prefix = ''): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of err.issues) {
    const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    // Each unknown key is a bad field of its own, so the answer names it.
    const entries: Array<[string, string]> =
      issue.code === 'unrecognized_keys' && isLibraryWording(issue)
        ? issue.keys.map((k) => [path ? `${path}.${k}` : k, 'is not a known field'])
        : [[path, zodIssueMessage(issue)]];
    for (const [path, message] of entries) {
      const key = path || '(root)';
      // defineProperty: a key named "__proto__" (JSON allows one) stays a field instead of vanishing.
      if (!Object.hasOwn(fields, key))
        Object.defineProperty(fields, key, { value: message, enumerable: true, writable: true, configurable: true });
    }
  }
  return fields;
}

type Issue = z.core.$ZodIssue;
const zodDefault = z.locales.en().localeError;

/** True when zod wrote the message itself (a schema's own words are kept as they are). */
function isLibraryWording(issue: Issue): boolean {
  // The default invalid_type text names the received type, which the finished issue no longer has.
  if (issue.code === 'invalid_type') return /^Invalid input: expected \S+, received \S+$/.test(issue.message);
  const d = zodDefault?.(issue as never);
  return issue.message === (typeof d === 'string' ? d : d?.message);
}

const TYPES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  date: 'a date',
  null: 'null',
};
const UNITS: Record<string, string> = { string: 'character', array: 'item', set: 'item', map: 'entry', file: 'byte' };
const FORMATS: Record<string, string> = {
  email: 'an email address',
  url: 'a URL',
  uuid: 'a UUID',
  guid: 'a GUID',
  datetime: 'a date and time (ISO 8601)',
  date: 'a date (YYYY-MM-DD)',
  time: 'a time (HH:MM:SS)',
  duration: 'an ISO 8601 duration',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  cidrv4: 'an IPv4 range',
  cidrv6: 'an IPv6 range',
  base64: 'base64 text',
  base64url: 'base64url text',
  json_string: 'JSON text',
  e164: 'a phone number such as +4930123456',
  jwt: 'a JWT',
};

const shown = (v: unknown) =>
  typeof v === 'string' && /^[\w.+-]+$/.test(v) ? v : typeof v === 'bigint' ? String(v) : JSON.stringify(v);
const plural = (n: number, unit: string) => `${n} ${n === 1 ? unit : unit === 'entry' ? 'entries' : `${unit}s`}`;

/** One zod issue in plain words, as a predicate ("must be at most 2000 characters"). */
export function zodIssueMessage(issue: Issue): string {
  if (!isLibraryWording(issue)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return typeMessage(issue.expected, issue.message);
    case 'too_small':
      return sizeMessage(issue.origin, Number(issue.minimum), 'min', issue.inclusive, issue.exact);
    case 'too_big':
      return sizeMessage(issue.origin, Number(issue.maximum), 'max', issue.inclusive, issue.exact);
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${shown(issue.values[0])}`
        : `must be one of ${issue.values.map(shown).join(', ')}`;
    case 'invalid_format':
      return formatMessage(issue);
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return `has unknown field${issue.keys.length === 1 ? '' : 's'}: ${issue.keys.join(', ')}`;
    case 'invalid_union':
      return unionMessage(issue);
    // The path names the key or element; the inner issue says what is wrong with it.
    case 'invalid_key':
      return `is not an allowed key${issue.issues[0] ? ` (${zodIssueMessage(issue.issues[0])})` : ''}`;
    case 'invalid_element':
      return `is not an allowed value${issue.issues[0] ? ` (${zodIssueMessage(issue.issues[0])})` : ''}`;
    default:
      return 'is not valid';
  }
}

function typeMessage(expected: string, message: string): string {
  const received = /received (\S+)$/.exec(message)?.[1];
  if (received === 'undefined' || received === 'null') return 'is required';
  return `must be ${TYPES[expected] ?? expected}`;
}

function sizeMessage(origin: string, n: number, bound: 'min' | 'max', inclusive?: boolean, exact?: boolean): string {
  const unit = UNITS[origin];
  if (unit) {
    if (origin === 'string' && bound === 'min' && n === 1 && !exact) return 'is required';
    const count = inclusive !== false ? n : bound === 'min' ? n + 1 : n - 1;
    return `${origin === 'string' ? 'must be' : 'must have'} ${exact ? 'exactly' : bound === 'min' ? 'at least' : 'at most'} ${plural(count, unit)}`;
  }
  if (origin === 'date') {
    const at = new Date(n).toISOString();
    return bound === 'min'
      ? `must be ${inclusive ? 'on or after' : 'after'} ${at}`
      : `must be ${inclusive ? 'on or before' : 'before'} ${at}`;
  }
  if (exact) return `must be exactly ${n}`;
  if (bound === 'min') return inclusive ? `must be at least ${n}` : `must be greater than ${n}`;
  return inclusive ? `must be at most ${n}` : `must be less than ${n}`;
}

function formatMessage(issue: Extract<Issue, { code: 'invalid_format' }>): string {
  const i = issue as typeof issue & { prefix?: string; suffix?: string; includes?: string };
  switch (issue.format) {
    case 'regex':
      return 'is not in the expected format';
    case 'starts_with':
      return `must start with "${i.prefix}"`;
    case 'ends_with':
      return `must end with "${i.suffix}"`;
    case 'includes':
      return `must contain "${i.includes}"`;
    default:
      return `must be ${FORMATS[issue.format] ?? `a valid ${issue.format}`}`;
  }
}

function unionMessage(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  const options = (issue as { options?: unknown[] }).options;
  if (options?.length) return `must be one of ${options.map(shown).join(', ')}`;
  // A union of plain types ("a string or a number"): name them; anything deeper is just "not valid".
  const branches = (issue.errors ?? []).map((b) =>
    b.length === 1 && b[0].code === 'invalid_type' && b[0].path.length === 0 ? b[0] : null,
  );
  if (branches.length === 0 || branches.some((b) => b === null)) return 'is not valid';
  const words = branches.map((b) => typeMessage((b as { expected: string }).expected, b!.message));
  if (words.includes('is required')) return 'is required';
  return `must be ${[...new Set(words.map((w) => w.replace(/^must be /, '')))].join(' or ')}`;
}

/**
 * A Handlebars parse error ("Parse error on line 1: … Expecting 'ID', got 'EOF'", "if doesn't
 * match each - 1:3") as a short sentence about the template ("a {{ is not closed").
 */
export function templateSyntaxMessage(raw: string): string {
  const mismatch = /^(\S+) doesn't match (\S+) - (\d+):/.exec(raw);
  if (mismatch) return `{{#${mismatch[1]}}} is closed by {{/${mismatch[2]}}}${onLine(mismatch[3])}`;
  const lexical = /^Lexical error on line (\d+)\.[^\n]*\n(.*)/.exec(raw);
  if (lexical)
    return `${lexical[2].includes('{{!--') ? 'a {{!-- comment is not closed with --}}' : 'a {{ … }} contains text it cannot read'}${onLine(lexical[1])}`;
  const parse = /^Parse error on line (\d+):\n(.*)\n(-*)\^\nExpecting (.*), got '(\w+)'/.exec(raw);
  if (!parse) return raw.split('\n')[0];
  const [, line, excerpt, dashes, expecting, got] = parse;
  const after = excerpt.slice(dashes.length);
  const expects = (token: string) => expecting.includes(`'${token}'`);
  return `${parseProblem(got, after, expects)}${onLine(line)}`;
}

function parseProblem(got: string, after: string, expects: (token: string) => boolean): string {
  if (got === 'EOF')
    return expects('OPEN_ENDBLOCK') ? 'a {{#…}} block is not closed with its {{/…}}' : 'a {{ is not closed';
  if (got === 'INVALID' && !after.includes('}}')) return 'a {{ is not closed';
  if (got === 'OPEN_ENDBLOCK') return 'a {{/…}} has no {{#…}} that it closes';
  if (got === 'INVERSE' || got === 'OPEN_INVERSE_CHAIN') return 'an {{else}} is outside a block, or a block has two';
  if (got === 'CLOSE' && expects('CLOSE_UNESCAPED')) return 'a {{{ is closed with }} instead of }}}';
  if (got === 'CLOSE_UNESCAPED') return 'a {{ is closed with }}} instead of }}';
  if (got === 'CLOSE') return 'a {{ }} is empty or incomplete';
  return `unexpected text at “${after.slice(0, 20)}”`;
}

const onLine = (line: string) => (line === '1' ? '' : ` (line ${line})`);

/** A 422 listing every bad field of a zod error. */
export function validationError(err: ZodError, message = 'Validation failed', prefix = ''): HookflowError {
  return new HookflowError('validation_failed', message, fieldsFromZod(err, prefix));
}

/** Parses route input with a schema; a 422 naming every bad field otherwise. */
export function parseInput<T>(schema: ZodType<T>, value: unknown, message = 'Invalid request'): T {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error, message);
  return r.data;
}
