/**
 * Proof that a CRM other than ours can install Hookflow: `npm pack` this project, install the
 * tarball into scratch apps OUTSIDE the repository with the host's own express/knex/driver, write
 * the README's install examples into them (copied out of README.md by the test), and drive them:
 *   - ESM host (crm-context.mjs + server.mjs) on MariaDB, current express/knex;
 *   - CommonJS host (crm-context.cjs + server.cjs) on SQLite, the LOWEST supported express/knex.
 * Each: the web process with its in-process worker off and a separate `npx hookflow worker
 * --host …` process; a record save → a signed webhook on 127.0.0.1 that standardwebhooks accepts;
 * the short URL → a run in the log; the settings page as admin 200 / user 403 / anonymous 401,
 * and task forms (each type's form.hbs, found beside its built code);
 * /healthz degraded without a worker and ok with one; SIGTERM → both processes exit by themselves.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { createTestDatabase, type TestDatabase } from '../helpers/engines.js';
import { waitFor } from '../helpers/wait.js';
import { README, writeReadmeFiles } from './readme-examples.js';
import {
  createScratchApp,
  killAll,
  lockedVersion,
  packTarball,
  startProcess,
  type HostProcess,
  type PackedTarball,
} from './scratch-host.js';

/** The lowest versions of the peers the package supports (package.json peerDependencies). */
const LOWEST = { express: '5.0.0', knex: '3.0.1' };

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function startReceiver(t: { after(fn: () => unknown): void }): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

interface Journey {
  app: string;
  contextFile: string;
  serverFile: string;
  module: string;
  createPath: string;
  createBody: Record<string, unknown>;
  env: Record<string, string>;
}

async function api(base: string, token: string | null, method: string, p: string, body?: unknown) {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* HTML pages */
  }
  return { status: res.status, json, text };
}

async function drive(t: { after(fn: () => unknown): void }, j: Journey): Promise<void> {
  const adminToken = `adm-${randomBytes(8).toString('hex')}`;
  const userToken = `usr-${randomBytes(8).toString('hex')}`;
  const env = {
    ...j.env,
    HOOKFLOW_SECRET_KEY: randomBytes(32).toString('hex'),
    CRM_ADMIN_TOKEN: adminToken,
    CRM_USER_TOKEN: userToken,
  };
  const processes: HostProcess[] = [];
  t.after(() => killAll(processes));
  const receiver = await startReceiver(t);

  const web = startProcess(process.execPath, [j.serverFile], j.app, {
    ...env,
    PORT: '0',
    HOOKFLOW_IN_PROCESS_WORKER: 'false',
  });
  processes.push(web);
  const port = (await web.waitForOutput(/CRM listening on port (\d+)/, 'the web process to listen'))[1];
  const base = `http://127.0.0.1:${port}`;
  const admin = `${base}/settings/hookflow`;

  const degraded = await api(base, null, 'GET', '/healthz');
  assert.equal(degraded.status, 200, degraded.text);
  assert.equal(degraded.json.status, 'degraded', 'no worker runs yet');
  assert.equal(degraded.json.migrations.ok, true);

  // Set-up as an admin would script it: receiver allowlisted, a signed webhook, an HTTP workflow.
  assert.equal(
    (await api(admin, adminToken, 'PATCH', '/api/settings', { outboundAllowlist: ['127.0.0.1/32'] })).status,
    200,
  );
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const hookFlow = await api(admin, adminToken, 'POST', '/api/workflows', {
    module: j.module,
    title: 'To the receiver',
    status: 'active',
    trigger: 'record.created',
    tasks: [
      {
        type: 'webhook',
        title: 'notify',
        options: { url: receiver.url, sign: true, params: [{ name: 'title', value: '{{record.title}}' }] },
        secrets: { signingSecret: secret },
      },
    ],
  });
  assert.equal(hookFlow.status, 201, hookFlow.text);
  const httpFlow = await api(admin, adminToken, 'POST', '/api/workflows', {
    module: j.module,
    title: 'Web form',
    status: 'active',
    trigger: 'http',
    triggerName: 'lead',
    tasks: [{ type: 'respond', title: 'answer', options: { body: { got: '$env.name' } } }],
  });
  assert.equal(httpFlow.status, 201, httpFlow.text);
  const permission = await api(admin, adminToken, 'POST', '/api/permissions', {
    title: 'this machine',
    triggerName: 'lead',
    sources: ['127.0.0.1', '::1'],
  });
  assert.equal(permission.status, 201, permission.text);

  // A worker process started the documented way: `npx hookflow worker --host ./<file>` runs the
  // package's bin, node_modules/.bin/hookflow — started here directly so the test signals the worker
  // itself (npx would stand between them and die of the signal instead of forwarding it).
  assert.ok(
    fs.readFileSync(README, 'utf8').includes(`hookflow worker --host ./${j.contextFile}`),
    'the README documents the command',
  );
  const worker = startProcess(
    path.join(j.app, 'node_modules/.bin/hookflow'),
    ['worker', '--host', `./${j.contextFile}`, '--health-port', '0'],
    j.app,
    env,
  );
  processes.push(worker);
  await worker.waitForOutput(
    /hookflow worker \S+ running; health at http:\/\/127\.0\.0\.1:\d+\/healthz/,
    'the worker to start',
  );

  // A record save → one signed webhook.
  const created = await api(base, userToken, 'POST', j.createPath, j.createBody);
  assert.equal(created.status, 200, created.text);
  await waitFor('the webhook at the receiver', 60_000, () => receiver.received.length >= 1);
  const [hook] = receiver.received;
  const verified = new Webhook(secret).verify(hook.body, hook.headers as Record<string, string>) as { title: string };
  assert.deepEqual(verified, { title: j.createBody.title }, 'a valid Standard Webhooks signature over the record data');

  // The short URL runs the HTTP workflow; the run is in the log.
  const posted = await fetch(`${base}/wf?trigger=lead&record_id=0`, {
    method: 'POST',
    body: new URLSearchParams({ name: 'Ada' }),
  });
  assert.equal(posted.status, 200, await posted.clone().text());
  assert.deepEqual((await posted.json()).output, { got: 'Ada' });
  const runs = await api(admin, adminToken, 'GET', '/api/runs?source=http');
  assert.equal(runs.json.runs.length, 1, runs.text);
  assert.equal(runs.json.runs[0].status, 'succeeded');

  // The settings pages behind the host's admin check.
  const page = await api(admin, adminToken, 'GET', '');
  assert.equal(page.status, 200);
  assert.match(page.text, /<html/i);
  // Each task type's form view is found beside its built code in the installed package.
  const hookTask = await api(
    admin,
    adminToken,
    'GET',
    `/workflows/${hookFlow.json.workflow.id}/tasks/${hookFlow.json.workflow.tasks[0].id}`,
  );
  assert.equal(hookTask.status, 200, hookTask.text.slice(0, 300));
  assert.match(
    hookTask.text,
    new RegExp(`name="url"[^>]*value="${receiver.url}"`),
    'the webhook form, with its stored URL',
  );
  const respondForm = await api(
    admin,
    adminToken,
    'GET',
    `/workflows/${httpFlow.json.workflow.id}/tasks/new?type=respond`,
  );
  assert.match(respondForm.text, /name="redirectUrl"/, 'the respond form');
  assert.equal((await api(admin, userToken, 'GET', '')).status, 403);
  assert.equal((await api(admin, null, 'GET', '')).status, 401);

  await waitFor(
    'the web process to see the live worker',
    30_000,
    async () => (await api(base, null, 'GET', '/healthz')).json.status === 'ok',
  );

  // SIGTERM: each process stops its worker, closes its pool and exits by itself (no handle left).
  worker.child.kill('SIGTERM');
  assert.equal(await worker.exited, 0, worker.output());
  assert.match(worker.output(), /hookflow worker stopped/);
  web.child.kill('SIGTERM');
  const webExit = await Promise.race([
    web.exited,
    new Promise((r) => setTimeout(() => r('still running 20 s after SIGTERM'), 20_000)),
  ]);
  assert.equal(webExit, 0, `web process: ${web.output()}`);
}

