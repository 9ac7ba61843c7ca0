/**
 * Login and logout for the host's browser UI.
 *
 * CSRF: csrf-csrf's double-submit cookie, bound to a pre-session cookie before login (so a
 * foreign site cannot log a victim into the attacker's account) and to the session after it.
 * Brute force: failed logins are rate-limited per client address with express-rate-limit.
 */
import crypto from 'node:crypto';
import express, {
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import { rateLimit } from 'express-rate-limit';
import { doubleCsrf } from 'csrf-csrf';
import type { HostLogger } from 'hookflow';
import type { Renderer } from './render.js';
import { readCookie, safeNext, wantsHtml, SESSION_COOKIE, SESSION_TTL_MS, type SessionStore } from './session.js';
import type { UserService } from './users.js';

export const PRESESSION_COOKIE = 'crm_presession';
export const CSRF_COOKIE = 'crm_csrf';

export interface LoginRateLimit {
  /** Failed attempts allowed per client address per window. Default 10. */
  limit: number;
  /** Window length, ms. Default 15 minutes. */
  windowMs: number;
}

export const DEFAULT_LOGIN_RATE_LIMIT: LoginRateLimit = { limit: 10, windowMs: 15 * 60 * 1000 };

export interface AuthRouterOptions {
  users: UserService;
  sessions: SessionStore;
  render: Renderer;
  logger: HostLogger;
  /** Key material for CSRF token HMACs (the host derives it from its secret key). */
  csrfSecret: string;
  /** Mark cookies `Secure` (true when BASE_URL is https). */
  secureCookies: boolean;
  /** Default `DEFAULT_LOGIN_RATE_LIMIT`. */
  loginRateLimit?: LoginRateLimit;
}

export interface AuthRouter {
  router: Router;
  /** A CSRF token for forms on host pages (the layout's logout button). */
  csrfToken(req: Request, res: Response): string;
  /** For a form POST on a host page: parses the form and checks its CSRF token (a failed check is a 403 page). */
  checkForm: RequestHandler[];
  /** Refuses a form POST without a valid CSRF token (error code EBADCSRFTOKEN); parse the body first. */
  csrfProtection: RequestHandler;
}

type CookieBase = { httpOnly: true; secure: boolean; path: '/' };

function createCsrf(opts: AuthRouterOptions, cookieBase: CookieBase) {
  return doubleCsrf({
    getSecret: () => opts.csrfSecret,
    // Before login the pre-session cookie identifies the browser; after login, the session.
    getSessionIdentifier: (req) => readCookie(req, SESSION_COOKIE) ?? readCookie(req, PRESESSION_COOKIE) ?? '',
    cookieName: CSRF_COOKIE,
    cookieOptions: { ...cookieBase, sameSite: 'strict' },
    getCsrfTokenFromRequest: (req) =>
      typeof req.body?._csrf === 'string' ? req.body._csrf : req.headers['x-csrf-token'],
  });
}

function createLoginLimiter(opts: AuthRouterOptions): RequestHandler {
  const limits = opts.loginRateLimit ?? DEFAULT_LOGIN_RATE_LIMIT;
  return rateLimit({
    windowMs: limits.windowMs,
    limit: limits.limit,
    skipSuccessfulRequests: true, // a successful login (a redirect) does not use up the allowance
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) =>
      opts.render(
        res,
        'message',
        {
          title: 'Too many attempts',
          heading: 'Too many login attempts',
          message: 'Wait a few minutes and try again.',
        },
        429,
      ),
  });
}

export function createAuthRouter(opts: AuthRouterOptions): AuthRouter {
  const cookieBase: CookieBase = { httpOnly: true, secure: opts.secureCookies, path: '/' };
  const csrf = createCsrf(opts, cookieBase);
  const limiter = createLoginLimiter(opts);
  const form = express.urlencoded({ extended: false, limit: '10kb', parameterLimit: 20 });

  function csrfToken(req: Request, res: Response): string {
    return csrf.generateCsrfToken(req, res);
  }

  function showLogin(
    req: Request,
    res: Response,
    data: { error?: string; email?: string; next?: string },
    status = 200,
  ): void {
    if (!readCookie(req, PRESESSION_COOKIE)) {
      const value = crypto.randomBytes(32).toString('hex');
      res.cookie(PRESESSION_COOKIE, value, { ...cookieBase, sameSite: 'strict' });
      // csrf-csrf reads the identifier from req.cookies, so make the new value visible now.
      req.cookies = { ...(req.cookies ?? {}), [PRESESSION_COOKIE]: value };
    }
    const token = csrf.generateCsrfToken(req, res, { overwrite: true });
    const next = safeNext(data.next ?? req.query.next);
    opts.render(
      res,
      'login',
      { title: 'Log in', csrfToken: token, user: null, error: data.error, email: data.email, next },
      status,
    );
  }

  const router = express.Router();
  router.get('/login', (req, res) => showLogin(req, res, {}));

  router.post('/login', limiter, form, csrf.doubleCsrfProtection, async (req, res) => {
    const email = typeof req.body?.email === 'string' ? req.body.email.slice(0, 254) : '';
    const password = typeof req.body?.password === 'string' ? req.body.password.slice(0, 1024) : '';
    const next = safeNext(req.body?.next);
    const user = email && password ? await opts.users.verifyPassword(email, password) : null;
    if (!user) {
      opts.logger.info({ email }, 'login failed');
      showLogin(req, res, { error: 'Email or password is wrong.', email, next }, 401);
      return;
    }
    const session = await opts.sessions.create(user.id);
    res.cookie(SESSION_COOKIE, session.id, { ...cookieBase, sameSite: 'lax', maxAge: SESSION_TTL_MS });
    res.clearCookie(PRESESSION_COOKIE, { ...cookieBase, sameSite: 'strict' });
    opts.logger.info({ userId: user.id }, 'login');
    res.redirect(303, next);
  });

  router.post('/logout', form, csrf.doubleCsrfProtection, logout(opts.sessions, cookieBase));

  const csrfErrors = csrfErrorHandler(opts.render);
  router.use(csrfErrors);
  const checkCsrf: RequestHandler = (req, res, next) =>
    csrf.doubleCsrfProtection(req, res, (err?: unknown) => (err ? csrfErrors(err, req, res, next) : next()));
  return { router, csrfToken, checkForm: [form, checkCsrf], csrfProtection: csrf.doubleCsrfProtection };
}

function logout(sessions: SessionStore, cookieBase: CookieBase): RequestHandler {
  return async (req, res) => {
    const sid = readCookie(req, SESSION_COOKIE);
    if (sid) await sessions.destroy(sid);
    res.clearCookie(SESSION_COOKIE, { ...cookieBase, sameSite: 'lax' });
    res.redirect(303, '/login');
  };
}

/** A failed CSRF check gets a friendly page (the usual cause is a stale login form). */
function csrfErrorHandler(render: Renderer): ErrorRequestHandler {
  return (err, req, res, next) => {
    if ((err as { code?: string }).code !== 'EBADCSRFTOKEN') return next(err);
    if (!wantsHtml(req)) {
      res.status(403).json({ error: { code: 'forbidden', message: 'Invalid or missing CSRF token' } });
      return;
    }
    render(
      res,
      'message',
      {
        title: 'Form expired',
        heading: 'This form has expired',
        message: 'Reload the login page and try again.',
        link: { href: '/login', label: 'Back to log in' },
      },
      403,
    );
  };
}
