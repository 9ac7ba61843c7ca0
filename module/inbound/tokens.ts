/**
 * Inbound handler tokens. Only the SHA-256 of a token is stored; the token itself is shown to
 * the admin once. Tokens carry 192 random bits, so an unsalted fast hash is enough: there is
 * nothing to brute-force that is cheaper than guessing the token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every generated token starts with this, so leaked tokens are recognisable (secret scanners). */
export const TOKEN_PREFIX = 'hft_';

/** Presented tokens longer than this are refused without hashing. */
export const MAX_PRESENTED_TOKEN_LENGTH = 512;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** `hft_` + 32 url-safe characters (24 random bytes, base64url: no padding, no `+` or `/`). */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(24).toString('base64url');
}

/** Lower-case hex SHA-256 of the token's UTF-8 bytes; this is what gets stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The last 4 characters, shown to admins to tell tokens apart ("…a1b2"). */
export function tokenHint(token: string): string {
  return token.slice(-4);
}

/**
 * Constant-time check of a presented token against a stored hash. Hashes are compared, not
 * raw strings, so both sides are always 32 bytes and the presented length does not leak.
 * False when nothing was presented, no hash is stored, or the stored hash is malformed.
 */
export function verifyToken(presented: string | undefined, storedHash: string | null): boolean {
  if (typeof presented !== 'string' || presented === '' || presented.length > MAX_PRESENTED_TOKEN_LENGTH) return false;
  if (typeof storedHash !== 'string' || !SHA256_HEX.test(storedHash)) return false;
  const actual = Buffer.from(hashToken(presented), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return timingSafeEqual(actual, expected);
}

export interface PresentedTokenSources {
  /**
   * The raw `Authorization` header: `Bearer <token>`, or the token alone (Stackflows sends
   * `authorization: <token>`). Any other scheme (`Basic …`) is not a token.
   */
  authorization?: string;
  /** The raw `X-Hookflow-Token` header. */
  headerToken?: string;
  /** The token path parameter, or a path whose last non-empty segment is the token. */
  pathToken?: string;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
const TOKEN_TEXT = /^\S+$/;
/** A bare value: one word, and not a scheme name that lost its credentials (`Bearer`, `Basic`). */
const BARE_TOKEN = /^(?!(?:bearer|basic|digest|negotiate)$)\S+$/i;

/**
 * The token the caller presented, first found in this order: `Authorization: Bearer <t>` or a
 * bare `Authorization: <t>`, `X-Hookflow-Token`, last path segment. Sources that are absent,
 * blank or malformed (e.g. `Basic …`, values with inner whitespace) are skipped. Undefined when
 * none presents one.
 */
export function extractPresentedToken(sources: PresentedTokenSources): string | undefined {
  const authorization = typeof sources.authorization === 'string' ? sources.authorization.trim() : '';
  const bearer = BEARER.exec(authorization);
  if (bearer) return bearer[1];
  if (BARE_TOKEN.test(authorization)) return authorization;
  const header = typeof sources.headerToken === 'string' ? sources.headerToken.trim() : '';
  if (TOKEN_TEXT.test(header)) return header;
  const segments = typeof sources.pathToken === 'string' ? sources.pathToken.split('/') : [];
  const last =
    segments
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .pop() ?? '';
  return TOKEN_TEXT.test(last) ? last : undefined;
}
