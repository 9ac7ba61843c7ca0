/**
 * A tiny host whose requireAdmin authenticates like a browser-facing CRM: a session cookie
 * (`test_session`), or `Authorization: Bearer <api token>` for scripts. Two admins, so a token
 * of one can be tried with the session of the other. The REAL Hookflow install (worker not
 * started) is served on 127.0.0.1:0; `send` is a raw node:http client (no header added or
 * dropped behind the test's back — fetch would add Sec-Fetch-Mode and forbid others).
 * Also: `listRoutes` walks an express router's stack, so the CSRF tests cover every API route,
 * including ones added later; `seedTargets` makes one of each thing a route acts on, and
 * `snapshotTables` reads every Hookflow table, so "nothing changed" is checked, not assumed.
 */
import { insertSweep } from '../../module/workflows/backfills.js';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler, type Router } from 'express';
import type { Knex } from 'knex';
import { install, type InstalledHookflow } from '../../module/index.js';
import type { HostUser } from '../../module/host.js';
import { CSRF_COOKIE } from '../../module/admin/pages/csrf.js';
import { createTestContext, TEST_SECRET_KEY, type TestContext } from './test-host.js';

export const ADMIN_PATH = '/settings/hookflow';
export const BASE_URL = 'http://crm.test';

export interface Admin {
  user: HostUser;
  /** `test_session=…`: what the browser of this admin sends. */
  sessionCookie: string;
  /** `Bearer …` for this admin. */
  bearer: string;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

export interface SendOptions {
  /** Cookie header parts, e.g. [admin.sessionCookie, csrf.cookie]. */
  cookies?: string[];
  headers?: Record<string, string>;
  body?: string;
}

export interface CookieAdminHost extends TestContext {
  hookflow: InstalledHookflow;
  /** `http://127.0.0.1:<port>`, the origin the requests are sent to. */
  url: string;
  a: Admin;
  b: Admin;
  /** A raw request to `<url><ADMIN_PATH><path>`. */
  send(method: string, path: string, opts?: SendOptions): Promise<Answer>;
  /** `GET <admin>/api/csrf-token` as `who`: the token and the `hookflow_csrf=…` cookie that goes with it. */
  csrfOf(who: Admin): Promise<{ token: string; cookie: string }>;
  close(): Promise<void>;
}

/** requireAdmin of a cookie-session CRM: explicit (Bearer) credentials first, else the cookie. */
function cookieRequireAdmin(sessions: Map<string, HostUser>, tokens: Map<string, HostUser>): RequestHandler {
  return (req, res, next) => {
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? tokens.get(auth.slice(7)) : undefined;
    const sid = /(?:^|;\s*)test_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const user = auth !== undefined && auth.startsWith('Bearer ') ? bearer : sid ? sessions.get(sid) : undefined;
    if (!user?.isAdmin) return void res.status(401).json({ error: { code: 'unauthorized', message: 'Log in first' } });
    res.locals.user = user;
    next();
  };
}

export async function startCookieAdminHost(db: Knex): Promise<CookieAdminHost> {
  const ctx = await createTestContext(db);
  const bea =
    (await ctx.users.getByEmail('bea@example.com')) ??
    (await ctx.users.createUser({ name: 'Bea Admin', email: 'bea@example.com', isAdmin: true }));
  const sessions = new Map<string, HostUser>();
  const tokens = new Map<string, HostUser>();
  const admin = (user: HostUser): Admin => {
    const sid = crypto.randomBytes(16).toString('hex');
    const token = crypto.randomBytes(16).toString('hex');
    sessions.set(sid, user);
    tokens.set(token, user);
    return { user, sessionCookie: `test_session=${sid}`, bearer: `Bearer ${token}` };
  };
  ctx.context.requireAdmin = cookieRequireAdmin(sessions, tokens);
  const hookflow = await install(ctx.context, { secretKey: TEST_SECRET_KEY, startWorker: false });
  const app = express();
  app.use(ADMIN_PATH, hookflow.adminRouter);
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const send = (method: string, path: string, opts: SendOptions = {}) =>
    rawRequest(port, method, `${ADMIN_PATH}${path}`, opts);
  return {
    ...ctx,
    hookflow,
    url: `http://127.0.0.1:${port}`,
    a: admin(ctx.admin),
    b: admin(bea),
    send,
    async csrfOf(who) {
      const r = await send('GET', '/api/csrf-token', { cookies: [who.sessionCookie] });
      const set = [r.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith(`${CSRF_COOKIE}=`));
      if (r.status !== 200 || !set) throw new Error(`no CSRF token: ${r.status} ${r.text}`);
      return { token: r.json.token, cookie: set.split(';')[0] };
    },
    async close() {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await hookflow.uninstall();
    },
  };
}

function rawRequest(port: number, method: string, path: string, opts: SendOptions): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.cookies?.length) headers.cookie = opts.cookies.join('; ');
  if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => {
        let json: unknown = null;
        try {
          json = text ? JSON.parse(text) : null;
        } catch {
          /* not JSON: the test looks at text */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface RouteInfo {
  method: string;
  path: string;
}

interface LayerLike {
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
  rawPath?: unknown;
}

/** Every route of an express 5 router, nested routers included, with its full path. */
export function listRoutes(router: Router, prefix = ''): RouteInfo[] {
  const out: RouteInfo[] = [];
  for (const layer of (router as unknown as { stack: LayerLike[] }).stack) {
    if (layer.route) {
      for (const p of [layer.route.path].flat()) {
        for (const [m, on] of Object.entries(layer.route.methods))
          if (on && m !== '_all') out.push({ method: m.toUpperCase(), path: `${prefix}${String(p)}` });
      }
    } else if (Array.isArray(layer.handle?.stack)) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      out.push(...listRoutes(layer.handle as unknown as Router, `${prefix}${mount}`));
    }
  }
  return out;
}

/** The management API's routes (paths relative to `<admin>/api`), found by walking the admin router. */
export function listApiRoutes(hookflow: InstalledHookflow): RouteInfo[] {
  return listRoutes(hookflow.adminRouter)
    .filter((r) => r.path.startsWith('/api/'))
    .map((r) => ({ ...r, path: r.path.slice(4) }));
}

/** One workflow (draft, so activate AND deactivate would change it) with its webhook task, a run, a failed delivery, a permission. */
export interface Targets {
  workflows: number;
  tasks: number;
  runs: number;
  deliveries: number;
  permissions: number;
  backfills: number;
}

export async function seedTargets(h: CookieAdminHost): Promise<Targets> {
  const { workflows, store, runs, permissions } = h.hookflow.services;
  const hook = {
    type: 'webhook',
    title: 'hook',
    options: { url: 'https://example.com/hook', params: [{ name: 'a', value: '1' }] },
  };
  const wf = await workflows.create(
    {
      module: 'Leads',
      title: 'CSRF target',
      status: 'draft',
      trigger: 'http',
      triggerName: 'csrf-target',
      tasks: [hook],
    },
    h.a.user.id,
  );
  const started = await runs.start({
    workflow: await store.require(wf.id),
    recordId: null,
    env: {},
    source: 'manual',
    mode: 'sync',
    actorUserId: h.a.user.id,
  });
  const delivery = await h.context.db('hookflow_deliveries').where({ run_id: started.runId }).first('id', 'task_id');
  if (!delivery) throw new Error('the run queued no delivery');
  // As if every attempt had failed: "resend failed" then has something it would queue.
  await h.context.db('hookflow_deliveries').where({ id: delivery.id }).update({ status: 'failed' });
  const perm = await permissions.create({ title: 'CSRF target', triggerName: 'csrf-target', sources: '127.0.0.1' });
  // Paused, so pause is refused but resume and cancel would change it.
  const sweep = { workflowId: wf.id, module: 'Leads', kind: 'backfill' as const, filter: null, ratePerMinute: 60 };
  const backfill = await insertSweep(h.context.db, { ...sweep, expected: 0, createdBy: null, creditAt: 0 }, Date.now());
  await h.context.db('hookflow_backfills').where({ id: backfill }).update({ status: 'paused' });
  return {
    workflows: wf.id,
    tasks: Number(delivery.task_id),
    runs: started.runId,
    deliveries: Number(delivery.id),
    permissions: perm.permission.id,
    backfills: backfill,
  };
}

/** `/workflows/:id/run` → `/workflows/7/run`: each `:param` becomes the id of its path's first segment. */
export function concretePath(path: string, ids: Partial<Targets>, fallback = 999_999): string {
  const family = path.split('/')[1] ?? '';
  return path.replace(/:[A-Za-z]+/g, () => String(ids[family as keyof Targets] ?? fallback));
}

const TABLES = [
  'hookflow_workflows',
  'hookflow_tasks',
  'hookflow_runs',
  'hookflow_run_once',
  'hookflow_deliveries',
  'hookflow_attempts',
  'hookflow_alerts',
  'hookflow_http_permissions',
  'hookflow_settings',
  'hookflow_backfills',
];

/** Every row of every Hookflow table a management route writes, in a stable order. */
export async function snapshotTables(db: Knex): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of TABLES) out[t] = (await db(t).select()).map((row) => JSON.stringify(row)).sort();
  return out;
}
