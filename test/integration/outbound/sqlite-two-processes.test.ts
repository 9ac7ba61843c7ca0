/**
 * SQLite with two processes on one file — the web process (with its in-process worker) and a
 * separate `crm worker` — under load: every record save answers 200 (no SQLITE_BUSY 500s: every
 * transaction begins IMMEDIATE and waits its turn), every delivery is sent exactly once, and both
 * processes' workers share the work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createTestDatabase } from '../../helpers/engines.js';
import { waitFor } from '../../helpers/wait.js';
import { createHostApp } from '../../../host/app.js';

const root = path.resolve(import.meta.dirname, '../../..');
const UPDATES = 200;

test(
  'web process + worker process on one SQLite file: no 500s, each delivery once, both send',
  { timeout: 300_000 },
  async (t) => {
    const tdb = await createTestDatabase('sqlite');
    t.after(() => tdb.destroy());
    const received = new Map<string, number>();
    const rx = http
      .createServer((req, res) => {
        const id = String(req.headers['webhook-id']);
        received.set(id, (received.get(id) ?? 0) + 1);
        req.resume();
        req.on('end', () => setTimeout(() => res.writeHead(204).end(), 3));
      })
      .listen(0, '127.0.0.1');
    await new Promise((r) => rx.once('listening', r));
    t.after(
      () =>
        new Promise((r) => {
          rx.closeAllConnections();
          rx.close(r);
        }),
    );

    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-sqlite2-'));
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const secretKey = crypto.randomBytes(32).toString('hex');
    const host = await createHostApp({
      db: tdb.db,
      logger: pino({ level: 'silent' }),
      demoRoutes: false,
      config: { baseUrl: 'http://crm.test', mailFrom: 'crm@example.com', dataDir, secretKey, inProcessWorker: true },
      mailer: {
        async sendMail() {
          return {};
        },
      },
    });
    t.after(() => host.close());
    await host.hookflow.services.settings.save({
      outboundAllowlist: ['127.0.0.1/32'],
      pollIntervalMs: 50,
      maxConcurrency: 2,
      perHostConcurrency: 8,
    });
    const admin = await host.services.users.createUser({
      name: 'Ada',
      email: 'ada@example.com',
      password: 'pw-12345678',
      isAdmin: true,
    });
    const token = await host.services.users.setApiToken(admin.id);
    await host.hookflow.services.workflows.create(
      {
        module: 'Deals',
        title: 'every save',
        status: 'active',
        trigger: 'record.updated',
        tasks: [
          {
            type: 'webhook',
            title: 'w',
            options: {
              url: `http://127.0.0.1:${(rx.address() as AddressInfo).port}/in`,
              params: [{ name: 'amount', value: '$record.amount' }],
            },
          },
        ],
      },
      admin.id,
    );
    const deal = await host.services.records.create('Deals', { title: 'busy', amount: 0 }, { actorUserId: admin.id });
    const server = http.createServer(host.app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    t.after(
      () =>
        new Promise((r) => {
          server.closeAllConnections();
          server.close(r);
        }),
    );
    const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/records/Deals/${deal.id}`;

    const worker = spawn(process.execPath, [path.join(root, 'bin/crm.js'), 'worker'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: tdb.url,
        HOOKFLOW_SECRET_KEY: secretKey,
        HOOKFLOW_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      },
    });
    let out = '';
    worker.stdout!.on('data', (c) => {
      out += c;
    });
    worker.stderr!.on('data', (c) => {
      out += c;
    });
    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    t.after(() => {
      if (worker.exitCode === null) worker.kill('SIGKILL');
    });
    await waitFor('the worker process to start', 60_000, () => {
      if (worker.exitCode !== null) throw new Error(`worker exited: ${out}`);
      return /hookflow worker .* running/.test(out);
    });

    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < UPDATES) {
          const n = ++next;
          const res = await fetch(api, {
            method: 'PATCH',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ fields: { amount: n } }),
          });
          statuses.push(res.status);
          await res.arrayBuffer();
        }
      }),
    );
    assert.deepEqual(
      [...new Set(statuses)],
      [200],
      `every save answered 200 (${statuses.filter((s) => s !== 200).length} did not)`,
    );
    await waitFor(
      `${UPDATES} deliveries sent`,
      120_000,
      async () =>
        Number((await tdb.db('hookflow_deliveries').where({ status: 'success' }).count({ n: '*' }))[0].n) === UPDATES,
    );
    const ids = (await tdb.db('hookflow_deliveries').select('webhook_id')).map(
      (r: { webhook_id: string }) => r.webhook_id,
    );
    assert.equal(ids.length, UPDATES);
    assert.deepEqual(
      ids.filter((id) => received.get(id) !== 1),
      [],
      'each webhook-id received exactly once',
    );
    const byWorker = await tdb.db('hookflow_attempts').groupBy('worker_id').select('worker_id').count({ n: '*' });
    assert.equal(byWorker.length, 2, `both processes sent some: ${JSON.stringify(byWorker)}`);
    worker.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    assert.doesNotMatch(out, /SQLITE_BUSY/, 'the worker process never hit a busy error');
  },
);
