/**
 * PURE: where a respond task may send a browser (the 303 of a form post), decided on the URL
 * the browser will resolve — WHATWG `new URL(candidate, siteOrigin)` — never on a string
 * prefix: `\` is a `/` to a browser, TAB/CR/LF are dropped from anywhere, `https:host` is
 * relative to an https page and absolute to an http one, so only the resolved origin tells
 * where a redirect leads (issue 14: `/\evil:1/x` and `/<TAB>/evil` left the site).
 *
 * Allowed: the site's own origin (the host's `baseUrl`) and origins written out literally in
 * the redirect URL the admin saved (the text before its first template expression). Refused:
 * every other origin, schemes other than http/https, a user name or password, control
 * characters (U+0000-U+001F, U+007F) anywhere, more than `MAX_REDIRECT_LENGTH` characters.
 *
 * Invariant: the Location sent is the serialized resolved URL, so what the browser follows is
 * what was checked — its path-absolute part (`/thanks?x=1`) for the site's own origin, the
 * whole `href` for another allowed origin and for a path starting with `//` (which a browser
 * would read as a host name). URL.canParse is asked first so that refusing costs no exception.
 */

export const MAX_REDIRECT_LENGTH = 2000;

export interface RedirectPolicy {
  /** The site's origin (`https://crm.example`), or null when the host has no usable base URL. */
  siteOrigin: string | null;
  /** Other origins a redirect may lead to (exact `URL.origin` strings). */
  allowedOrigins: readonly string[];
}

export type RedirectDecision = { ok: true; location: string } | { ok: false; problem: string };

const CONTROL = /[\x00-\x1f\x7f]/;
const HTTP = new Set(['http:', 'https:']);

function parse(text: string, base?: string): URL | null {
  return URL.canParse(text, base) ? new URL(text, base) : null;
}

/** `https://crm.example` for a base URL such as `https://crm.example/crm/`; null unless http(s). */
export function siteOriginOf(baseUrl: string | undefined): string | null {
  const u = typeof baseUrl === 'string' ? parse(baseUrl) : null;
  return u && HTTP.has(u.protocol) ? u.origin : null;
}

/** The part of a redirect template before its first `{{` or `$` (all of it when there is none). */
export function literalPart(template: string): string {
  const cut = [template.indexOf('{{'), template.indexOf('$')].filter((i) => i >= 0);
  return cut.length === 0 ? template : template.slice(0, Math.min(...cut));
}

const SPELLED_OUT = /^https?:\/\/[^/\\]/i;

/**
 * The origin an admin wrote out in a redirect template (`https://shop.example/thanks?id={{…}}`
 * → `https://shop.example`), or null unless its literal part spells out `http(s)://host`
 * (`https:shop.example` or `https:/\shop.example` are read differently by different bases, so
 * they name no origin). Only this exact origin is allowed by it: `https://shop.example{{env.x}}`
 * rendered to `https://shop.example.evil` has another origin and is refused.
 */
export function literalOrigin(template: string): string | null {
  const literal = literalPart(template);
  if (CONTROL.test(literal) || !SPELLED_OUT.test(literal)) return null;
  const u = parse(literal);
  return u && HTTP.has(u.protocol) && u.username === '' && u.password === '' ? u.origin : null;
}

function targetProblem(u: URL): string | null {
  if (!HTTP.has(u.protocol)) return 'must be an http(s) URL';
  if (u.username !== '' || u.password !== '') return 'must not contain a user name or password';
  return null;
}

/** Decides one rendered redirect URL; the Location to send when it is allowed. */
export function decideRedirect(candidate: string, policy: RedirectPolicy): RedirectDecision {
  if (candidate.trim() === '') return { ok: false, problem: 'is empty' };
  if (candidate.length > MAX_REDIRECT_LENGTH)
    return { ok: false, problem: `is longer than ${MAX_REDIRECT_LENGTH} characters` };
  if (CONTROL.test(candidate)) return { ok: false, problem: 'contains a control character (tab, line break …)' };
  const u = parse(candidate, policy.siteOrigin ?? undefined);
  if (!u)
    return {
      ok: false,
      problem: policy.siteOrigin
        ? 'is not a valid URL'
        : 'is not an absolute URL, and the CRM has no http(s) base URL to resolve a path against',
    };
  const problem = targetProblem(u);
  if (problem) return { ok: false, problem };
  if (u.origin === policy.siteOrigin) {
    // A path-absolute Location is read by the browser against the page it came from; only a
    // path starting with `//` would be read as a host, so that one goes out in full.
    return { ok: true, location: u.pathname.startsWith('//') ? u.href : `${u.pathname}${u.search}${u.hash}` };
  }
  if (policy.allowedOrigins.includes(u.origin)) return { ok: true, location: u.href };
  return {
    ok: false,
    problem: `leads to another site (${u.origin}); use a path on this site or write that site's https:// address out in the redirect URL`,
  };
}

/** Stand-ins for the site at save time (`.invalid` is reserved: it is nobody's real site). */
const SAVE_TIME_ORIGINS = ['http://site.invalid', 'https://site.invalid'];

/**
 * Save-time check of a redirect URL as the admin wrote it; null when fine. A URL without
 * templates is decided against both an http and an https site (the real origin is known only
 * when the run answers); a templated one only by its literal part (no control characters, no
 * scheme other than http/https) — the rendered URL is decided when the run answers.
 */
export function redirectTemplateProblem(template: string): string | null {
  const literal = literalPart(template);
  if (literal !== template) {
    if (CONTROL.test(literal)) return 'contains a control character (tab, line break …)';
    const u = parse(literal);
    return u ? targetProblem(u) : null;
  }
  const allowedOrigins = [literalOrigin(template)].filter((o): o is string => o !== null);
  for (const siteOrigin of SAVE_TIME_ORIGINS) {
    const d = decideRedirect(template, { siteOrigin, allowedOrigins });
    if (!d.ok) return d.problem;
  }
  return null;
}

const PATH_ABSOLUTE = /^\/(?![/\\])[\x21-\x7e]*$/;

/**
 * A last check where a Location header is written: true only for what `decideRedirect` emits
 * — a path-absolute reference or an absolute http(s) URL in serialized form (printable ASCII,
 * nothing a browser would re-interpret).
 */
export function isSerializedLocation(location: string): boolean {
  if (PATH_ABSOLUTE.test(location)) return true;
  if (!/^[\x21-\x7e]+$/.test(location)) return false;
  const u = parse(location);
  return u !== null && targetProblem(u) === null && u.href === location;
}
