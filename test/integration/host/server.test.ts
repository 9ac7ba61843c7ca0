import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { createHostApp } from '../../../host/app.js';
import { startServer, type RunningServer } from '../../../host/server.js';
import { createTestDatabase, testEngines, type TestDatabase } from './engines.js';
import { call, createFakeInstaller, testConfig, type FakeHookflow } from './harness.js';

for (const engine of testEngines()) {
  describe(`startServer on ${engine}`, () => {
    let tdb: TestDatabase;
    const running: RunningServer<FakeHookflow>[] = [];

    before(async () => {
      tdb = await createTestDatabase(engine);
    });
    after(async () => {
      for (const r of running) await r.close();
      await tdb?.cleanup();
    });

    /** A database of the test's own (first starts and restarts need an empty one, whatever ran before). */
    async function ownDatabase(t: { after(fn: () => unknown): void }): Promise<TestDatabase> {
      const own = await createTestDatabase(engine);
      t.after(() => own.cleanup());
      return own;
    }

    async function start(env: Record<string, string> = {}, db: TestDatabase = tdb) {
      const lines: string[] = [];
      const fake = createFakeInstaller();
      const seeded: unknown[] = [];
      const config = testConfig(db, { PORT: '0', HOOKFLOW_SECRET_KEY: 'b'.repeat(64), ...env });
      const server = await startServer(config, {
        installer: fake.installer,
        print: (line) => lines.push(line),
        handleSignals: false,
        seedWorkflows: async ({ host, seed }) => {
          seeded.push({ host: Boolean(host.hookflow), admin: seed.admin.email });
        },
      });
      running.push(server);
      return { server, lines, fake: fake.get()!, seeded, config };
    }

    test('first start seeds, prints where everything is, and serves the seeded credentials', async (t) => {
      const { server, lines, fake, seeded, config } = await start({}, await ownDatabase(t));
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const text = lines.join('\n');
      const creds = server.seed!.credentials;
      assert.ok(text.includes(`${config.baseUrl}/api/records/Deals`));
      assert.ok(text.includes(`${config.baseUrl}${server.host.manifest.settings.url}`));
      assert.match(text, new RegExp(`Inbound short URL +${config.baseUrl}${server.host.manifest.routes.inbound}`));
      assert.ok(text.includes(`admin@example.com / ${creds.admin.password}`));
      assert.ok(
        text.includes(`curl -H 'Authorization: Bearer ${creds.admin.token}' ${config.baseUrl}/api/records/Deals`),
      );
      assert.deepEqual(seeded, [{ host: true, admin: 'admin@example.com' }]);
      assert.equal(fake.workerRunning, true, 'in-process worker started by default');
      const health = await call(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(
        health.body,
        { status: 'ok', fake: true },
        "the host serves Hookflow's health handler at /healthz, without a login",
      );

      const file = path.join(config.dataDir, 'demo-credentials.json');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);

      const counts: Record<string, number> = {};
      for (const m of ['Accounts', 'Contacts', 'Deals', 'Leads']) {
        const res = await call(`${server.url}/api/records/${m}`, { token: creds.admin.token });
        assert.equal(res.status, 200);
        counts[m] = res.body.total;
      }
      assert.deepEqual(counts, { Accounts: 2, Contacts: 2, Deals: 3, Leads: 2 });
      const deals = (await call(`${server.url}/api/records/Deals`, { token: creds.admin.token })).body.records;
      assert.equal(new Set(deals.map((d: { fields: { stage: string } }) => d.fields.stage)).size, 3);
      assert.equal(new Set(deals.map((d: { ownerUserId: number }) => d.ownerUserId)).size, 2);
      const own = (await call(`${server.url}/api/records/Deals`, { token: creds.sales.token })).body;
      assert.deepEqual(
        { total: own.total, owners: [...new Set(own.records.map((d: { ownerUserId: number }) => d.ownerUserId))] },
        { total: 2, owners: [server.seed!.sales.id] },
        'the sales user sees their own deals',
      );
      const admin = await server.host.services.users.verifyPassword('admin@example.com', creds.admin.password);
      assert.equal(admin?.name, 'Ada Admin');
      assert.equal(admin?.isAdmin, true);
      const sam = await server.host.services.users.findByToken(creds.sales.token);
      assert.equal(sam?.name, 'Sam Sales');
      assert.equal(sam?.isAdmin, false);
      assert.equal(fake.calls.filter((c) => c.kind === 'created').length, 9, 'seeding goes through the hooks');

      // The demo receivers the seeded workflows point at.
      const invoice = await call(`${server.url}/demo/accounting/invoices`, {
        method: 'POST',
        json: { deal: { id: 1 } },
        headers: { 'webhook-id': 'msg_1' },
      });
      assert.equal(invoice.status, 201);
      assert.match(invoice.body.invoice_id, /^INV-[0-9A-F]{8}$/);
      assert.equal((await call(`${server.url}/demo/accounting/invoices`)).status, 401);
      const seen = await call(`${server.url}/demo/accounting/invoices`, { token: creds.sales.token });
      assert.deepEqual(seen.body.invoices[0].body, { deal: { id: 1 } });
      assert.equal(seen.body.invoices[0].headers['webhook-id'], 'msg_1');
      assert.equal((await call(`${server.url}/demo/thank-you`)).status, 200);

      await server.close();
      assert.equal(fake.workerRunning, false);
      assert.equal(fake.uninstalled, true);
      await assert.rejects(fetch(server.url), 'no longer listening');
    });

    test('a restart reuses the credentials and does not seed records again; env values win', async (t) => {
      const own = await ownDatabase(t);
      await (await start({}, own)).server.close(); // the first start seeds
      const first = JSON.parse(fs.readFileSync(path.join(testConfig(own).dataDir, 'demo-credentials.json'), 'utf8'));
      const { server, fake } = await start({ HOOKFLOW_IN_PROCESS_WORKER: 'false' }, own);
      assert.equal(server.seed!.credentials.admin.password, first.admin.password);
      assert.equal(server.seed!.credentials.admin.token, first.admin.token);
      assert.equal(server.seed!.created, false);
      assert.equal(fake.calls.length, 0);
      assert.equal(fake.workerRunning, false, 'HOOKFLOW_IN_PROCESS_WORKER=false');
      assert.equal((await call(`${server.url}/api/records/Deals`, { token: first.admin.token })).body.total, 3);
      await server.close();

      const withEnv = await start(
        { HOOKFLOW_DEMO_ADMIN_PASSWORD: 'from-the-env-1', HOOKFLOW_DEMO_ADMIN_TOKEN: 'env-token-0123456789abcdef' },
        own,
      );
      assert.equal(
        (await call(`${withEnv.server.url}/api/modules`, { token: 'env-token-0123456789abcdef' })).status,
        200,
      );
      assert.equal((await call(`${withEnv.server.url}/api/modules`, { token: first.admin.token })).status, 401);
      assert.ok(await withEnv.server.host.services.users.verifyPassword('admin@example.com', 'from-the-env-1'));
      await withEnv.server.close();
    });

    test('the banner never prints a password or token that came from the environment', async () => {
      const env = {
        HOOKFLOW_DEMO_ADMIN_PASSWORD: 'env-password-secret',
        HOOKFLOW_DEMO_ADMIN_TOKEN: 'env-token-secret-0123456789',
      };
      const { server, lines } = await start(env);
      const text = lines.join('\n');
      assert.ok(!text.includes(env.HOOKFLOW_DEMO_ADMIN_PASSWORD), 'password not printed');
      assert.ok(!text.includes(env.HOOKFLOW_DEMO_ADMIN_TOKEN), 'token not printed');
      assert.ok(text.includes('Demo admin login   admin@example.com / (from HOOKFLOW_DEMO_ADMIN_PASSWORD)'), text);
      assert.ok(text.includes('Demo admin token   (from HOOKFLOW_DEMO_ADMIN_TOKEN)'), text);
      // The curl line stays ready to paste: the shell supplies the token.
      assert.ok(
        text.includes(
          `curl -H "Authorization: Bearer $HOOKFLOW_DEMO_ADMIN_TOKEN" ${server.host.context.baseUrl}/api/records/Deals`,
        ),
        text,
      );
      assert.equal(
        (await call(`${server.url}/api/modules`, { token: env.HOOKFLOW_DEMO_ADMIN_TOKEN })).status,
        200,
        'the env token still works',
      );
      await server.close();

      // Only the password from the environment: the generated token is still shown, once per start.
      const mixed = await start({ HOOKFLOW_DEMO_ADMIN_PASSWORD: env.HOOKFLOW_DEMO_ADMIN_PASSWORD });
      const mixedText = mixed.lines.join('\n');
      const generated = mixed.server.seed!.credentials.admin.token;
      assert.ok(!mixedText.includes(env.HOOKFLOW_DEMO_ADMIN_PASSWORD));
      assert.ok(mixedText.includes('/ (from HOOKFLOW_DEMO_ADMIN_PASSWORD)'));
      assert.ok(mixedText.includes(`Demo admin token   ${generated}`));
      assert.ok(mixedText.includes(`curl -H 'Authorization: Bearer ${generated}'`));
      await mixed.server.close();
    });

    test('a failure after install uninstalls and closes everything', async () => {
      const fake = createFakeInstaller();
      await assert.rejects(
        startServer(testConfig(tdb, { PORT: '0' }), {
          installer: fake.installer,
          print: () => {},
          handleSignals: false,
          seedWorkflows: async () => {
            throw new Error('seed failed');
          },
        }),
        /seed failed/,
      );
      assert.equal(fake.get()!.uninstalled, true);
    });

    test('PORT=0 without BASE_URL links to the real port', async () => {
      const { server, lines } = await start({ BASE_URL: '' });
      assert.equal(server.host.context.baseUrl, `http://localhost:${server.port}`);
      assert.ok(lines.join('\n').includes(`http://localhost:${server.port}/api/records/Deals`));
      await server.close();
    });

    test('a port in use fails start-up cleanly', async () => {
      const { server } = await start();
      const fake = createFakeInstaller();
      await assert.rejects(
        startServer(testConfig(tdb, { PORT: String(server.port), HOST: '127.0.0.1' }), {
          installer: fake.installer,
          print: () => {},
          handleSignals: false,
        }),
        /EADDRINUSE/,
      );
      assert.equal(fake.get(), undefined, 'the port is taken first, so nothing was installed');
      await server.close();
    });
  });
}

describe('createHostApp start-up failures', () => {
  let tdb: TestDatabase;
  before(async () => {
    tdb = await createTestDatabase('sqlite');
  });
  after(async () => {
    await tdb?.cleanup();
  });

  test('a bad manifest stops start-up with its one-line message, before install', async () => {
    const file = path.join(tdb.dir, 'manifest.json');
    const good = JSON.parse(fs.readFileSync(new URL('../../../manifest.json', import.meta.url), 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...good, routes: { ...good.routes, inbound: 'wf' } }));
    const fake = createFakeInstaller();
    await assert.rejects(
      createHostApp({
        db: tdb.db,
        config: testConfig(tdb),
        logger: pino({ level: 'silent' }),
        installer: fake.installer,
        manifestFile: file,
      }),
      (err: Error) => err.message === `manifest ${file}: routes.inbound must be an absolute path like /wf`,
    );
    assert.equal(fake.get(), undefined);
  });

  test('an installer error propagates', async () => {
    await assert.rejects(
      createHostApp({
        db: tdb.db,
        config: testConfig(tdb),
        logger: pino({ level: 'silent' }),
        installer: async () => {
          throw new Error('setting retryJitter: too big');
        },
      }),
      /setting retryJitter: too big/,
    );
  });
});
