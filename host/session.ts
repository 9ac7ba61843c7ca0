/**
 * Who is calling: a browser session (cookie) or an API client (`Authorization: Bearer`), and
 * the middlewares that act on it (`requireUser`, `requireAdmin` — the latter is the one the
 * host hands Hookflow in `HostContext.requireAdmin`).
 */
import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import Handlebars from 'handlebars';
import type { Knex } from 'knex';
import type { HostUser } from 'hookflow';
import { hashToken, type UserService } from './users.js';

export const SESSION_COOKIE = 'crm_session';
/** Sessions last 12 hours from login (no sliding renewal: simple and predictable). */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export class SessionStore {
  constructor(
    private readonly db: Knex,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates a session; returns the cookie value (only its sha256 is stored). */
  async create(userId: number): Promise<{ id: string; expiresAt: Date }> {
    const id = crypto.randomBytes(32).toString('hex');
    const now = this.now().getTime();
    await this.db('crm_sessions').where('expires_at', '<=', now).delete();
    await this.db('crm_sessions').insert({
      id: hashToken(id),
      user_id: userId,
      created_at: now,
      expires_at: now + SESSION_TTL_MS,
    });
    return { id, expiresAt: new Date(now + SESSION_TTL_MS) };
  }

  /** The active user of a live session, or null. */
  async findUser(id: string): Promise<HostUser | null> {
    if (!/^[0-9a-f]{64}$/.test(id)) return null;
    const row = await this.db('crm_sessions as s')
      .join('crm_users as u', 'u.id', 's.user_id')
      .where('s.id', hashToken(id))
      .andWhere('s.expires_at', '>', this.now().getTime())
      .first('u.id', 'u.name', 'u.email', 'u.active', 'u.is_admin');
    if (!row || !row.active) return null;
    return { id: Number(row.id), name: row.name, email: row.email, active: true, isAdmin: Boolean(row.is_admin) };
  }

  async destroy(id: string): Promise<void> {
    await this.db('crm_sessions')
      .where({ id: hashToken(id) })
      .delete();
  }
}

/** Browser requests get pages and redirects; everything else (curl, fetch, API clients) gets JSON. */
export function wantsHtml(req: Request): boolean {
  return !req.headers.authorization && req.accepts(['json', 'html']) === 'html';
}

/** Only same-site relative paths; anything else (//evil, https://…, /\evil) becomes `/`. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2000) return '/';
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (/[\u0000-\u001f\\]/.test(next)) return '/';
  return next;
}

/** A tiny standalone page for auth refusals (used inside Hookflow's routes too, so no layout). */
export function smallPage(title: string, message: string, link?: { href: string; label: string }): string {
  const e = Handlebars.escapeExpression;
  const a = link ? `<p><a href="${e(link.href)}">${e(link.label)}</a></p>` : '';
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${e(title)}</title>` +
    '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2937}</style>' +
    `</head><body><h1>${e(title)}</h1><p>${e(message)}</p>${a}</body></html>`
  );
}

/**
 * One cookie's value. Uses cookie-parser's result when the app mounted it, else reads the
 * header itself, so `requireAdmin` also works in a router mounted without cookie-parser.
 */
export function readCookie(req: Request, name: string): string | undefined {
  const parsed = (req.cookies as Record<string, unknown> | undefined)?.[name];
  if (typeof parsed === 'string') return parsed;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function refuse(req: Request, res: Response, status: 401 | 403, message: string): void {
  const code = status === 401 ? 'unauthorized' : 'forbidden';
  if (wantsHtml(req)) {
    const link =
      status === 401
        ? { href: `/login?next=${encodeURIComponent(req.originalUrl)}`, label: 'Log in' }
        : { href: '/', label: 'Back to the CRM' };
    res
      .status(status)
      .type('html')
      .send(smallPage(status === 401 ? 'Please log in' : 'Not allowed', message, link));
    return;
  }
  res.status(status).json({ error: { code, message } });
}

export interface AuthMiddleware {
  /** Resolves (once per request) the caller from a bearer token or the session cookie. */
  resolveUser(req: Request, res: Response): Promise<HostUser | null>;
  /** Any active user. Browser GETs without a session are redirected to the login page. */
  requireUser: RequestHandler;
  /** Like requireUser but always answers JSON (the REST API never redirects). */
  requireApiUser: RequestHandler;
  /** Active admins only; logged-in non-admins get 403. Sets `res.locals.user`. */
  requireAdmin: RequestHandler;
}

interface AuthState {
  user: HostUser | null;
  problem: string;
}

export function createAuthMiddleware(users: UserService, sessions: SessionStore): AuthMiddleware {
  async function resolve(req: Request, res: Response): Promise<AuthState> {
    const cached = res.locals.auth as AuthState | undefined;
    if (cached) return cached;
    let state: AuthState;
    const header = req.headers.authorization;
    if (header !== undefined) {
      // Explicit credentials that fail are refused outright, never silently replaced by a session.
      const token = /^Bearer +([^\s]+) *$/i.exec(header)?.[1];
      const user = token ? await users.findByToken(token) : null;
      state = {
        user,
        problem: token ? 'Invalid or revoked API token' : 'Authorization header must be "Bearer <token>"',
      };
    } else {
      const sid = readCookie(req, SESSION_COOKIE);
      const user = sid ? await sessions.findUser(sid) : null;
      state = { user, problem: sid ? 'Your session has expired; log in again' : 'Log in or send an API token' };
    }
    res.locals.auth = state;
    if (state.user) res.locals.user = state.user;
    return state;
  }

  const guard =
    (adminOnly: boolean, neverRedirect: boolean): RequestHandler =>
    async (req, res, next) => {
      const { user, problem } = await resolve(req, res);
      if (!user) {
        if (!neverRedirect && wantsHtml(req) && (req.method === 'GET' || req.method === 'HEAD')) {
          res.redirect(302, `/login?next=${encodeURIComponent(req.originalUrl)}`);
          return;
        }
        refuse(req, res, 401, problem);
        return;
      }
      if (adminOnly && !user.isAdmin) {
        refuse(req, res, 403, 'This page is for CRM administrators');
        return;
      }
      next();
    };

  return {
    resolveUser: async (req, res) => (await resolve(req, res)).user,
    requireUser: guard(false, false),
    requireApiUser: guard(false, true),
    requireAdmin: guard(true, false),
  };
}
