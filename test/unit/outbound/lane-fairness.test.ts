import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createAnswerMemory,
  laneConcurrency,
  SLOW_AFTER_MS,
  slowHostsInFlight,
  slowLaneRoom,
  unprovenShare,
} from '../../../module/outbound/lane-fairness.js';
import { allotByHost, type ClaimCandidate } from '../../../module/outbound/queue/claim-allot.js';

const r = (host: string, startedAtMs: number) => ({ host, startedAtMs });

describe('lane fairness rules', () => {
  test('a destination is slow once one of its requests is in flight longer than SLOW_AFTER_MS', () => {
    const inFlight = [r('a', 0), r('b', 500), r('a', 900)];
    assert.deepEqual([...slowHostsInFlight(inFlight, SLOW_AFTER_MS)], []);
    assert.deepEqual([...slowHostsInFlight(inFlight, SLOW_AFTER_MS + 1)], ['a']);
    assert.deepEqual([...slowHostsInFlight(inFlight, SLOW_AFTER_MS + 501)].sort(), ['a', 'b']);
  });
  test('slow destinations hold at most half the lanes, at least one', () => {
    assert.equal(slowLaneRoom(8, [r('a', 0), r('a', 0), r('ok', 0)], new Set(['a'])), 2);
    assert.equal(slowLaneRoom(8, [r('a', 0), r('b', 0), r('c', 0), r('d', 0), r('e', 0)], new Set('abcde')), 0);
    assert.equal(slowLaneRoom(1, [], new Set(['a'])), 1);
    assert.equal(unprovenShare(8), 2);
    assert.equal(unprovenShare(2), 1);
  });
  test('stuck requests add lanes for the others, at most as many again', () => {
    const stuck = Array.from({ length: 12 }, () => r('h', 0));
    assert.equal(laneConcurrency(8, stuck, SLOW_AFTER_MS), 8, 'not stuck yet');
    assert.equal(laneConcurrency(8, stuck.slice(0, 3), SLOW_AFTER_MS + 1), 11);
    assert.equal(laneConcurrency(8, stuck, SLOW_AFTER_MS + 1), 16);
  });
  test('a destination answers when a request of it ended within SLOW_AFTER_MS; forgotten after a while', () => {
    const memory = createAnswerMemory(10_000);
    memory.noteEnded(r('fast', 0), 100);
    memory.noteEnded(r('slow', 0), SLOW_AFTER_MS + 1);
    assert.deepEqual([...memory.answering(200)], ['fast']);
    assert.deepEqual([...memory.answering(20_000)], []);
  });
});

describe('allotByHost with lane fairness', () => {
  const c = (id: number, host: string): ClaimCandidate => ({ id, host });
  const candidates = [c(1, 'hang'), c(2, 'hang'), c(3, 'hang'), c(4, 'new'), c(5, 'new'), c(6, 'ok'), c(7, 'ok')];
  test('slow destinations only within their room; unproven ones up to their cap; proven ones up to the host cap', () => {
    const slow = { hosts: new Set(['hang']), room: 1, proven: new Set(['ok']), unprovenCap: 1 };
    assert.deepEqual(allotByHost(candidates, new Map(), 4, 10, new Map(), slow), [1, 4, 6, 7]);
    const noRoom = { ...slow, room: 0 };
    assert.deepEqual(allotByHost(candidates, new Map(), 4, 10, new Map(), noRoom), [4, 6, 7]);
  });
  test("the unproven cap counts this worker's own requests, not other workers'", () => {
    const two = [c(1, 'new'), c(2, 'new'), c(3, 'new')];
    const lanes = { hosts: new Set<string>(), room: Infinity, proven: new Set<string>(), unprovenCap: 2 };
    // Another worker has 3 in flight to it (the database count); this one has none: it may take 2.
    assert.deepEqual(allotByHost(two, new Map([['new', 3]]), 16, 10, new Map(), { ...lanes, own: new Map() }), [1, 2]);
    assert.deepEqual(
      allotByHost(two, new Map([['new', 3]]), 16, 10, new Map(), { ...lanes, own: new Map([['new', 1]]) }),
      [1],
    );
  });
});
