/**
 * How a webhook URL (and any URL inside free text) is shown in a failure-alert mail. Pure.
 *
 * Two audiences, because the record's owner gets the mail too and may not be an admin:
 * - `owner` (not an admin): the ORIGIN only — scheme, host and port. Path, query, fragment and
 *   user info are all dropped: Slack, Teams or Discord put the whole secret in the path, and an
 *   owner only needs to recognise which receiver failed.
 * - `admin`: the URL with user info masked, secret-looking path segments masked, and query
 *   values masked when their name looks like a credential or the value looks secret. Admins can
 *   open the workflow to see the full URL; a mail gets forwarded, printed, read on a phone.
 *
 * Invariant: nothing that cannot be parsed as an http(s) URL is ever shown (it becomes
 * `(URL not shown)`), so an odd spelling can never slip a secret past the masking.
 */

export type UrlAudience = 'admin' | 'owner';

/** What a masked part becomes. */
export const MASK = '****';
/** What an unparseable or non-http(s) URL becomes. */
export const HIDDEN_URL = '(URL not shown)';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const HEX_RUN = /^[0-9a-f]{16,}$/i;
const TOKEN_TEXT = /^[A-Za-z0-9+/=_-]{20,}$/;
/** Query parameter names that carry credentials (as in the webhook log's header masking). */
const CREDENTIAL_NAME = /auth|token|secret|key|pass|pwd|credential|signature|sig$|session|cookie|jwt/i;

/**
 * The rules that make a piece of a URL (a path segment, a query name or value, the fragment)
 * look secret, each with its reason. Applied to the percent-decoded text; "runs" are its
 * maximal stretches of ASCII letters and digits (any other character splits them).
 * A piece is masked when ANY rule matches. Deliberately generous: masking an id that was not
 * secret costs a little readability; showing a secret cannot be undone.
 */
export const SECRET_RULES: ReadonlyArray<{ id: string; why: string; test(text: string, runs: string[]): boolean }> = [
  {
    id: 'uuid',
    why: 'contains a UUID (capability URLs such as Teams webhooks and webhook.site use them)',
    test: (t) => UUID.test(t),
  },
  {
    id: 'hex',
    why: 'a run of 16 or more hex digits (64+ bits: keys, HMACs, Teams tokens)',
    test: (_t, runs) => runs.some((r) => HEX_RUN.test(r)),
  },
  {
    id: 'long',
    why: "a run of 20 or more letters/digits (a random token like Slack's 24 characters; no word is that long)",
    test: (_t, runs) => runs.some((r) => r.length >= 20),
  },
  {
    id: 'mixed',
    why: 'a run of 16 or more with both letters and digits',
    test: (_t, runs) => runs.some((r) => r.length >= 16 && /[0-9]/.test(r) && /[A-Za-z]/.test(r)),
  },
  {
    id: 'base64',
    why: '20 or more base64/base64url characters with upper case, lower case and digits (tokens split by - _ + / =)',
    test: (t) => TOKEN_TEXT.test(t) && /[A-Z]/.test(t) && /[a-z]/.test(t) && /[0-9]/.test(t),
  },
];

function decode(text: string): string {
  try {
    // `+` stays `+` (not a space): it is part of the base64 alphabet the rules look for.
    return decodeURIComponent(text);
  } catch {
    return text; // malformed escapes: judge the raw text
  }
}

/** Which rule makes `text` (already decoded) look secret, or null. */
export function secretRuleOf(text: string): string | null {
  const runs = text.match(/[A-Za-z0-9]+/g) ?? [];
  return SECRET_RULES.find((r) => r.test(text, runs))?.id ?? null;
}

/** True when an (encoded) piece of a URL looks like a secret; see SECRET_RULES. */
export function looksSecret(encoded: string): boolean {
  return secretRuleOf(decode(encoded)) !== null;
}

function parseHttpUrl(raw: string): URL | null {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

function maskQueryPair(pair: string): string {
  const eq = pair.indexOf('=');
  const name = eq < 0 ? pair : pair.slice(0, eq);
  const shownName = looksSecret(name) ? MASK : name;
  if (eq < 0) return shownName;
  const value = pair.slice(eq + 1);
  const hide = value !== '' && (CREDENTIAL_NAME.test(decode(name)) || looksSecret(value));
  return `${shownName}=${hide ? MASK : value}`;
}

/** The admin's view: user info, secret-looking segments and credential-like query values masked. */
export function adminDisplayUrl(raw: string): string {
  const u = parseHttpUrl(raw);
  if (!u) return HIDDEN_URL;
  const userInfo = u.username || u.password ? `${MASK}${u.password ? `:${MASK}` : ''}@` : '';
  const path = u.pathname
    .split('/')
    .map((s) => (looksSecret(s) ? MASK : s))
    .join('/');
  const query = u.search ? `?${u.search.slice(1).split('&').map(maskQueryPair).join('&')}` : '';
  const fragment = u.hash ? `#${looksSecret(u.hash.slice(1)) ? MASK : u.hash.slice(1)}` : '';
  return `${u.protocol}//${userInfo}${u.host}${path}${query}${fragment}`;
}

/** The non-admin's view: `scheme://host[:port]`, nothing else. */
export function ownerDisplayUrl(raw: string): string {
  return parseHttpUrl(raw)?.origin ?? HIDDEN_URL;
}

/** A URL as `audience` may see it. */
export function displayUrlFor(raw: string, audience: UrlAudience): string {
  return audience === 'admin' ? adminDisplayUrl(raw) : ownerDisplayUrl(raw);
}

// A URL in prose: up to white space or a quote, not ending in punctuation ("…for https://x/y.").
const URL_IN_TEXT = /https?:\/\/[^\s"'<>]*[^\s"'<>.,:;!?)\]]/gi;

/** Free text (an error, a disable reason) with every http(s) URL in it shown as `audience` may see it. */
export function maskUrlsIn(text: string, audience: UrlAudience): string {
  return text.replace(URL_IN_TEXT, (m) => displayUrlFor(m, audience));
}
