import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createModuleList } from '../../../module/workflows/module-list.js';
import type { ModuleInfo } from '../../../module/host.js';

const deals = { name: 'Deals', label: 'Deals' } as unknown as ModuleInfo;
const tickets = { name: 'Tickets', label: 'Tickets' } as unknown as ModuleInfo;

/** A host whose list the test sets, counting its reads; a clock the test moves. */
function world(maxAgeMs: number) {
  const w = { clock: 0, reads: 0, listed: [deals] as ModuleInfo[], fail: false };
  const list = createModuleList({
    maxAgeMs,
    now: () => w.clock,
    listModules: async () => {
      w.reads++;
      if (w.fail) throw new Error('database gone');
      return [...w.listed];
    },
  });
  return Object.assign(w, { list });
}

test('one read serves every run inside the bound; the host is asked again once it has passed', async () => {
  const w = world(1000);
  assert.equal(await w.list.find('Deals'), deals);
  w.listed = [deals, tickets];
  w.clock = 999;
  assert.equal(await w.list.find('Tickets'), undefined, 'still the first read');
  assert.equal(w.reads, 1);
  w.clock = 1000;
  assert.equal(await w.list.find('Tickets'), tickets, 'the bound has passed: the new module is seen');
  assert.equal(w.reads, 2);
});

test('runs starting together share one read in flight', async () => {
  const w = world(1000);
  const found = await Promise.all([w.list.find('Deals'), w.list.find('Deals'), w.list.find('Nope')]);
  assert.deepEqual(found, [deals, deals, undefined]);
  assert.equal(w.reads, 1);
});

test('a module the host stops listing is not found once the bound has passed', async () => {
  const w = world(500);
  assert.equal(await w.list.find('Deals'), deals);
  w.listed = [];
  w.clock = 500;
  assert.equal(await w.list.find('Deals'), undefined);
});

test('a failed read is not kept: the next run asks the host again', async () => {
  const w = world(1000);
  w.fail = true;
  await assert.rejects(w.list.find('Deals'), /database gone/);
  w.fail = false;
  assert.equal(await w.list.find('Deals'), deals, 'inside the bound, yet asked again');
  assert.equal(w.reads, 2);
});

test('maxAgeMs 0 asks the host on every run', async () => {
  const w = world(0);
  await w.list.find('Deals');
  await w.list.find('Deals');
  assert.equal(w.reads, 2);
});
