import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkedRecordLink, recordLinkOf, MAX_RECORD_LINK_LENGTH } from '../../../module/alerts/record-link.js';
import type { HostContext } from '../../../module/host.js';
import { createMemoryLogger } from '../../helpers/test-host.js';

const BASE = 'https://crm.example';

test('absolute http(s) links pass; paths resolve against the base URL', () => {
  assert.equal(checkedRecordLink('https://crm.example/records/Deals/5', BASE), 'https://crm.example/records/Deals/5');
  assert.equal(checkedRecordLink('http://other.example/r?id=5', BASE), 'http://other.example/r?id=5');
  assert.equal(checkedRecordLink('/records/Deals/5', BASE), 'https://crm.example/records/Deals/5');
  assert.equal(checkedRecordLink(' /records/Deals/5 ', BASE), 'https://crm.example/records/Deals/5');
});

test('anything a browser should not be sent to is no link', () => {
  for (const bad of [
    null,
    undefined,
    5,
    {},
    '',
    '   ',
    'javascript:alert(1)',
    'data:text/html,x',
    'mailto:a@b.c',
    'ftp://crm.example/x',
    'http://',
    `https://crm.example/${'x'.repeat(MAX_RECORD_LINK_LENGTH)}`,
  ]) {
    assert.equal(checkedRecordLink(bad, BASE), null, String(bad).slice(0, 40));
  }
});

test('recordLinkOf: no recordUrl, no record, a throw or a bad answer all mean no link', () => {
  const logger = createMemoryLogger();
  const host = (recordUrl?: HostContext['recordUrl']) => ({ baseUrl: BASE, recordUrl }) as unknown as HostContext;
  assert.equal(recordLinkOf(host(), logger, 'Deals', 5), null);
  assert.equal(
    recordLinkOf(
      host((m, id) => `/records/${m}/${id}`),
      logger,
      'Deals',
      5,
    ),
    'https://crm.example/records/Deals/5',
  );
  assert.equal(
    recordLinkOf(
      host(() => '/x'),
      logger,
      null,
      5,
    ),
    null,
    'no module',
  );
  assert.equal(
    recordLinkOf(
      host(() => '/x'),
      logger,
      'Deals',
      null,
    ),
    null,
    'no record',
  );
  assert.equal(
    recordLinkOf(
      host(() => null),
      logger,
      'Deals',
      5,
    ),
    null,
  );
  assert.equal(
    recordLinkOf(
      host(() => 'javascript:alert(1)'),
      logger,
      'Deals',
      5,
    ),
    null,
  );
  assert.equal(
    recordLinkOf(
      host(() => {
        throw new Error('host down');
      }),
      logger,
      'Deals',
      5,
    ),
    null,
  );
  assert.match(JSON.stringify(logger.entries), /host down/, 'a throwing host is logged');
});