let packed: PackedTarball;
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-pack-'));
// npm installs (and a better-sqlite3 build from source) take minutes on a loaded 2-core machine.
const SLOW = { timeout: 900_000 };
before(() => {
  packed = packTarball(workDir);
}, SLOW);
after(() => fs.rmSync(workDir, { recursive: true, force: true }));

test(
  'an ESM host on MariaDB installs the packed tarball and runs the README example',
  { ...SLOW, skip: !process.env.HOOKFLOW_TEST_MYSQL_URL && 'needs HOOKFLOW_TEST_MYSQL_URL (CI sets it)' },
  async (t) => {
    const app = createScratchApp(
      'hookflow-esm-host',
      packed.file,
      ['express', 'knex', 'mysql2', 'nodemailer'].map((d) => `${d}@${lockedVersion(d)}`),
    );
    t.after(() => fs.rmSync(app, { recursive: true, force: true }));
    writeReadmeFiles(app, ['crm-context.mjs', 'server.mjs']);
    const database: TestDatabase = await createTestDatabase('mysql', { prefix: 'hookflow_foreign' });
    t.after(() => database.destroy());
    await drive(t, {
      app,
      contextFile: 'crm-context.mjs',
      serverFile: 'server.mjs',
      module: 'Deals',
      createPath: '/api/deals',
      createBody: { title: 'Big deal', amount: 1200 },
      env: { DATABASE_URL: database.url, BASE_URL: 'http://crm.example' },
    });
  },
);

test('a CommonJS host on SQLite with the lowest supported express and knex does the same', SLOW, async (t) => {
  const deps = [
    `express@${LOWEST.express}`,
    `knex@${LOWEST.knex}`,
    `better-sqlite3@${lockedVersion('better-sqlite3')}`,
  ];
  const app = createScratchApp('hookflow-cjs-host', packed.file, deps);
  t.after(() => fs.rmSync(app, { recursive: true, force: true }));
  const installed = (name: string) =>
    JSON.parse(fs.readFileSync(path.join(app, 'node_modules', name, 'package.json'), 'utf8')).version;
  assert.equal(installed('express'), LOWEST.express);
  assert.equal(installed('knex'), LOWEST.knex);
  writeReadmeFiles(app, ['crm-context.cjs', 'server.cjs']);
  await drive(t, {
    app,
    contextFile: 'crm-context.cjs',
    serverFile: 'server.cjs',
    module: 'Notes',
    createPath: '/api/notes',
    createBody: { title: 'Call back' },
    env: { SQLITE_FILE: path.join(app, 'crm.sqlite'), BASE_URL: 'http://crm.example' },
  });
});
