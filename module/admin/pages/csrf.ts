/**
 * CSRF protection of every admin form: csrf-csrf's signed double-submit cookie. The token is an
 * HMAC (keyed with the module's derived CSRF secret) over a random value and the admin's user
 * id, so a token minted for one admin never works for another, and a cross-site form has
 * neither the cookie value nor a way to forge the HMAC. Forms send it as the `_csrf` field.
 *
 * Invariant: this runs after the host's requireAdmin, so `res.locals.user` is the admin; a
 * request without a user never passes (the identifier would be empty).
 */
import cookieParser from 'cookie-parser';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';

export const CSRF_COOKIE = 'hookflow_csrf';
export const CSRF_FIELD = '_csrf';

export interface CsrfOptions {
  /** HMAC key (install() derives it from HOOKFLOW_SECRET_KEY). */
  secret: string;
  /** Mark the cookie Secure (true when the host's base URL is https). */
  secure: boolean;
}

export interface AdminCsrf {
  /** Parses urlencoded form bodies and checks the token on every non-GET request. */
  protect: RequestHandler[];
  /** The token for the forms of this response (sets/reuses the cookie). */
  token(req: Request, res: Response): string;
  /** Turns a refused token into 403 through `onRefused`. */
  errors(onRefused: (req: Request, res: Response) => void): ErrorRequestHandler;
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

export function createAdminCsrf(opts: CsrfOptions): AdminCsrf {
  const csrf = doubleCsrf({
    getSecret: () => opts.secret,
    getSessionIdentifier: userIdOf,
    cookieName: CSRF_COOKIE,
    cookieOptions: { sameSite: 'strict', secure: opts.secure, httpOnly: true, path: '/' },
    // The form field only: never the cookie, never a fallthrough between sources.
    getCsrfTokenFromRequest: (req) => (typeof req.body?.[CSRF_FIELD] === 'string' ? req.body[CSRF_FIELD] : undefined),
  });
  const requireUser: RequestHandler = (req, _res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && userIdOf(req) === '') next(csrf.invalidCsrfTokenError);
    else next();
  };
  return {
    protect: [
      cookieParser(),
      // Admin forms are small; 2000 fields covers 50 tasks' rows. Nothing else is parsed here.
      express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 2000 }),
      requireUser,
      csrf.doubleCsrfProtection,
    ],
    token: (req, res) => csrf.generateCsrfToken(req, res, { cookieOptions: { sameSite: 'strict', secure: opts.secure, httpOnly: true, path: cookiePath(req, res) } }),
    errors: (onRefused) => (err, req, res, next) => {
      if ((err as { code?: string })?.code !== 'EBADCSRFTOKEN') return next(err);
      onRefused(req, res);
    },
  };
}
