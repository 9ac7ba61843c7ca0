/**
 * PURE: templated webhook URLs, encoded by position. A URL template is the admin's text with
 * references to record and `$env` data; data must never change where the request goes:
 *   - scheme, host and port are written out: no reference may appear before the path begins
 *     (refused at save), so the origin is the admin's;
 *   - every inserted value is percent-encoded as ONE path segment / query value / fragment
 *     (encodeURIComponent: `/ ? # & = % \` and CR/LF become %XX), so `../../admin?x=1#frag`
 *     or `a&role=admin` stay inside their segment or value;
 *   - after rendering, the URL must parse to the same origin and to exactly the path it spells
 *     (no dot segment a value formed, e.g. a title `..` — WHATWG URL would resolve it away);
 *   - a URL that is wholly one reference (a callback URL given by the caller) is taken as it
 *     is only when the admin marks it so (`urlFromData`), and the address guard still decides
 *     at send time where it may go.
 */

/** Where the authority (scheme://host:port) of a URL template ends: the first `/`, `?` or `#` after `://`. */
function authorityEnd(template: string): number {
  const start = template.indexOf('://');
  if (start < 0) return -1;
  const rest = template.slice(start + 3);
  const end = rest.search(/[/?#]/);
  return start + 3 + (end < 0 ? rest.length : end);
}

const REFERENCE = /\{\{|\$[A-Za-z_]/;

/** True when the template holds at least one reference (`{{…}}` or `$env…`). */
export function hasReferences(template: string): boolean {
  return REFERENCE.test(template);
}

/** Exactly one reference and nothing else (whitespace aside): `{{env.callback}}` or `$env.callback`. */
export function isSingleReference(template: string): boolean {
  const t = template.trim();
  return /^\{\{\s*[^{}]+?\s*\}\}$/.test(t) || /^\$[A-Za-z_][\w.[\]"'-]*$/.test(t);
}

/** Why this URL template cannot be used, or null. `urlFromData`: the whole URL is one reference. */
export function urlTemplateProblem(template: string, urlFromData: boolean): string | null {
  if (urlFromData) {
    return isSingleReference(template)
      ? null
      : 'a URL taken from data must be exactly one reference, e.g. {{env.callback_url}}';
  }
  if (!hasReferences(template)) return null;
  if (!/^https?:\/\//i.test(template.trim()))
    return 'must start with http:// or https:// written out; record and $env values can only fill the path, query or fragment';
  const end = authorityEnd(template.trim());
  if (REFERENCE.test(template.trim().slice(0, end)))
    return 'the scheme, host and port must be written out; record and $env values can only fill the path, query or fragment';
  return null;
}

/** Percent-encoding of one inserted value (throws URIError on a lone surrogate: a broken value fails the task). */
export function encodeUrlValue(text: string): string {
  return encodeURIComponent(text);
}

/** The path a URL string spells, before any normalisation (between the authority and `?`/`#`). */
function spelledPath(url: string): string {
  const end = authorityEnd(url);
  const rest = url.slice(end);
  const stop = rest.search(/[?#]/);
  const path = stop < 0 ? rest : rest.slice(0, stop);
  return path === '' ? '/' : path;
}

/**
 * Checks a rendered URL against its template: same origin as the template's written-out
 * authority, and parsed path exactly as spelled. Returns the problem, or null.
 */
export function renderedUrlProblem(template: string, rendered: string): string | null {
  let url: URL;
  let written: URL;
  try {
    url = new URL(rendered);
    written = new URL(template.trim().slice(0, authorityEnd(template.trim())));
  } catch {
    return 'is not a valid URL after filling in the values';
  }
  if (url.origin !== written.origin) return 'filling in the values changed where the request goes';
  if (url.pathname !== spelledPath(rendered))
    return 'a value formed a dot segment (. or ..) that would change the path';
  return null;
}

/** How templates are rendered (the run's template engine), with an optional per-value filter. */
export type UrlRenderer = (template: string, opts?: { valueFilter?: (text: string) => string }) => string;

/**
 * The request URL of a webhook: values percent-encoded where they land (never able to change the
 * origin or add a segment, parameter or fragment), or — `urlFromData` — the one value as it is.
 * Throws with a message naming the problem; the address guard still checks the result.
 */
export function renderWebhookUrl(template: string, urlFromData: boolean, render: UrlRenderer): string {
  const problem = urlTemplateProblem(template, urlFromData);
  if (problem) throw new Error(`URL: ${problem}`);
  if (urlFromData) return render(template).trim();
  const rendered = render(template, { valueFilter: encodeUrlValue }).trim();
  const after = hasReferences(template) ? renderedUrlProblem(template, rendered) : null;
  if (after) throw new Error(`URL ${rendered}: ${after}`);
  return rendered;
}
