/**
 * XML request bodies for outbound webhooks, built with xmlbuilder2 (never by string
 * concatenation, so values are always escaped).
 *
 * Mapping from the nested params object (see `buildNested`):
 *   - the document element is `rootName` (default `request`);
 *   - an object becomes child elements, one per key, in key order;
 *   - an array under key `k` becomes repeated `<k>` elements, one per item
 *     (`items.0.sku`, `items.1.sku` → `<items><sku/></items><items><sku/></items>`);
 *     an array directly inside an array (`a.0.0`) becomes repeated `<item>` children;
 *   - null/undefined become an empty element; Dates their ISO-8601 text; other scalars `String(v)`.
 *
 * Text invariants: characters XML 1.0 forbids (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F,
 * lone surrogates, U+FFFE, U+FFFF) are removed, and CR / CRLF become LF. Parsers normalise
 * line ends anyway, so doing it here means the receiver reads exactly the text we meant.
 */
import { create } from 'xmlbuilder2';

type XmlNode = ReturnType<typeof create>;

// NCName (XML 1.0 5th ed. Name production without ":"): colons would need namespace
// declarations, so a name with one is refused rather than producing a namespace error downstream.
const NAME_START =
  'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D' +
  '\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const NCNAME = new RegExp(`^[${NAME_START}][${NAME_CHAR}]*$`, 'u');

// Everything outside XML 1.0's Char production. With the `u` flag a lone surrogate is one
// code point in D800-DFFF, which is outside every allowed range, so it is matched too.
const FORBIDDEN_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Longest element name we emit; longer names are almost certainly a mistake. */
const MAX_NAME_LENGTH = 200;

/** Why `name` cannot be an XML element name, or null when it can. */
export function xmlNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'must not be empty';
  if (name.length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters`;
  if (name.includes(':')) return 'must not contain ":" (XML namespaces are not supported)';
  if (/^xml/i.test(name)) return 'must not start with "xml" (reserved by the XML specification)';
  if (!NCNAME.test(name)) {
    return 'is not a valid XML element name (start with a letter or _, then letters, digits, _ - .)';
  }
  return null;
}

/** Removes characters XML 1.0 forbids and turns CR/CRLF into LF. */
export function cleanXmlText(text: string): string {
  return text.replace(FORBIDDEN_CHARS, '').replace(/\r\n?/g, '\n');
}

/**
 * xmlbuilder2 escapes `&` only when it does not already look like a reference (`&amp;`,
 * `&nbsp;`, `&#65;` pass through raw), so a value `&nbsp;` would yield an undefined entity and
 * `&amp;` would reach the receiver as `&`. Escaping every `&` first makes each one `&amp;`, which
 * the serialiser then leaves alone: the text arrives exactly as given.
 */
function preEscapeAmpersands(text: string): string {
  return text.replace(/&/g, '&amp;');
}

function checkedName(name: string): string {
  const problem = xmlNameProblem(name);
  if (problem) throw new Error(`XML element name "${name}" ${problem}`);
  return name;
}

function scalarText(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

/** Appends `<name>` for `value` (or several, when value is an array) under `parent`. */
function appendValue(parent: XmlNode, name: string, value: unknown, depth: number): void {
  if (depth > 64) throw new Error('XML body nests deeper than 64 levels');
  if (Array.isArray(value)) {
    for (const item of value) {
      if (Array.isArray(item)) appendChildren(parent.ele(name), { item }, depth + 1);
      else appendValue(parent, name, item, depth + 1);
    }
    return;
  }
  const element = parent.ele(name);
  if (value === null || value === undefined) return;
  if (typeof value === 'object' && !(value instanceof Date)) {
    appendChildren(element, value as Record<string, unknown>, depth + 1);
    return;
  }
  const text = cleanXmlText(scalarText(value));
  if (text !== '') element.txt(preEscapeAmpersands(text));
}

function appendChildren(element: XmlNode, value: Record<string, unknown>, depth: number): void {
  for (const key of Object.keys(value)) appendValue(element, checkedName(key), value[key], depth);
}

/**
 * Serialises `fields` under a `rootName` element. Throws an Error naming the first key that is
 * not a valid XML element name, so a bad document is never produced.
 */
export function buildXmlDocument(rootName: string, fields: Record<string, unknown>): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '' });
  const root = doc.ele(checkedName(rootName));
  appendChildren(root, fields, 0);
  // wellFormed re-checks names and characters while serialising: a second line of defence.
  return doc.end({ prettyPrint: false, wellFormed: true });
}
