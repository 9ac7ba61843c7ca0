/**
 * Shared by the admin-page integration tests and the browser tests: the reference host with the
 * REAL Hookflow install on a test database, served on 127.0.0.1:0 with an admin and a sales user;
 * a real HTTP receiver whose answers the test controls; and a cookie-keeping form client.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { pino } from 'pino';
import { createHostApp, type HostApp } from '../../host/app.js';
import type { HostMailer } from '../../module/host.js';
import { CookieJar, hiddenInput } from '../integration/host/harness.js';

export const ADMIN = '/settings/hookflow';
const HTML = 'text/html,application/xhtml+xml';

export interface AdminHost {
  host: HostApp;
  url: string;
  admin: { id: number; email: string; password: string };
  sales: { id: number; email: string; password: string };
  close(): Promise<void>;
}

/** Starts the host on `db`; `inProcessWorker` default false (tests drain the worker). */
export async function startAdminHost(
  db: Knex,
  opts: { inProcessWorker?: boolean; mailer?: HostMailer } = {},
): Promise<AdminHost> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-admin-'));
  const host = await createHostApp({
    db,
    logger: pino({ level: 'silent' }),
    demoRoutes: false,
    config: {
      baseUrl: 'http://crm.test',
      mailFrom: 'crm@example.com',
      dataDir,
      secretKey: crypto.randomBytes(32).toString('hex'),
      inProcessWorker: opts.inProcessWorker ?? false,
    },
    mailer: opts.mailer ?? {
      async sendMail() {
        return {};
      },
    },
  });
  const tag = crypto.randomBytes(3).toString('hex');
  const make = async (name: string, isAdmin: boolean) => {
    const email = `${name.toLowerCase().replace(/\s+/g, '.')}-${tag}@example.com`;
    const password = `pw-${crypto.randomBytes(6).toString('hex')}`;
    const user = await host.services.users.createUser({ name, email, password, isAdmin });
    return { id: user.id, email, password };
  };
  const admin = await make('Ada Admin', true);
  const sales = await make('Sam Sales', false);
  const server = http.createServer(host.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host,
    admin,
    sales,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await host.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Receiver {
  url: string;
  received: Array<{ method: string; headers: http.IncomingHttpHeaders; body: string }>;
  /** Status the next requests get. Default 200. */
  status: number;
  close(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1:0 answering `status` with a small JSON body. */
export async function startReceiver(): Promise<Receiver> {
  const rx: Receiver = { url: '', received: [], status: 200, close: async () => undefined };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      rx.received.push({ method: req.method ?? '', headers: req.headers, body });
      res
        .writeHead(rx.status, { 'content-type': 'application/json' })
        .end(rx.status < 300 ? '{"ok":true,"invoice":"INV-7"}' : '{"error":"receiver is down"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  rx.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  rx.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return rx;
}

/** A browser-like client without a browser: cookies, and forms posted with their CSRF token. */
export class FormClient {
  readonly jar = new CookieJar();
  constructor(readonly base: string) {}

  async get(p: string) {
    const res = await fetch(`${this.base}${p}`, {
      headers: { accept: HTML, cookie: this.jar.header() },
      redirect: 'manual',
    });
    this.jar.absorb(res.headers);
    return { status: res.status, location: res.headers.get('location'), headers: res.headers, text: await res.text() };
  }

  /** POSTs form fields (arrays repeat the name) with `csrf` as `_csrf` when given. */
  async post(p: string, fields: Record<string, string | string[]>, csrf?: string) {
    const body = new URLSearchParams();
    if (csrf !== undefined) body.append('_csrf', csrf);
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    const res = await fetch(`${this.base}${p}`, {
      method: 'POST',
      body,
      headers: { accept: HTML, cookie: this.jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
    });
    this.jar.absorb(res.headers);
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  }

  /** GETs `formPage` for its CSRF token, then POSTs `fields` to `action`. */
  async submit(formPage: string, action: string, fields: Record<string, string | string[]>) {
    const page = await this.get(formPage);
    assert.equal(page.status, 200, `${formPage}: ${page.text.slice(0, 300)}`);
    const csrf = hiddenInput(page.text, '_csrf');
    assert.ok(csrf, `${formPage} carries a CSRF token`);
    return this.post(action, fields, csrf);
  }

  async login(email: string, password: string): Promise<this> {
    const page = await this.get('/login');
    const res = await this.post('/login', { email, password, next: '/' }, hiddenInput(page.text, '_csrf'));
    assert.equal(res.status, 303, 'logged in');
    return this;
  }
}
