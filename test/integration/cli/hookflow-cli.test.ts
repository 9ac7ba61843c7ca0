/**
 * The package's `hookflow` command, run as the built file a host gets (dist/module/cli/bin.js;
 * `npm test` builds first): help without loading the module, strict arguments, `migrate` touching
 * only hookflow_* tables, `--host` files that are incomplete or missing, export/import, and a
 * worker process with its own /healthz that stops cleanly on SIGTERM.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createTestDatabase, describeEachEngine } from '../../helpers/engines.js';
import { waitFor } from '../../helpers/wait.js';
import { TEST_SECRET_KEY } from '../../helpers/test-host.js';

const root = path.resolve(import.meta.dirname, '../../..');
const bin = path.join(root, 'dist/module/cli/bin.js');
const fixture = path.join(root, 'test/fixtures/minimal-host.mjs');

function hookflow(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []) {
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run npm run build (npm test does)`);
  const r = spawnSync(process.execPath, [...nodeArgs, bin, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH!, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

test('--help lists the commands and loads nothing but the CLI itself', () => {
  const r = hookflow(['--help'], {}, ['--import', path.join(root, 'test/fixtures/record-imports.mjs')]);
  assert.equal(r.code, 0);
  for (const c of ['migrate', 'worker --host FILE', 'export --host FILE', 'import --host FILE'])
    assert.ok(r.out.includes(`\n  ${c}`), c);
  const loaded = r.err
    .split('\n')
    .filter((l) => l.startsWith('loaded '))
    .map((l) => l.slice(7));
  assert.ok(
    loaded.some((u) => u.endsWith('/cli/main.js')),
    'the recorder works',
  );
  for (const u of loaded)
    assert.match(u, /\/dist\/module\/(cli\/(bin|main|args)|errors)\.js$|^node:/, `help loaded ${u}`);
});

test('strict arguments: usage errors exit 2 with one line naming the command once', () => {
  const cases: Array<[string[], RegExp]> = [
    [['frobnicate'], /^hookflow: unknown command "frobnicate"; run hookflow --help$/],
    [['migrate', 'extra'], /^hookflow migrate: unexpected argument "extra"; usage: hookflow migrate$/],
    [['worker'], /^hookflow worker: --host FILE is required/],
    [['worker', '--host', fixture, '--bogus'], /^hookflow worker: Unknown option '--bogus'/],
    [['worker', '--host', fixture, '--health-port', 'x'], /^hookflow worker: --health-port: must be a port number/],
    [['import', '--host', fixture], /^hookflow import: missing argument; usage: hookflow import --host FILE IN$/],
  ];
  for (const [args, expected] of cases) {
    const r = hookflow(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.err.split('\n').length, 1, r.err);
    assert.match(r.err, expected);
  }
});

test('migrate needs DATABASE_URL; a host file that is missing or incomplete is one line naming what', () => {
  assert.deepEqual(
    hookflow(['migrate']).err,
    'hookflow migrate: DATABASE_URL: not set, e.g. DATABASE_URL=mysql://user:pass@127.0.0.1:3306/crm',
  );
  const missing = hookflow(['export', '--host', 'nope.mjs'], { HOOKFLOW_SECRET_KEY: TEST_SECRET_KEY });
  assert.equal(missing.code, 1);
  assert.match(missing.err, /^hookflow export: --host: .*nope\.mjs does not exist$/);
});

describeEachEngine('hookflow command', (tdb) => {
  const env = (url = tdb().url) => ({ DATABASE_URL: url, HOOKFLOW_SECRET_KEY: TEST_SECRET_KEY });
  /** A database of the test's own: one never migrated, or one whose key the test changes. */
  async function ownDatabase(t: TestContext) {
    const own = await createTestDatabase(tdb().engine);
    t.after(() => own.destroy());
    return own;
  }

  test("migrate creates only hookflow_* tables and leaves the host's alone; a second run does nothing", async (t) => {
    const { db, url } = await ownDatabase(t);
    await db.schema.createTable('crm_things', (t) => {
      t.increments('id');
      t.string('name');
    });
    await db('crm_things').insert({ name: 'kept' });
    const first = hookflow(['migrate'], env(url));
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /^applied \d+: 20261123000001_foundation, /);
    assert.equal(hookflow(['migrate'], env(url)).out, 'up to date: no migration to apply');
    assert.deepEqual(await db('crm_things').select('name'), [{ name: 'kept' }]);
    assert.deepEqual(Object.keys(await db('crm_things').columnInfo()).sort(), ['id', 'name']);
  });

  test('an incomplete HostContext is refused with one line naming every missing member', () => {
    const r = hookflow(['export', '--host', fixture], { ...env(), FIXTURE_BROKEN: 'records' });
    assert.equal(r.code, 1);
    assert.equal(r.err.split('\n').length, 1);
    for (const member of ['records.get', 'records.create', 'users', 'mailer', 'requireAdmin', 'attachHooks', 'baseUrl'])
      assert.ok(r.err.includes(`host.${member} `), `${member} in: ${r.err}`);
  });

  test('import validates and writes; export reads it back', (t) => {
    const file = path.join(path.dirname(tdb().url.replace(/^sqlite:/, '')), `flows-${process.pid}.json`);
    const flows = fs.existsSync(path.dirname(file)) ? file : path.join(root, 'dist', `flows-${process.pid}.json`);
    const doc = {
      format: 'hookflow.workflows.v1',
      workflows: [
        {
          module: 'Deals',
          title: 'Ping',
          trigger: 'record.created',
          tasks: [{ type: 'set_env', title: 's', options: { values: [{ name: 'a', value: 1 }] } }],
        },
      ],
    };
    t.after(() => fs.rmSync(flows, { force: true }));
    fs.writeFileSync(flows, JSON.stringify(doc));
    const imported = hookflow(['import', '--host', fixture, flows], env());
    assert.equal(imported.code, 0, imported.err);
    assert.equal(imported.out, 'imported: 1 created, 0 updated');
    const exported = hookflow(['export', '--host', fixture], env());
    assert.equal(exported.code, 0, exported.err);
    assert.deepEqual(
      JSON.parse(exported.out).workflows.map((w: { title: string }) => w.title),
      ['Ping'],
    );
  });

  test('rotate-key moves the database to a new key; the old key is then refused with one line', async (t) => {
    const newKey = 'b'.repeat(64);
    // Its own database: a failure half-way must not leave the shared one on another key.
    const own = env((await ownDatabase(t)).url);
    assert.equal(hookflow(['export', '--host', fixture], own).code, 0, 'installs and records the key');
    assert.match(hookflow(['rotate-key'], own).err, /^hookflow rotate-key: HOOKFLOW_NEW_SECRET_KEY: not set/);
    const rotated = hookflow(['rotate-key'], { ...own, HOOKFLOW_NEW_SECRET_KEY: newKey });
    assert.equal(rotated.code, 0, rotated.err);
    assert.match(rotated.out, /^rotated: \d+ tasks? re-sealed/);
    const old = hookflow(['export', '--host', fixture], own);
    assert.equal(old.code, 1);
    assert.match(old.err, /^hookflow export: Hookflow: the secret key .*HOOKFLOW_SECRET_KEY.* rotate-key$/);
    assert.equal(hookflow(['export', '--host', fixture], { ...own, HOOKFLOW_SECRET_KEY: newKey }).code, 0);
    assert.equal(
      hookflow(['rotate-key'], { ...own, HOOKFLOW_SECRET_KEY: newKey, HOOKFLOW_NEW_SECRET_KEY: TEST_SECRET_KEY }).code,
      0,
      'and back',
    );
  });

  test('worker: its own /healthz, a heartbeat row while it runs, SIGTERM stops it cleanly', async (t) => {
    const child = spawn(process.execPath, [bin, 'worker', '--host', fixture, '--health-port', '0'], {
      cwd: root,
      env: { PATH: process.env.PATH!, ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await waitFor('the worker to start', 60_000, () => {
      if (child.exitCode !== null) throw new Error(`worker exited: ${out}`);
      return /health at http:\/\/127\.0\.0\.1:\d+\/healthz/.test(out);
    });
    const url = /health at (\S+?);/.exec(out)![1];
    let report:
      | {
          status: string;
          workers: { live: number; list: Array<{ lanes: Array<{ name: string; lastClaimAt: number | null }> }> };
          worker: { running: boolean };
        }
      | undefined;
    await waitFor('a live heartbeat with claim times', 30_000, async () => {
      const res = await fetch(url);
      report = await res.json();
      return (
        res.status === 200 &&
        report!.workers.live === 1 &&
        report!.workers.list[0].lanes.every((l) => l.lastClaimAt !== null)
      );
    });
    assert.equal(report!.status, 'ok');
    assert.equal(report!.worker.running, true);
    assert.deepEqual(report!.workers.list[0].lanes.map((l) => l.name).sort(), [
      'alerts',
      'deliveries',
      'runs',
      'schedules',
      'sweeps',
    ]);
    assert.equal((await fetch(url.replace('/healthz', '/nope'))).status, 404);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    assert.match(out, /hookflow worker stopped/);
    assert.equal(
      (await tdb().db('hookflow_workers').count({ n: '*' }))[0].n,
      0,
      'a clean stop removes its heartbeat row',
    );
  });
});
