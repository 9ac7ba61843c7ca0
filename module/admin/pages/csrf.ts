/**
 * CSRF protection of the admin pages AND the management JSON API, with ONE csrf-csrf signed
 * double-submit cookie. The token is an HMAC (keyed with the module's derived CSRF secret) over a
 * random value and the admin's user id, so a token minted for one admin never works for another,
 * and a cross-site page has neither the cookie value nor a way to forge the HMAC.
 *   - Forms send it as the `_csrf` field (`protect`).
 *   - Scripts send it in the `X-CSRF-Token` header (`protectApi`); they read it from the layout's
 *     `<meta name="hookflow-csrf">` or from `GET <admin>/api/csrf-token`. The API also wants a
 *     same-origin `Origin`/`Sec-Fetch-Site` (see `judgeApiRequest`), and exempts `Bearer` calls.
 *
 * Invariant: this runs after the host's requireAdmin, so `res.locals.user` is the admin; a
 * request without a user never passes (the identifier would be empty).
 */
import cookieParser from 'cookie-parser';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import { HookflowError } from '../../errors.js';

export const CSRF_COOKIE = 'hookflow_csrf';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const TOKEN_REFUSED = 'CSRF token missing or invalid';
export const ORIGIN_REFUSED = 'cross-origin request refused';

export interface CsrfOptions {
  /** HMAC key (install() derives it from HOOKFLOW_SECRET_KEY). */
  secret: string;
  /** The host's public URL: https makes the cookie Secure, and its origin is a same origin. */
  baseUrl: string;
}

export interface AdminCsrf {
  /** Pages: parses urlencoded form bodies and checks the `_csrf` field on every non-GET request. */
  protect: RequestHandler[];
  /** JSON API: Bearer calls pass; others need a same-origin request AND the `X-CSRF-Token` header. */
  protectApi: RequestHandler[];
  /** The token for this response (sets/reuses the cookie). */
  token(req: Request, res: Response): string;
  /** Turns a refused form token into 403 through `onRefused`. */
  errors(onRefused: (req: Request, res: Response) => void): ErrorRequestHandler;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** GET, HEAD and OPTIONS change nothing, so they are never checked. */
export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method);
}

/**
 * Whether the caller authenticates with `Authorization: Bearer <token>`. A browser never attaches
 * a bearer token by itself (a page can only add one through CORS, which Hookflow never grants),
 * so such a call cannot be forged cross-site. Basic is NOT exempt: browsers replay cached Basic
 * credentials on their own.
 */
export function usesBearerAuth(authorization: string | undefined): boolean {
  return typeof authorization === 'string' && /^Bearer +[^\s]+ *$/i.test(authorization);
}

