import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  CronSchedule,
  Schedule,
  checkCron,
  checkTimeZone,
  midnightIn,
  nextCronSlot,
  planKeyOf,
  plannedState,
  relativeSlot,
  slotAfterFiring,
  type RelativeSchedule,
} from '../../../module/workflows/schedule-policy.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const relative = (over: Partial<RelativeSchedule> = {}): RelativeSchedule => ({
  kind: 'relative',
  field: 'close_date',
  amount: 2,
  unit: 'days',
  direction: 'before',
  timeZone: 'UTC',
  ...over,
});

describe('checkCron (5 fields, parsed by croner)', () => {
  test('a valid 5-field expression passes', () => {
    assert.equal(checkCron('0 8 * * 1-5'), null);
    assert.equal(checkCron('*/15 * * * *'), null);
  });
  test('4 or 6 fields are refused, naming the 5 fields', () => {
    assert.match(checkCron('0 8 * *')!, /must have 5 fields/);
    assert.match(checkCron('0 0 8 * * *')!, /must have 5 fields/);
  });
  test('an out-of-range value does not parse', () => {
    assert.match(checkCron('61 8 * * *')!, /does not parse/);
    assert.match(checkCron('0 8 * * nope')!, /does not parse/);
  });
});

describe('checkTimeZone', () => {
  test('IANA zones pass, anything else is named', () => {
    assert.equal(checkTimeZone('Europe/Berlin'), null);
    assert.equal(checkTimeZone('UTC'), null);
    assert.match(checkTimeZone('Mars/Olympus')!, /unknown time zone Mars\/Olympus/);
  });
});

describe('nextCronSlot (the first slot strictly after the given time)', () => {
  test('in UTC', () => {
    assert.equal(
      iso(nextCronSlot({ cron: '0 8 * * *', timeZone: 'UTC' }, at('2026-03-01T07:59:00Z'))),
      '2026-03-01T08:00:00.000Z',
    );
  });
  test('a slot exactly at the given time is not the next one', () => {
    assert.equal(
      iso(nextCronSlot({ cron: '0 8 * * *', timeZone: 'UTC' }, at('2026-03-01T08:00:00Z'))),
      '2026-03-02T08:00:00.000Z',
    );
  });
  test('in the schedule time zone, across a DST change', () => {
    const s = { cron: '0 8 * * *', timeZone: 'Europe/Berlin' };
    assert.equal(iso(nextCronSlot(s, at('2026-03-28T12:00:00Z'))), '2026-03-29T06:00:00.000Z');
    assert.equal(iso(nextCronSlot(s, at('2026-03-27T12:00:00Z'))), '2026-03-28T07:00:00.000Z');
  });
});

describe('slotAfterFiring (downtime catches up once)', () => {
  test('cron: the next slot after NOW, however many slots were missed', () => {
    const s = Schedule.parse({ kind: 'cron', cron: '0 * * * *' });
    assert.equal(iso(slotAfterFiring(s, at('2026-03-01T10:30:00Z'))), '2026-03-01T11:00:00.000Z');
  });
  test('relative: fires once, then nothing', () => {
    assert.equal(slotAfterFiring(relative(), at('2026-03-01T10:30:00Z')), null);
  });
});

describe('midnightIn', () => {
  test('midnight in the zone, in and out of summer time', () => {
    assert.equal(iso(midnightIn(2026, 1, 15, 'Europe/Berlin')), '2026-01-14T23:00:00.000Z');
    assert.equal(iso(midnightIn(2026, 7, 15, 'Europe/Berlin')), '2026-07-14T22:00:00.000Z');
    assert.equal(iso(midnightIn(2026, 7, 1, 'America/New_York')), '2026-07-01T04:00:00.000Z');
  });
  test('days overflow into the next month', () => {
    assert.equal(iso(midnightIn(2026, 1, 32, 'UTC')), '2026-02-01T00:00:00.000Z');
  });
});

describe('relativeSlot (a date is midnight in the schedule zone)', () => {
  test('days before a date count calendar days', () => {
    assert.equal(iso(relativeSlot(relative(), '2026-04-01')), '2026-03-30T00:00:00.000Z');
    const berlin = relative({ timeZone: 'Europe/Berlin' });
    assert.equal(iso(relativeSlot(berlin, '2026-04-01')), '2026-03-29T22:00:00.000Z');
  });
  test('hours and minutes after a date count from its midnight', () => {
    assert.equal(
      iso(relativeSlot(relative({ unit: 'hours', amount: 9, direction: 'after' }), '2026-04-01')),
      '2026-04-01T09:00:00.000Z',
    );
    assert.equal(
      iso(relativeSlot(relative({ unit: 'minutes', amount: 30 }), '2026-04-01')),
      '2026-03-31T23:30:00.000Z',
    );
  });
  test('a full ISO date-time is that instant', () => {
    assert.equal(
      iso(relativeSlot(relative({ unit: 'hours', amount: 1 }), '2026-04-01T12:00:00Z')),
      '2026-04-01T11:00:00.000Z',
    );
  });
  test('empty, not a date, or no such day: nothing planned', () => {
    for (const v of [null, undefined, '', '  ', 'soon', 42, '2026-02-30'])
      assert.equal(relativeSlot(relative(), v), null, String(v));
  });
});

describe('plannedState', () => {
  test('a slot planned in the future is pending; one already past when planned is done', () => {
    assert.equal(plannedState(2000, 1000), 'pending');
    assert.equal(plannedState(1000, 1000), 'pending');
    assert.equal(plannedState(999, 1000), 'done');
  });
});

describe('planKeyOf', () => {
  test('changes with every part of the schedule, not with whitespace around the cron', () => {
    const cron = CronSchedule.parse({ kind: 'cron', cron: '0 8 * * *' });
    assert.equal(planKeyOf(cron), planKeyOf({ ...cron, cron: ' 0 8 * * * ' }));
    assert.notEqual(planKeyOf(cron), planKeyOf({ ...cron, timeZone: 'Europe/Berlin' }));
    assert.notEqual(planKeyOf(relative()), planKeyOf(relative({ amount: 3 })));
    assert.notEqual(planKeyOf(relative()), planKeyOf(relative({ direction: 'after' })));
  });
  test('the schedule schema is strict', () => {
    assert.equal(Schedule.safeParse({ kind: 'cron', cron: '0 8 * * *', extra: 1 }).success, false);
  });
});
