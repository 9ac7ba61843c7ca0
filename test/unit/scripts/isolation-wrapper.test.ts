/**
 * The isolation check's node:test stand-in (scripts/isolation/): a fixture file run under it
 * registers its tests unchanged, in reverse order at every level, or only one of them with only
 * its own describe blocks' hooks. If the wrapper lost or reordered tests wrongly, the check
 * would prove nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.resolve(import.meta.dirname, '../../..');
const fixture = 'test/fixtures/isolation/order.test.mjs';

/** Runs the fixture under the wrapper with `env`; returns what ran, in order. */
function runFixture(env: Record<string, string>): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-order-'));
  try {
    const log = path.join(dir, 'order.log');
    // NODE_TEST_CONTEXT would make the inner runner report to this one instead of running.
    const { NODE_TEST_CONTEXT: _, ...outer } = process.env;
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--import', './scripts/isolation/register.mjs', '--test', '--test-reporter=dot', fixture],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...outer, HOOKFLOW_TEST_REVERSE: '', HOOKFLOW_TEST_SELECT: '', ...env, ORDER_LOG: log },
        timeout: 60_000,
      },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
    return fs.readFileSync(log, 'utf8').trim().split('\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('unchanged: every test once, in file order, hooks first', () => {
  assert.deepEqual(runFixture({}), [
    'root before',
    'top 1',
    'outer before',
    'outer a',
    'inner before',
    'inner b',
    'inner c',
    'outer d',
    'other before',
    'other a',
    'top 2',
  ]);
});

test('HOOKFLOW_TEST_REVERSE=1: each describe body and the top level (after a top-level await too) reversed', () => {
  assert.deepEqual(runFixture({ HOOKFLOW_TEST_REVERSE: '1' }), [
    'root before',
    'top 2',
    'other before',
    'other a',
    'outer before',
    'outer d',
    'inner before',
    'inner c',
    'inner b',
    'outer a',
    'top 1',
  ]);
});

test('HOOKFLOW_TEST_SELECT: one test by its full name; the hooks of other describe blocks never run', () => {
  assert.deepEqual(runFixture({ HOOKFLOW_TEST_SELECT: JSON.stringify(['outer', 'inner', 'c']) }), [
    'root before',
    'outer before',
    'inner before',
    'inner c',
  ]);
  assert.deepEqual(
    runFixture({ HOOKFLOW_TEST_SELECT: JSON.stringify(['other', 'a']) }),
    ['root before', 'other before', 'other a'],
    'the same leaf name elsewhere is not run',
  );
});