/** The serialised origin of an http(s) URL (`http://host[:port]`), or null. */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/** The origin a request was sent to: express's protocol + the raw Host header (never X-Forwarded-Host). */
export function requestOrigin(protocol: string, host: string | undefined): string | null {
  if (!host || !/^[A-Za-z0-9.\-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(host)) return null;
  return originOf(`${protocol}://${host}`);
}

export interface ApiRequestFacts {
  method: string;
  authorization?: string;
  /** The `Origin` header as sent (undefined when absent). */
  origin?: string;
  /** The `Sec-Fetch-Site` header as sent (undefined when absent). */
  secFetchSite?: string;
  /** Origins that count as ours: the host's baseUrl origin and the request's own Host origin. */
  sameOrigins: Array<string | null>;
}

/**
 * The API's CSRF decision, before the token is looked at:
 *   'pass'   — a safe method or a Bearer call: no check;
 *   'cross'  — refuse: `Origin` is `null`, malformed or another origin, or `Sec-Fetch-Site` is
 *              anything but `same-origin`/`none` (when both are sent, both must agree);
 *   'token'  — same-origin, or neither header was sent (old clients): the token decides.
 */
export function judgeApiRequest(f: ApiRequestFacts): 'pass' | 'cross' | 'token' {
  if (isSafeMethod(f.method) || usesBearerAuth(f.authorization)) return 'pass';
  if (f.secFetchSite !== undefined && f.secFetchSite !== 'same-origin' && f.secFetchSite !== 'none') return 'cross';
  if (f.origin !== undefined) {
    // Only an exact serialised origin counts: `null`, paths, lists and odd spellings are refused.
    if (originOf(f.origin) !== f.origin || !f.sameOrigins.includes(f.origin)) return 'cross';
  }
  return 'token';
}

function userIdOf(req: Request): string {
  const id = (req.res?.locals as { user?: { id?: unknown } } | undefined)?.user?.id;
  return typeof id === 'number' || typeof id === 'string' ? `hookflow-admin:${id}` : '';
}

/** Cookie path = where the admin router is mounted, so the cookie goes nowhere else. */
function cookiePath(req: Request, res: Response): string {
  const base = res.locals.hfBase;
  return typeof base === 'string' && base !== '' ? base : req.baseUrl || '/';
}

/** Remembers the admin router's mount path (the cookie's path); mount it on the admin router itself. */
export const rememberAdminBase: RequestHandler = (req, res, next) => {
  res.locals.hfBase = req.baseUrl;
  next();
};

const oneHeader = (v: string | string[] | undefined) => (typeof v === 'string' ? v : undefined);

export function createAdminCsrf(opts: CsrfOptions): AdminCsrf {
  const secure = opts.baseUrl.startsWith('https:');
  // Requests the API guard is checking read the header; all others (forms) the field. Never both.
  const fromHeader = new WeakSet<Request>();
  const csrf = doubleCsrf({
    getSecret: () => opts.secret,
    getSessionIdentifier: userIdOf,
    cookieName: CSRF_COOKIE,
    cookieOptions: { sameSite: 'strict', secure, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req) =>
      fromHeader.has(req)
        ? oneHeader(req.headers[CSRF_HEADER])
        : typeof req.body?.[CSRF_FIELD] === 'string'
          ? req.body[CSRF_FIELD]
          : undefined,
  });
  const requireUser: RequestHandler = (req, _res, next) => {
    if (!isSafeMethod(req.method) && userIdOf(req) === '') next(csrf.invalidCsrfTokenError);
    else next();
  };
  const headerTokenValid = (req: Request) => {
    fromHeader.add(req);
    try {
      return userIdOf(req) !== '' && csrf.validateRequest(req);
    } finally {
      fromHeader.delete(req);
    }
  };
  const apiGuard: RequestHandler = (req, _res, next) => {
    const verdict = judgeApiRequest({
      method: req.method,
      authorization: req.headers.authorization,
      origin: oneHeader(req.headers.origin),
      secFetchSite: oneHeader(req.headers['sec-fetch-site']),
      sameOrigins: [originOf(opts.baseUrl), requestOrigin(req.protocol, req.headers.host)],
    });
    if (verdict === 'cross') return next(new HookflowError('forbidden', ORIGIN_REFUSED));
    if (verdict === 'token' && !headerTokenValid(req)) return next(new HookflowError('forbidden', TOKEN_REFUSED));
    next();
  };
  return {
    protect: [
      cookieParser(),
      // Admin forms are small; 2000 fields covers 50 tasks' rows. Nothing else is parsed here.
      express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 2000 }),
      requireUser,
      csrf.doubleCsrfProtection,
    ],
    protectApi: [cookieParser(), apiGuard],
    token: (req, res) =>
      csrf.generateCsrfToken(req, res, {
        cookieOptions: { sameSite: 'strict', secure, httpOnly: true, path: cookiePath(req, res) },
      }),
    errors: (onRefused) => (err, req, res, next) => {
      if ((err as { code?: string })?.code !== 'EBADCSRFTOKEN') return next(err);
      onRefused(req, res);
    },
  };
}
