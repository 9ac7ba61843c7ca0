import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.resolve(import.meta.dirname, '../..');

function hookflow(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/hookflow.js'), ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('hookflow CLI', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-cli-'));
  const env = { DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`, HOOKFLOW_DATA_DIR: dir };

  test('--help lists the commands; bad arguments exit non-zero with a one-line reason', () => {
    const help = hookflow(['--help']);
    assert.equal(help.code, 0);
    for (const c of ['start', 'worker', 'migrate', 'export', 'import']) assert.match(help.out, new RegExp(`\\n  ${c}`));
    const bad = hookflow(['frobnicate']);
    assert.equal(bad.code, 2);
    assert.equal(bad.err.trim().split('\n').length, 1);
    assert.match(bad.err, /unknown command "frobnicate"/);
    assert.equal(hookflow(['migrate', 'extra'], env).code, 2);
    assert.match(hookflow(['import'], env).err, /give the JSON file/);
  });

  test('a bad DATABASE_URL names the variable, no stack trace', () => {
    const r = hookflow(['migrate'], { ...env, DATABASE_URL: 'foo://x' });
    assert.equal(r.code, 1);
    assert.equal(r.err.trim(), 'hookflow migrate: DATABASE_URL: unsupported scheme foo; use sqlite: or mysql://');
  });

  test('migrate, export and import round trip (import validates before writing)', () => {
    assert.match(hookflow(['migrate'], env).out, /migrated: host \d+ new, hookflow \d+ new/);
    assert.match(hookflow(['migrate'], env).out, /migrated: host 0 new, hookflow 0 new/, 'second migrate does nothing');
    const flows = path.join(dir, 'flows.json');
    const doc = { format: 'hookflow.workflows.v1', workflows: [{ module: 'Leads', title: 'From CLI', trigger: 'http', triggerName: 'cli', tasks: [{ type: 'set_env', title: 's', options: { values: [{ name: 'a', value: 1 }] } }] }] };
    fs.writeFileSync(flows, JSON.stringify(doc));
    const imported = hookflow(['import', flows], env);
    assert.equal(imported.code, 0, imported.err);
    assert.match(imported.out, /imported: 1 created, 0 updated/);
    const exported = hookflow(['export'], env);
    assert.equal(exported.code, 0, exported.err);
    const parsed = JSON.parse(exported.out);
    assert.equal(parsed.workflows.length, 1);
    assert.equal(parsed.workflows[0].triggerName, 'cli');
    fs.writeFileSync(flows, JSON.stringify({ ...doc, workflows: [{ ...doc.workflows[0], title: 'Second' }, { ...doc.workflows[0], module: 'Nope' }] }));
    const refused = hookflow(['import', flows], env);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /workflows\.1\.module/);
    assert.equal(JSON.parse(hookflow(['export'], env).out).workflows.length, 1, 'nothing written');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
