/**
 * Builds a real reference host for tests: real database, real HTTP on 127.0.0.1:0, and a fake
 * Hookflow installer whose hooks record every call (and can be told to throw or to write
 * through the transaction they receive).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import type { Knex } from 'knex';
import { pino } from 'pino';
import type { InstalledHookflow, RecordEvent, RecordHooks } from 'hookflow';
import { createHostApp, type HostApp, type ModuleInstaller } from '../../../host/app.js';
import type { LoginRateLimit } from '../../../host/auth.js';
import { loadHostConfig, type HostConfig } from '../../../host/config.js';
import type { TestDatabase } from './engines.js';

export type HookKind = 'created' | 'updated' | 'deleted';

export interface HookCall {
  kind: HookKind;
  event: RecordEvent;
  /** Whether the hook got a knex transaction (it has commit/rollback and isTransaction). */
  gotTransaction: boolean;
}

/**
 * The fake implements only what the host touches (hooks, routers, worker start/stop, health,
 * shortUrl, uninstall); the rest of InstalledHookflow is absent, so a host that started relying on
 * more would fail these tests loudly.
 */
export interface FakeHookflow extends InstalledHookflow {
  calls: HookCall[];
  /** Make the next hooks of this kind throw. */
  throwOn: Set<HookKind>;
  /** Table the hooks write into through `trx` (proves the hook shares the save's transaction). */
  logTable: string;
  workerRunning: boolean;
  uninstalled: boolean;
  installOptions?: unknown;
}

export const FAKE_LOG_TABLE = 'hookflow_fake_hook_log';

export function createFakeInstaller(): { installer: ModuleInstaller<FakeHookflow>; get(): FakeHookflow | undefined } {
  let installed: FakeHookflow | undefined;
  const installer: ModuleInstaller<FakeHookflow> = async (host, options) => {
    if (!(await host.db.schema.hasTable(FAKE_LOG_TABLE))) {
      await host.db.schema.createTable(FAKE_LOG_TABLE, (t) => {
        t.increments('id');
        t.string('kind', 16);
        t.integer('record_id');
      });
    }
    const fake = {} as FakeHookflow;
    let worker = false;
    const hook = (kind: HookKind) => async (event: RecordEvent, trx: Knex.Transaction) => {
      fake.calls.push({ kind, event, gotTransaction: typeof trx.commit === 'function' && trx.isTransaction === true });
      await trx(FAKE_LOG_TABLE).insert({ kind, record_id: event.recordId });
      if (fake.throwOn.has(kind)) throw new Error(`fake hook ${kind} failed on purpose`);
    };
    const adminRouter = express.Router();
    adminRouter.use(host.requireAdmin);
    adminRouter.get('/whoami', (_req, res) => {
      res.json({ user: res.locals.user });
    });
    const inboundRouter = express.Router();
    inboundRouter.get('/ping', (_req, res) => {
      res.json({ inbound: true });
    });
    const hooks: RecordHooks = {
      recordCreated: hook('created'),
      recordUpdated: hook('updated'),
      recordDeleted: hook('deleted'),
    };
    Object.assign(fake, {
      calls: [],
      throwOn: new Set<HookKind>(),
      logTable: FAKE_LOG_TABLE,
      uninstalled: false,
      installOptions: options,
      hooks,
      inboundRouter,
      adminRouter,
      worker: {
        start: () => {
          worker = true;
        },
        stop: async () => {
          worker = false;
        },
      } as InstalledHookflow['worker'],
      healthHandler: (_req, res) => {
        res.json({ status: 'ok', fake: true });
      },
      shortUrl: () => `${host.baseUrl}/wf`,
      uninstall: async () => {
        await fake.worker.stop();
        host.attachHooks(null);
        fake.uninstalled = true;
      },
    } satisfies Partial<FakeHookflow>);
    Object.defineProperty(fake, 'workerRunning', { get: () => worker });
    // Like the real install(): hooks attached before the worker starts.
    host.attachHooks(hooks);
    if (options.startWorker) fake.worker.start();
    installed = fake;
    return fake;
  };
  return { installer, get: () => installed };
}

export interface TestUser {
  id: number;
  email: string;
  password: string;
  token: string;
}

export interface TestHost {
  url: string;
  host: HostApp<FakeHookflow>;
  fake: FakeHookflow;
  config: HostConfig;
  admin: TestUser;
  sales: TestUser;
  close(): Promise<void>;
}

export function testConfig(tdb: TestDatabase, env: Record<string, string> = {}): HostConfig {
  return loadHostConfig({
    DATABASE_URL: tdb.url,
    HOOKFLOW_DATA_DIR: path.join(tdb.dir, 'data'),
    HOOKFLOW_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
    BASE_URL: 'http://127.0.0.1',
    ...env,
  });
}

/** Starts a host on the test database. Creates an admin and a non-admin user with tokens. */
export async function startTestHost(
  tdb: TestDatabase,
  opts: { loginRateLimit?: LoginRateLimit } = {},
): Promise<TestHost> {
  const config = testConfig(tdb);
  const fakeInstaller = createFakeInstaller();
  const host = await createHostApp({
    db: tdb.db,
    config,
    logger: pino({ level: 'silent' }),
    installer: fakeInstaller.installer,
    loginRateLimit: opts.loginRateLimit,
  });
  const tag = crypto.randomBytes(4).toString('hex');
  const makeUser = async (name: string, isAdmin: boolean): Promise<TestUser> => {
    const email = `${name}-${tag}@example.com`;
    const password = `pw-${crypto.randomBytes(8).toString('hex')}`;
    const user = await host.services.users.createUser({ name, email, password, isAdmin });
    const token = await host.services.users.setApiToken(user.id);
    return { id: user.id, email, password, token };
  };
  const admin = await makeUser('admin', true);
  const sales = await makeUser('sales', false);
  const server = http.createServer(host.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await host.close();
  };
  return { url, host, fake: fakeInstaller.get()!, config, admin, sales, close };
}

/** fetch with `redirect: manual` and JSON helpers. */
export async function call(
  url: string,
  opts: {
    method?: string;
    token?: string;
    json?: unknown;
    body?: string;
    headers?: Record<string, string>;
    cookie?: string;
  } = {},
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method: opts.method ?? 'GET', headers, body, redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A minimal cookie jar: name=value pairs from Set-Cookie headers (deleted cookies removed). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  absorb(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** The value of `<input ... name="NAME" value="...">` in a page. */
export function hiddenInput(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
}
