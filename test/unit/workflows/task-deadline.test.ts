/**
 * Every task type runs under a timeout of its own, bounded by the lease at start-up; a task past
 * it fails, a lost lease stops the wait at once, and no timer is left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LEASE_BOUND_TIMEOUTS, resolveSettings } from '../../../module/config.js';
import { createTaskRegistry } from '../../../module/workflows/tasks/index.js';
import { runWithinDeadline, TaskTimeoutError, taskTimeoutOf } from '../../../module/workflows/task-deadline.js';
import { LeaseLostError } from '../../../module/storage/lease-heartbeat.js';

const never = () => new Promise<never>(() => undefined);

test('each task type names its timeout setting, and start-up bounds the lease by every one of them', () => {
  const settings = resolveSettings({ mailTimeoutMs: 20_000, recordCallTimeoutMs: 7000 });
  const timeouts = Object.fromEntries(
    [...createTaskRegistry().values()].map((def) => [def.id, taskTimeoutOf(def, settings)]),
  );
  assert.deepEqual(timeouts.send_email, { setting: 'mailTimeoutMs', ms: 20_000 });
  assert.deepEqual(timeouts.create_record, { setting: 'recordCallTimeoutMs', ms: 7000 });
  assert.deepEqual(timeouts.update_record, { setting: 'recordCallTimeoutMs', ms: 7000 });
  for (const [id, { setting }] of Object.entries(timeouts))
    assert.ok(
      (LEASE_BOUND_TIMEOUTS as readonly string[]).includes(setting),
      `${id}: ${setting} is checked against leaseSeconds`,
    );
  assert.equal(
    taskTimeoutOf({}, settings).setting,
    'recordCallTimeoutMs',
    'a type without one gets the record-call timeout',
  );
});

test('a webhook waiting for its answer gets the answer timeout on top of its own', () => {
  const settings = resolveSettings({ recordCallTimeoutMs: 7000 });
  const webhook = createTaskRegistry().get('webhook')!;
  const options = (o: object) => webhook.options.parse({ url: 'https://acct.example/x', ...o });
  assert.deepEqual(taskTimeoutOf(webhook, settings, options({})), { setting: 'recordCallTimeoutMs', ms: 7000 });
  assert.deepEqual(taskTimeoutOf(webhook, settings, options({ waitForAnswer: true, answerTimeoutMs: 20_000 })), {
    setting: 'recordCallTimeoutMs',
    ms: 27_000,
  });
});

test('a task past its timeout fails naming the setting; its signal is aborted', async () => {
  let seen: AbortSignal | null = null;
  await assert.rejects(
    runWithinDeadline({ setting: 'mailTimeoutMs', ms: 20 }, new AbortController().signal, (signal) => {
      seen = signal;
      return never();
    }),
    (err: Error) => err instanceof TaskTimeoutError && err.message === 'timed out after 20 ms (mailTimeoutMs)',
  );
  assert.equal(seen!.aborted, true, 'a task that takes the signal can stop its own work');
});

test('a lost lease stops the wait at once with the LeaseLostError; a finished task clears its timer', async () => {
  const lease = new AbortController();
  const waiting = runWithinDeadline({ setting: 'recordCallTimeoutMs', ms: 60_000 }, lease.signal, () => never());
  lease.abort(new LeaseLostError('lease lost: test'));
  await assert.rejects(waiting, LeaseLostError);
  await assert.rejects(
    runWithinDeadline({ setting: 'recordCallTimeoutMs', ms: 60_000 }, lease.signal, async () => 'never started'),
    LeaseLostError,
    'no task starts once the lease is lost',
  );
  // A 60 s timer left behind would keep this test file's process alive for a minute.
  assert.equal(
    await runWithinDeadline(
      { setting: 'recordCallTimeoutMs', ms: 60_000 },
      new AbortController().signal,
      async () => 'ok',
    ),
    'ok',
  );
  await assert.rejects(
    runWithinDeadline({ setting: 'recordCallTimeoutMs', ms: 60_000 }, new AbortController().signal, async () => {
      throw new Error('refused');
    }),
    /refused/,
  );
});
