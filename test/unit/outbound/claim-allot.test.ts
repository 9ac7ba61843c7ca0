import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { allotByHost, type ClaimCandidate } from '../../../module/outbound/queue/claim-allot.js';

const c = (id: number, host: string): ClaimCandidate => ({ id, host });
const none = new Map<string, number>();

describe('allotByHost (which due deliveries one claim leases)', () => {
  test('takes candidates in order up to the limit when every host has room', () => {
    assert.deepEqual(allotByHost([c(1, 'a'), c(2, 'b'), c(3, 'a'), c(4, 'c')], none, 4, 3), [1, 2, 3]);
  });

  test('a host gets at most cap minus what it already has in flight; later hosts fill the rest', () => {
    const candidates = [c(1, 'slow'), c(2, 'slow'), c(3, 'slow'), c(4, 'slow'), c(5, 'ok'), c(6, 'ok')];
    assert.deepEqual(allotByHost(candidates, new Map([['slow', 2]]), 3, 10), [1, 5, 6]);
  });

  test('a full host gets nothing, however old its deliveries', () => {
    assert.deepEqual(allotByHost([c(1, 'slow'), c(2, 'slow'), c(3, 'ok')], new Map([['slow', 3]]), 3, 10), [3]);
  });

  test('counts what this claim takes, not only what was in flight before', () => {
    const many = Array.from({ length: 10 }, (_, i) => c(i + 1, 'a'));
    assert.deepEqual(allotByHost(many, none, 4, 16), [1, 2, 3, 4]);
  });

  test('over-full hosts (e.g. after the cap was lowered) and a zero limit take nothing', () => {
    assert.deepEqual(allotByHost([c(1, 'a')], new Map([['a', 9]]), 4, 16), []);
    assert.deepEqual(allotByHost([c(1, 'a')], none, 4, 0), []);
  });

  test('host:port are different destinations', () => {
    assert.deepEqual(
      allotByHost(
        [c(1, 'x.example:8080'), c(2, 'x.example'), c(3, 'x.example:8080')],
        new Map([['x.example:8080', 1]]),
        2,
        10,
      ),
      [1, 2],
    );
  });

  test("a host's rate-limit tokens bound what it gets; a host without tokens listed is unlimited", () => {
    const candidates = [c(1, 'a'), c(2, 'a'), c(3, 'b'), c(4, 'a'), c(5, 'b'), c(6, 'c'), c(7, 'c')];
    assert.deepEqual(
      allotByHost(
        candidates,
        none,
        4,
        10,
        new Map([
          ['a', 2],
          ['b', 0],
        ]),
      ),
      [1, 2, 6, 7],
    );
    assert.deepEqual(allotByHost(candidates, none, 4, 10, new Map([['a', 0.9]])), [3, 5, 6, 7], 'whole tokens only');
    assert.deepEqual(allotByHost(candidates, none, 1, 10, new Map([['a', 5]])), [1, 3, 6], 'the cap still binds');
  });
});
