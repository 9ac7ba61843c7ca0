/**
 * The reference CRM's command (host/cli.ts), run in this test process through `main()` with its
 * output captured (no process start per case); one case starts `bin/crm.js` for real.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { main } from '../../../host/cli.js';

const root = path.resolve(import.meta.dirname, '../../..');

async function crm(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) }, { LOG_LEVEL: 'silent', ...env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('crm CLI (reference host)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-cli-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = { DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`, HOOKFLOW_DATA_DIR: dir };

  test('bin/crm.js starts and lists the commands', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'bin/crm.js'), '--help'], {
      cwd: os.tmpdir(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    for (const c of ['start', 'worker', 'migrate', 'export', 'import']) assert.match(r.stdout, new RegExp(`\\n  ${c}`));
  });

  test('bin/crm.js --help loads its text alone, not the CRM or Hookflow', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', path.join(root, 'test/fixtures/record-imports.mjs'), path.join(root, 'bin/crm.js'), '--help'],
      { cwd: os.tmpdir(), encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: crm <command>/);
    const ours = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('loaded file:') && !l.includes('/node_modules/'))
      .map((l) => l.slice(7));
    assert.ok(
      ours.some((u) => u.endsWith('/host/cli-help.ts')),
      `the recorder works: ${ours.join(', ')}`,
    );
    for (const u of ours) assert.match(u, /\/(bin\/crm\.js|host\/cli-help\.ts)$/, `help loaded ${u}`);
  });

  test('bad arguments exit 2 with one line and the command named once', async () => {
    const bad = await crm(['frobnicate']);
    assert.equal(bad.code, 2);
    assert.equal(bad.err, 'crm frobnicate: unknown command "frobnicate"; run crm --help');
    const extra = await crm(['migrate', 'extra'], env);
    assert.equal(extra.code, 2);
    assert.equal(extra.err, 'crm migrate: unexpected argument "extra"');
    assert.match((await crm(['import'], env)).err, /^crm import: give the JSON file/);
  });

  test('a bad DATABASE_URL names the variable, no stack trace', async () => {
    const r = await crm(['migrate'], { ...env, DATABASE_URL: 'foo://x' });
    assert.equal(r.code, 1);
    assert.equal(r.err, 'crm migrate: DATABASE_URL: unsupported scheme foo; use sqlite: or mysql://');
  });

  test('a SQLite file outside the data dir in a folder that does not exist is refused, not created', async () => {
    const outside = path.join(os.tmpdir(), `hookflow-missing-${process.pid}-${Date.now()}`);
    const r = await crm(['migrate'], { ...env, DATABASE_URL: `sqlite:${outside}/such/x.sqlite` });
    assert.equal(r.code, 1);
    assert.match(r.err, /^crm migrate: DATABASE_URL: the directory .*such does not exist; create it first$/);
    assert.equal(fs.existsSync(outside), false);
  });

  test('inside the data dir the folders are created, owner-only, and the file is 0600', async () => {
    const file = path.join(dir, 'nested', 'crm.sqlite');
    const r = await crm(['migrate'], { ...env, DATABASE_URL: `sqlite:${file}` });
    assert.equal(r.code, 0, r.err);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    for (const extra of ['-wal', '-shm']) {
      if (fs.existsSync(file + extra))
        assert.equal(fs.statSync(file + extra).mode & 0o077, 0, `${extra} not readable by others`);
    }
  });

  test('rotate-key replaces a key kept in the data dir and re-seals under it', async (t) => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-rotate-'));
    t.after(() => fs.rmSync(own, { recursive: true, force: true }));
    const ownEnv = { DATABASE_URL: `sqlite:${path.join(own, 'db.sqlite')}`, HOOKFLOW_DATA_DIR: own };
    assert.equal((await crm(['export'], ownEnv)).code, 0, 'first start: a key is generated into the data dir');
    const before = fs.readFileSync(path.join(own, 'secret.key'), 'utf8').trim();
    const next = 'c'.repeat(64);
    assert.match((await crm(['rotate-key'], ownEnv)).err, /^crm rotate-key: HOOKFLOW_NEW_SECRET_KEY: not set/);
    const rotated = await crm(['rotate-key'], { ...ownEnv, HOOKFLOW_NEW_SECRET_KEY: next });
    assert.equal(rotated.code, 0, rotated.err);
    assert.match(rotated.out, /secret\.key now holds the new key/);
    assert.equal(fs.readFileSync(path.join(own, 'secret.key'), 'utf8').trim(), next);
    assert.notEqual(before, next);
    assert.equal(fs.statSync(path.join(own, 'secret.key')).mode & 0o777, 0o600);
    assert.equal((await crm(['export'], ownEnv)).code, 0, 'starts with the new key');
    const stale = await crm(['export'], { ...ownEnv, HOOKFLOW_SECRET_KEY: before });
    assert.equal(stale.code, 1);
    assert.match(stale.err, /HOOKFLOW_SECRET_KEY/);
  });

  test('migrate, export and import round trip (import validates before writing)', async () => {
    assert.match((await crm(['migrate'], env)).out, /migrated: host \d+ new, hookflow \d+ new/);
    assert.match(
      (await crm(['migrate'], env)).out,
      /migrated: host 0 new, hookflow 0 new/,
      'second migrate does nothing',
    );
    const flows = path.join(dir, 'flows.json');
    const doc = {
      format: 'hookflow.workflows.v1',
      workflows: [
        {
          module: 'Leads',
          title: 'From CLI',
          trigger: 'http',
          triggerName: 'cli',
          tasks: [{ type: 'set_env', title: 's', options: { values: [{ name: 'a', value: 1 }] } }],
        },
      ],
    };
    fs.writeFileSync(flows, JSON.stringify(doc));
    const imported = await crm(['import', flows], env);
    assert.equal(imported.code, 0, imported.err);
    assert.match(imported.out, /imported: 1 created, 0 updated/);
    const exported = await crm(['export'], env);
    assert.equal(exported.code, 0, exported.err);
    const parsed = JSON.parse(exported.out);
    assert.equal(parsed.workflows.length, 1);
    assert.equal(parsed.workflows[0].triggerName, 'cli');
    fs.writeFileSync(
      flows,
      JSON.stringify({
        ...doc,
        workflows: [
          { ...doc.workflows[0], title: 'Second' },
          { ...doc.workflows[0], module: 'Nope' },
        ],
      }),
    );
    const refused = await crm(['import', flows], env);
    assert.equal(refused.code, 1);
    assert.equal(refused.err.split('\n').length, 1, 'one line');
    assert.match(refused.err, /workflows\.1\.module/);
    assert.equal(JSON.parse((await crm(['export'], env)).out).workflows.length, 1, 'nothing written');
  });
});
