/** An unreachable MySQL server is one line on stderr from both commands: no knex stack trace, nothing on stdout. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.resolve(import.meta.dirname, '../../..');

test('hookflow migrate and crm migrate against a closed port print one line', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-unreach-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = {
    PATH: process.env.PATH!,
    DATABASE_URL: 'mysql://root@127.0.0.1:1/crm',
    HOOKFLOW_DATA_DIR: dir,
    LOG_LEVEL: 'silent',
  };
  for (const [name, script] of [
    ['hookflow', 'dist/module/cli/bin.js'],
    ['crm', 'bin/crm.js'],
  ]) {
    const r = spawnSync(process.execPath, [path.join(root, script), 'migrate'], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 90_000,
    });
    assert.equal(r.status, 1, `${name}: ${r.stderr}`);
    assert.equal(r.stdout, '', `${name}: nothing on stdout`);
    assert.deepEqual(
      r.stderr.trim().split('\n'),
      [`${name} migrate: connect ECONNREFUSED 127.0.0.1:1`],
      `${name}: one line`,
    );
  }
});
