import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countText, cursorPager, pageRequestOf, readCursor } from '../../../module/admin/pages/cursor-pager.js';

const href = (c: { before?: number; after?: number; from?: number }) =>
  `/x?${Object.entries(c)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join('&')}`;
const facts = (over: object) => ({
  count: 25,
  total: 27,
  totalCapped: false,
  nextBefore: null,
  prevAfter: null,
  ...over,
});

test('readCursor: positive ids only, anything else ignored', () => {
  assert.deepEqual(readCursor({ before: '40', after: ' 7 ', from: '26', page: '2' }), {
    before: 40,
    after: 7,
    from: 26,
    page: 2,
  });
  for (const bad of ['0', '-3', '1.5', 'abc', '', '1e3', '9999999999999999'])
    assert.deepEqual(readCursor({ before: bad, after: bad, from: bad, page: bad }), {
      before: undefined,
      after: undefined,
      from: undefined,
      page: undefined,
    });
  assert.deepEqual(readCursor({ before: ['1', '2'] }).before, undefined, 'a repeated parameter is no cursor');
});

test('pageRequestOf: a cursor wins over an old page number, which reads as an offset', () => {
  assert.deepEqual(pageRequestOf({ page: 3 }, 25), { limit: 25, offset: 50, before: undefined, after: undefined });
  assert.deepEqual(pageRequestOf({ page: 3, before: 9 }, 25), { limit: 25, offset: 0, before: 9, after: undefined });
  assert.deepEqual(pageRequestOf({}, 25).offset, 0);
});

test('countText: thousands separated, a + when the count stopped at its cap', () => {
  assert.equal(countText(27, false), '27');
  assert.equal(countText(10_000, false), '10,000');
  assert.equal(countText(10_000, true), '10,000+');
});

test('cursorPager: the newest page is 1–25, Older carries before= and the next position', () => {
  const p = cursorPager(facts({ nextBefore: 31 }), {}, 25, href);
  assert.equal(p.info, '1–25 of 27');
  assert.equal(p.older, '/x?before=31&from=26');
  assert.equal(p.newer, null);
  assert.equal(p.links, true);
});

test('cursorPager: a later page shows the position its link carried; Newer goes back one page', () => {
  const p = cursorPager(facts({ count: 2, prevAfter: 30 }), { before: 31, from: 26 }, 25, href);
  assert.equal(p.info, '26–27 of 27');
  assert.equal(p.newer, '/x?after=30&from=1');
  assert.equal(p.older, null);
});

test('cursorPager: capped totals say 10,000+; an unknown position is not made up', () => {
  const capped = facts({ total: 10_000, totalCapped: true, nextBefore: 5, prevAfter: 80 });
  assert.equal(cursorPager(capped, { before: 81, from: 26 }, 25, href).info, '26–50 of 10,000+');
  assert.equal(cursorPager(capped, { before: 81 }, 25, href).info, '25 shown of 10,000+');
  assert.equal(cursorPager(capped, { before: 81 }, 25, href).older, '/x?before=5');
  assert.equal(
    cursorPager(facts({ total: 80, nextBefore: 5, prevAfter: 80 }), { page: 3 }, 25, href).info,
    '51–75 of 80',
  );
});

test('cursorPager: one page only has no links; an empty log shows no pager', () => {
  assert.equal(cursorPager(facts({ count: 27 }), {}, 50, href).links, false);
  assert.equal(cursorPager(facts({ count: 0, total: 0 }), {}, 25, href).total, 0);
});
