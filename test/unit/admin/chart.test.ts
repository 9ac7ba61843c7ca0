import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOUR_MS, bucketByHour, buildChart, niceMax } from '../../../module/admin/pages/chart.js';

const now = Date.UTC(2026, 10, 23, 14, 30); // Mon 23 Nov 2026, 14:30 UTC
const hourOf = (ms: number) => Math.floor(ms / HOUR_MS);

test('bucketByHour: 168 hourly buckets ending with the current hour, counts by status', () => {
  const b = bucketByHour(
    [
      { hour: hourOf(now), status: 'success', count: 3 },
      { hour: hourOf(now), status: 'failed', count: 1 },
      { hour: hourOf(now) - 167, status: 'queued', count: 2 },
      { hour: hourOf(now) - 168, status: 'success', count: 9 }, // outside the window
      { hour: hourOf(now) + 1, status: 'success', count: 9 }, // the future
      { hour: hourOf(now), status: 'bogus', count: 5 },
    ],
    now,
  );
  assert.equal(b.length, 168);
  assert.equal(b[167].startMs, Date.UTC(2026, 10, 23, 14));
  assert.deepEqual(b[167].counts, { queued: 0, dispatched: 0, held: 0, success: 3, failed: 1, discarded: 0 });
  assert.equal(b[167].total, 4);
  assert.deepEqual(b[0].counts, { queued: 2, dispatched: 0, held: 0, success: 0, failed: 0, discarded: 0 });
  assert.equal(
    b.reduce((s, x) => s + x.total, 0),
    6,
  );
});

test('niceMax gives an axis top whose half is whole', () => {
  assert.deepEqual([0, 1, 2, 3, 5, 10, 11, 39, 41, 101].map(niceMax), [2, 2, 2, 4, 10, 10, 20, 40, 100, 200]);
});

test('buildChart stacks bars per hour, scales to the max, labels days and hovers only non-empty hours', () => {
  const buckets = bucketByHour(
    [
      { hour: hourOf(now), status: 'success', count: 3 },
      { hour: hourOf(now), status: 'failed', count: 1 },
    ],
    now,
  );
  const c = buildChart(buckets, { width: 840, height: 200 });
  assert.equal(c.max, 4);
  assert.equal(c.total, 4);
  assert.deepEqual(
    c.bars.map((b) => b.status),
    ['success', 'failed'],
  );
  const [ok, bad] = c.bars;
  assert.equal(ok.y + ok.height, c.bottom, 'success sits on the axis');
  assert.ok(Math.abs(bad.y + bad.height - ok.y) < 0.2, 'failed is stacked on top');
  assert.ok(Math.abs(ok.height - 3 * bad.height) < 0.3, 'heights are proportional');
  assert.equal(c.hovers.length, 1);
  assert.match(c.hovers[0].title, /^2026-11-23 14:00 UTC — 3 success, 1 failed$/);
  assert.deepEqual(
    c.yTicks.map((t) => t.label),
    ['0', '2', '4'],
  );
  assert.ok(c.xLabels.length >= 6 && c.xLabels.every((l) => /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) \d+$/.test(l.label)));
  assert.ok(
    c.xLabels.every((l) => l.x + 44 <= 840),
    'no label runs off the right edge',
  );
});

test('an empty week draws no bars', () => {
  const c = buildChart(bucketByHour([], now));
  assert.equal(c.bars.length, 0);
  assert.equal(c.total, 0);
});
