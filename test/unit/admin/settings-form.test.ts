import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HookflowSettings } from '../../../module/config.js';
import {
  errorsBySetting,
  formatDurations,
  parseDurations,
  settingsPatchFromForm,
  valuesFromSettings,
} from '../../../module/admin/pages/settings-form.js';

const defaults = HookflowSettings.parse({});

test('durations are written and read like "1h, 90m, 30s"', () => {
  assert.equal(formatDurations([3600, 7200, 14400]), '1h, 2h, 4h');
  assert.equal(formatDurations([5400, 30, 86400]), '90m, 30s, 1d');
  assert.deepEqual(parseDurations('1h, 90m 30s 2d 45'), { ok: [3600, 5400, 30, 172800, 45] });
  assert.deepEqual(parseDurations(''), { ok: [] });
  assert.match((parseDurations('1h, soon') as { error: string }).error, /"soon" is not a duration/);
  assert.match((parseDurations('-5s') as { error: string }).error, /not a duration/);
});

test('the form of the current settings posts back as an empty patch', () => {
  const { patch, errors } = settingsPatchFromForm(valuesFromSettings(defaults), defaults);
  assert.deepEqual(errors, {});
  assert.deepEqual(patch, {});
});

test('only changed settings are in the patch, each in its schema type', () => {
  const form = {
    ...valuesFromSettings(defaults),
    retrySchedule: '30s, 5m',
    maxConcurrency: ' 32 ',
    outboundAllowlist: '10.0.0.0/8\n\n192.168.1.0/24\n',
    retryJitter: '0.2',
  };
  const { patch, errors } = settingsPatchFromForm(form, defaults);
  assert.deepEqual(errors, {});
  assert.deepEqual(patch, {
    retrySchedule: [30, 300],
    maxConcurrency: 32,
    outboundAllowlist: ['10.0.0.0/8', '192.168.1.0/24'],
    retryJitter: 0.2,
  });
  assert.ok(HookflowSettings.partial().safeParse(patch).success);
});

test('bad values are named per setting before anything is saved', () => {
  const form = {
    ...valuesFromSettings(defaults),
    maxConcurrency: 'lots',
    outboundAllowlist: '10.0.0.0/8\n0.0.0.0/0',
    trustedProxies: 'proxy.example',
    retryJitter: 'x',
  };
  const { errors } = settingsPatchFromForm(form, defaults);
  assert.equal(errors.maxConcurrency, 'must be a whole number');
  assert.match(errors.outboundAllowlist, /entry 2 .* would allow every address/);
  assert.match(errors.trustedProxies, /"proxy\.example"/);
  assert.match(errors.retryJitter, /must be a number/);
});

test('zod paths map to their setting', () => {
  assert.deepEqual(errorsBySetting({ 'retrySchedule.1': 'too big', maxConcurrency: 'too small' }), {
    retrySchedule: 'too big',
    maxConcurrency: 'too small',
  });
});
