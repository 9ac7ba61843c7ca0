import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  scheduleFormView,
  scheduleValuesFrom,
  scheduleValuesFromForm,
  toScheduleInput,
} from '../../../module/admin/pages/schedule-form.js';

const relativePost = {
  scheduleKind: 'relative',
  scheduleAmount: '3',
  scheduleUnit: 'hours',
  scheduleDirection: 'after',
  scheduleField: 'close_date',
  scheduleTimeZone: ' Europe/Berlin ',
};

describe('schedule form', () => {
  test('a relative post becomes the service input; the amount is a number', () => {
    assert.deepEqual(toScheduleInput(scheduleValuesFromForm(relativePost), 'schedule'), {
      kind: 'relative',
      field: 'close_date',
      amount: 3,
      unit: 'hours',
      direction: 'after',
      timeZone: 'Europe/Berlin',
    });
  });
  test('a cron post keeps only cron, zone and "for every matching record"; any other trigger posts no schedule', () => {
    const v = scheduleValuesFromForm({ scheduleKind: 'cron', scheduleCron: '0 8 * * *', scheduleTimeZone: '' });
    assert.deepEqual(toScheduleInput(v, 'schedule'), {
      kind: 'cron',
      cron: '0 8 * * *',
      timeZone: 'UTC',
      forEachRecord: false,
    });
    assert.equal(toScheduleInput(v, 'record.updated'), null);
    const each = scheduleValuesFromForm({
      scheduleKind: 'cron',
      scheduleCron: '0 8 * * *',
      scheduleForEachRecord: '1',
    });
    assert.equal((toScheduleInput(each, 'schedule') as { forEachRecord: boolean }).forEachRecord, true);
    assert.equal(
      scheduleValuesFrom({ kind: 'cron', cron: '0 8 * * *', timeZone: 'UTC', forEachRecord: true }).forEachRecord,
      true,
    );
  });
  test('a stored schedule comes back as the values it was posted with', () => {
    const input = toScheduleInput(scheduleValuesFromForm(relativePost), 'schedule') as never;
    assert.deepEqual(scheduleValuesFrom(input), { ...scheduleValuesFromForm(relativePost), cron: '' });
  });
  test('the view offers only date fields, keeps an unknown one chosen, and shows while it has an error', () => {
    const mod = {
      name: 'Deals',
      label: 'Deals',
      fields: [
        { name: 'close_date', label: 'Close date', type: 'date' as const },
        { name: 'amount', label: 'Amount', type: 'number' as const },
      ],
    };
    const view = scheduleFormView(scheduleValuesFromForm({ ...relativePost, scheduleField: 'amount' }), mod, {
      'schedule.field': 'amount is a number field, not a date',
    });
    assert.deepEqual(
      view.fields.map((f) => [f.value, f.selected]),
      [
        ['', false],
        ['close_date', false],
        ['amount', true],
      ],
    );
    assert.equal(view.show, true);
    assert.equal(view.errors.field, 'amount is a number field, not a date');
  });
});
