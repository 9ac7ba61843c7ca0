/**
 * Which request bodies the short URL reads, and in which charset: one decision for the body
 * readers (request-body.ts, multipart.ts). PURE except for loading busboy's own Content-Type
 * parser.
 *
 * Media types (anything else, and a body without a Content-Type, is a 415 naming the type):
 *   application/x-www-form-urlencoded    form fields
 *   application/json, application/*+json a JSON object (RFC 6839 suffix: vnd.api+json, ld+json …)
 *   multipart/form-data                  text fields
 * `text/json`, `text/x+json` and other `+json` types outside `application/` are refused, never
 * read as an empty body.
 *
 * Charset: UTF-8 only, for all three — a `charset` parameter is absent or `utf-8` (any case,
 * quoted or not); for multipart also on every part's Content-Type and in RFC 5987 values
 * (`name*=utf-8''…`). Anything else is a 415 naming the charset: a body decoded as UTF-7 or
 * UTF-16 turns `+ADw-script+AD4-` or `<\0s\0…` into `<script>` behind filters that look at
 * bytes (issue 14).
 */
import { createRequire } from 'node:module';
import { HookflowError } from '../errors.js';

export const FORM_TYPE = 'application/x-www-form-urlencoded';
export const JSON_TYPES = ['application/json', 'application/*+json'];
export const MULTIPART_TYPE = 'multipart/form-data';

const ACCEPTED = `${FORM_TYPE}, ${MULTIPART_TYPE}, application/json or application/*+json (UTF-8)`;

const shown = (text: string, n = 60) => JSON.stringify(text.length > n ? `${text.slice(0, n - 1)}…` : text);

/** The 415 for a body of a type the short URL does not read. */
export function unsupportedType(contentType: string | undefined): HookflowError {
  if (!contentType)
    return new HookflowError('unsupported_media_type', `The body has no Content-Type; send ${ACCEPTED}`);
  return new HookflowError(
    'unsupported_media_type',
    `Content type ${shown(contentType.split(';')[0].trim())} is not accepted; send ${ACCEPTED}`,
  );
}

/** Null for UTF-8 (or no charset); otherwise the 415 naming the charset and where it was declared. */
export function charsetProblem(charset: string | null | undefined, where: string): HookflowError | null {
  if (charset === undefined || charset === null || charset.toLowerCase() === 'utf-8') return null;
  return new HookflowError(
    'unsupported_media_type',
    `Charset ${shown(charset, 40)} (${where}) is not accepted; send UTF-8 — no charset, or charset=utf-8`,
  );
}

interface ParsedContentType {
  type: string;
  subtype: string;
  params: Record<string, string | undefined>;
}

// busboy's own parser, so that the boundary scanned for below is exactly the one busboy splits
// the body on (a second parser could disagree on a quoted or repeated parameter).
const busboyUtils = createRequire(import.meta.url)('busboy/lib/utils.js') as {
  parseContentType(text: string): ParsedContentType | undefined;
};

/** The boundary and charset of a multipart Content-Type, as busboy reads them; null when busboy would refuse it. */
export function multipartParams(contentType: string | undefined): { boundary: string; charset?: string } | null {
  const parsed = contentType ? busboyUtils.parseContentType(contentType) : undefined;
  const boundary = parsed?.params.boundary;
  return boundary ? { boundary, charset: parsed?.params.charset } : null;
}

const CHARSET_PARAM = /charset\s*=\s*"?([^\s";]*)/gi;
const HEADER_END = Buffer.from('\r\n\r\n');
/** A charset name is at most 40 characters (RFC 2978); a longer run before `'` is reported as it is (and refused). */
const MAX_CHARSET = 64;

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';

/**
 * The charsets of RFC 5987 `name*=charset'lang'value` parameters in `headers`, by a scan that
 * looks at each character a bounded number of times. (A regex like `\*\s*=\s*"?([^'"\s;]*)'`
 * backtracks quadratically on `*=*=*=…`: every `*` would scan the rest of the run.)
 */
export function extendedValueCharsets(headers: string, probe?: { steps: number }): string[] {
  const found: string[] = [];
  const step = () => {
    if (probe) probe.steps++;
  };
  for (let star = headers.indexOf('*'); star !== -1; star = headers.indexOf('*', star + 1)) {
    let i = star + 1;
    while (i < headers.length && isSpace(headers[i])) {
      step();
      i++;
    }
    if (headers[i] !== '=') continue;
    i++;
    while (i < headers.length && isSpace(headers[i])) {
      step();
      i++;
    }
    if (headers[i] === '"') i++;
    const start = i;
    while (i < headers.length && i - start < MAX_CHARSET && !`'";*=`.includes(headers[i]) && !isSpace(headers[i])) {
      step();
      i++;
    }
    if (headers[i] === "'" || i - start >= MAX_CHARSET) found.push(headers.slice(start, i));
  }
  return found;
}

/**
 * Every charset named in the part headers of a multipart body: `charset=` parameters and the
 * charset of RFC 5987 `*=charset'lang'value` parameters. Over-approximates on purpose: the
 * text after EVERY `--boundary` up to the blank line is read as headers, so no part header
 * busboy would honour is missed (a field value cannot contain the boundary, or busboy would
 * split there too). Linear in the body size.
 */
export function partHeaderCharsets(body: Buffer, boundary: string): string[] {
  const delimiter = Buffer.from(`--${boundary}`); // UTF-8, as busboy's search needle
  const found: string[] = [];
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const start = at + delimiter.length;
    const next = body.indexOf(delimiter, start);
    const part = body.subarray(start, next === -1 ? body.length : next);
    const blank = part.indexOf(HEADER_END);
    const headers = (blank === -1 ? part : part.subarray(0, blank)).toString('latin1');
    for (const m of headers.matchAll(CHARSET_PARAM)) found.push(m[1]);
    found.push(...extendedValueCharsets(headers));
    at = next;
  }
  return found;
}
