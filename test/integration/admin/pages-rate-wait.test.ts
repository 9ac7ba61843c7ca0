/**
 * A delivery waiting for its destination's rate limit, or for a receiver's 429 pause, says so on
 * its page (it stays queued and uses up no retry); one that is not waiting says nothing of it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { ADMIN, FormClient, startAdminHost, type AdminHost } from '../../helpers/admin-host.js';
import { enqueueTestDelivery } from '../../helpers/deliveries.js';
import { noteTooManyRequests } from '../../../module/outbound/queue/rate-buckets.js';

describeEachEngine('rate-limit waits on the delivery page', (tdb) => {
  let t: AdminHost;
  let client: FormClient;
  const db = () => tdb().db;
  const enqueue = (url: string) => enqueueTestDelivery(db(), url);
  const page = async (id: number) => (await client.get(`${ADMIN}/deliveries/${id}`)).text;

  before(async () => {
    t = await startAdminHost(db());
    client = await new FormClient(t.url).login(t.admin.email, t.admin.password);
    await t.host.hookflow.services.settings.save({ destinationRateLimits: ['limited.example 6/m'] });
  });
  after(() => t?.close());

  test('the page names the limit or the pause a due queued delivery waits for', async () => {
    // An empty bucket that refills only later: the limit is what the delivery waits for.
    await db()('hookflow_destination_rates').insert({
      destination_host: 'limited.example',
      tokens: 0,
      refilled_at: Date.now() + 600_000,
      updated_at: Date.now(),
    });
    const limited = await enqueue('https://limited.example/hook');
    assert.match(
      await page(limited),
      /data-waiting-rate>Waiting: waiting for the rate limit of limited\.example \(6\/m\)\. It stays queued and uses up no retry\./,
    );
    await noteTooManyRequests(db(), 'paused.example', 600_000, 86_400_000);
    const paused = await enqueue('https://paused.example/hook');
    assert.match(
      await page(paused),
      /data-waiting-rate>Waiting: the receiver asked to wait \(429 Retry-After\) until /,
    );
    const free = await enqueue('https://free.example/hook');
    assert.doesNotMatch(await page(free), /data-waiting-rate/);
  });
});
