import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MASK,
  formatDuration,
  formatTime,
  maskSensitive,
  paginate,
  periodSince,
  prettyBody,
  queryString,
} from '../../../module/admin/pages/view-models.js';

test('paginate: range text, prev/next and page links with gaps', () => {
  const href = (n: number) => `/x?page=${n}`;
  const p = paginate(260, 5, 25, href);
  assert.equal(p.from, 101);
  assert.equal(p.to, 125);
  assert.equal(p.prev, '/x?page=4');
  assert.equal(p.next, '/x?page=6');
  assert.deepEqual(
    p.pages.map((x) => ('gap' in x ? '…' : x.current ? `[${x.n}]` : String(x.n))),
    ['1', '…', '3', '4', '[5]', '6', '7', '…', '11'],
  );
  const one = paginate(3, 1, 25, href);
  assert.deepEqual([one.from, one.to, one.prev, one.next, one.pages.length], [1, 3, null, null, 0]);
  const none = paginate(0, 1, 25, href);
  assert.deepEqual([none.from, none.to], [0, 0]);
  assert.equal(paginate(30, 99, 25, href).from, 26, 'a page past the end shows the last page');
});

test('formatTime and formatDuration', () => {
  assert.equal(formatTime(Date.UTC(2026, 0, 2, 3, 4, 5)), '2026-01-02 03:04:05 UTC');
  assert.equal(formatTime(null), '');
  assert.equal(formatDuration(85), '85 ms');
  assert.equal(formatDuration(1234), '1.2 s');
  assert.equal(formatDuration(42_000), '42 s');
  assert.equal(formatDuration(185_000), '3 min 5 s');
});

test('maskSensitive masks secret-looking keys at any depth and keeps the rest', () => {
  const masked = maskSensitive({
    firstname: 'Ada',
    password: 'x',
    nested: { api_key: 'k', list: [{ token: 't', city: 'Paris' }] },
    Authorization: 'Bearer y',
    keyword: 'seo',
  });
  assert.deepEqual(masked, {
    firstname: 'Ada',
    password: MASK,
    nested: { api_key: MASK, list: [{ token: MASK, city: 'Paris' }] },
    Authorization: MASK,
    keyword: 'seo',
  });
});

test('periodSince, queryString and prettyBody', () => {
  assert.equal(periodSince('24h', 100_000_000), 100_000_000 - 86_400_000);
  assert.equal(periodSince('all', 5), undefined);
  assert.equal(periodSince('__proto__', 5), undefined);
  assert.equal(queryString({ a: 'x y', b: '', c: undefined, d: 2 }), '?a=x+y&d=2');
  assert.equal(queryString({}), '');
  assert.equal(prettyBody('{"a":1}', 'application/json'), '{\n  "a": 1\n}');
  assert.equal(prettyBody('a=1&b=2', 'application/x-www-form-urlencoded'), 'a=1&b=2');
  assert.equal(prettyBody('{broken', null), '{broken');
});
