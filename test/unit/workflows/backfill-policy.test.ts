/** The pure rules of record sweeps (workflows/backfill-policy.ts), rule by rule. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CrmRecord } from '../../../module/host.js';
import {
  BURST_MS,
  BackfillFilter,
  creditAfter,
  nextRunTime,
  planSweepStep,
  runsAllowed,
  sweepConditionProblems,
  sweepMatches,
  sweepProgress,
} from '../../../module/workflows/backfill-policy.js';
import { ConditionSet } from '../../../module/workflows/conditions.js';

const rec = (id: number, fields: Record<string, unknown> = {}, at = '2026-06-01T00:00:00Z'): CrmRecord => ({
  id,
  module: 'Deals',
  ownerUserId: 1,
  fields,
  createdAt: at,
  updatedAt: at,
});
const wfWith = (conditions: unknown[], join: 'all' | 'any' = 'all') => ({
  conditions: ConditionSet.parse({ join, conditions }),
});

test('rate: a full burst is BURST_MS worth, then one run per 60000/rate ms', () => {
  const now = 1_000_000;
  assert.equal(runsAllowed(60, now - BURST_MS, now), 5);
  assert.equal(runsAllowed(60, now - 10 * BURST_MS, now), 5, 'idle time banks no more than the burst');
  assert.equal(runsAllowed(60, now, now), 0);
  assert.equal(runsAllowed(60, now - 2999, now), 2, 'whole runs only');
  assert.equal(runsAllowed(600, now - 1000, now), 10);
  const credit = creditAfter(60, now - BURST_MS, now, 5);
  assert.equal(credit, now, 'spending the burst brings the credit to now');
  assert.equal(runsAllowed(60, credit, now), 0);
  assert.equal(nextRunTime(60, credit, now), now + 1000, 'the next run in one interval');
  assert.equal(creditAfter(60, now - 60 * BURST_MS, now, 1), now - BURST_MS + 1000, 'old credit is cut to the burst');
  assert.equal(nextRunTime(60, now - BURST_MS, now), now, 'never in the past');
  assert.equal(runsAllowed(1, now - 10 * 60_000, now), 1, 'a rate slower than the burst still banks one run');
  assert.equal(runsAllowed(1, creditAfter(1, now - 10 * 60_000, now, 1), now + 59_999), 0);
});

test('a step queues matches up to the allowance and stops just before the next match', () => {
  const page = [rec(3, { won: true }), rec(5, { won: false }), rec(7, { won: true }), rec(9, { won: true })];
  const won = (r: CrmRecord) => r.fields.won === true;
  const step = planSweepStep(page, 0, 4, 2, won);
  assert.deepEqual(
    step.queue.map((r) => r.id),
    [3, 7],
  );
  assert.equal(step.cursor, 7, 'the unmatched 5 and the matched 7 are behind the cursor, 9 is not');
  assert.equal(step.scanned, 3);
  assert.equal(step.exhausted, false);
  const rest = planSweepStep(page.slice(3), 7, 4, 10, won);
  assert.deepEqual(
    rest.queue.map((r) => r.id),
    [9],
  );
  assert.equal(rest.exhausted, true, 'a short page walked to its end ends the sweep');
});

test('a full page walked to its end does not end the sweep; ids at or below the cursor are never looked at', () => {
  const page = [rec(1), rec(2), rec(3)];
  const step = planSweepStep(page, 2, 3, 10, () => true);
  assert.deepEqual(
    step.queue.map((r) => r.id),
    [3],
    'a host that ignored afterId does not make the sweep look back',
  );
  assert.equal(step.exhausted, false);
  assert.equal(planSweepStep([], 9, 3, 10, () => true).exhausted, true);
  const none = planSweepStep(page, 0, 3, 0, () => true);
  assert.deepEqual(none.queue, []);
  assert.equal(none.cursor, 0, 'no allowance: no progress past a match');
});

test('matching: current values only, since on created or updated, related conditions left to the run', () => {
  const won = wfWith([{ field: 'stage', op: 'equals', value: 'Won' }]);
  assert.equal(sweepMatches(won, rec(1, { stage: 'Won' }), null), true);
  assert.equal(sweepMatches(won, rec(1, { stage: 'Lost' }), null), false);
  const r = { ...rec(1, { stage: 'Won' }), createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-06-01T00:00:00Z' };
  const since = (s: string, sinceField: 'createdAt' | 'updatedAt') => BackfillFilter.parse({ since: s, sinceField });
  assert.equal(sweepMatches(won, r, since('2026-05-01', 'updatedAt')), true);
  assert.equal(sweepMatches(won, r, since('2026-05-01', 'createdAt')), false);
  assert.equal(sweepMatches(won, r, BackfillFilter.parse({})), true, 'no since: all');
  const related = wfWith([{ field: 'account_id.name', op: 'equals', value: 'Acme' }]);
  assert.equal(sweepMatches(related, rec(1, { account_id: 4 }), null), true, 'the run checks it when it starts');
});

test('changed* conditions are refused, naming each, in plain words', () => {
  const problems = sweepConditionProblems(
    wfWith([
      { field: 'stage', op: 'equals', value: 'Won' },
      { field: 'stage', op: 'changed_to', value: 'Won' },
      { field: 'amount', op: 'changed' },
      { field: 'owner', op: 'changed_from', value: 'x' },
    ]),
  );
  assert.deepEqual(Object.keys(problems), ['conditions.1.op', 'conditions.2.op', 'conditions.3.op']);
  assert.match(problems['conditions.1.op'], /stage uses “changed to”, which only a change can meet/);
  assert.deepEqual(sweepConditionProblems(wfWith([{ field: 'stage', op: 'is_not_empty' }])), {});
  assert.throws(() => BackfillFilter.parse({ since: 'soon' }));
  assert.throws(() => BackfillFilter.parse({ sinse: '2026-01-01' }), 'strict: unknown keys are errors');
});

test('progress: total, remaining and percent while open and once stopped', () => {
  const runs = { queued: 3, running: 1, succeeded: 4, failed: 1, skipped: 1 };
  const open = sweepProgress({ status: 'running', expected: 20, queued: 10 }, runs);
  assert.deepEqual(open, { total: 20, succeeded: 4, failed: 1, skipped: 1, inProgress: 4, remaining: 10, percent: 30 });
  const more = sweepProgress({ status: 'running', expected: 5, queued: 10 }, runs);
  assert.equal(more.total, 10, 'records added meanwhile raise the total');
  const cancelled = sweepProgress({ status: 'cancelled', expected: 20, queued: 10 }, runs);
  assert.equal(cancelled.total, 10);
  assert.equal(cancelled.remaining, 0);
  const empty = { queued: 0, running: 0, succeeded: 0, failed: 0, skipped: 0 };
  assert.equal(sweepProgress({ status: 'finished', expected: 0, queued: 0 }, empty).percent, 100);
  assert.equal(sweepProgress({ status: 'running', expected: 0, queued: 0 }, empty).percent, 0);
});
