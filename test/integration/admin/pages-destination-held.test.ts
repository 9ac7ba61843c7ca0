/**
 * A held destination on the pages of the reference host: the overview's "Destinations failing"
 * card says since when it fails, how many deliveries it holds and when it is tried next; a
 * waiting delivery's page says what it waits for; once a probe gets through the card is gone.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import {
  ADMIN,
  FormClient,
  startAdminHost,
  startReceiver,
  type AdminHost,
  type Receiver,
} from '../../helpers/admin-host.js';

describeEachEngine('held destination pages', (tdb) => {
  let t: AdminHost;
  let rx: Receiver;
  let client: FormClient;
  const hf = () => t.host.hookflow;
  const db = () => tdb().db;

  before(async () => {
    rx = await startReceiver();
    t = await startAdminHost(db());
    client = await new FormClient(t.url).login(t.admin.email, t.admin.password);
    // Held after one failure, probed only in an hour: the state stays put while the test looks.
    await hf().services.settings.save({
      outboundAllowlist: ['127.0.0.1/32'],
      retrySchedule: [3600],
      retryJitter: 0,
      destinationPauseAfterFailures: 1,
      destinationProbeSeconds: 3600,
      perHostConcurrency: 1, // one at a time, so arrival order is sending order
    });
  });
  after(async () => {
    await t?.close();
    await rx?.close();
  });

  test('the overview lists a failing destination with what it holds and the next probe; Try now gets through and clears it', async () => {
    await hf().services.workflows.create(
      {
        module: 'Deals',
        title: 'Accounting',
        status: 'active',
        trigger: 'record.created',
        conditions: { join: 'all', conditions: [{ field: 'title', op: 'contains', value: 'Acct' }] },
        tasks: [
          {
            type: 'webhook',
            title: 'to accounting',
            options: { url: rx.url, params: [{ name: 'title', value: '{{record.title}}' }] },
          },
        ],
      },
      t.admin.id,
    );
    rx.status = 503;
    for (const n of [1, 2, 3])
      await t.host.services.records.create('Deals', { title: `Acct ${n}` }, { actorUserId: t.admin.id });
    await hf().worker.drain();
    const host = new URL(rx.url).host;

    const overview = (await client.get(`${ADMIN}/`)).text;
    const at = overview.indexOf(`data-held-destination="${host}"`);
    assert.ok(at > 0, 'the overview lists the held destination');
    const card = overview.slice(at, overview.indexOf('</div>', at));
    assert.match(overview, /<h2>Destinations failing<\/h2>/);
    assert.match(
      card,
      new RegExp(`${host.replace('.', '\\.')}</strong> failing since <time datetime="[^"]+">[^<]+</time>, 3 held\\.`),
    );
    assert.match(card, /tries the oldest one\s+at <time/, 'when it is tried next');
    assert.match(card, /HTTP 503/);
    assert.match(card, /Try now/);

    const waiting = await db()('hookflow_deliveries')
      .where({ destination_host: host })
      .orderBy('id', 'desc')
      .first('id');
    const page = (await client.get(`${ADMIN}/deliveries/${waiting.id}`)).text;
    assert.match(page, new RegExp(`Waiting: destination ${host.replace('.', '\\.')} failing since <time`));
    const log = (await client.get(`${ADMIN}/deliveries?status=queued`)).text;
    assert.equal(
      (log.match(/data-waiting-destination>waiting: destination failing/g) ?? []).length,
      3,
      'the log marks each waiting delivery',
    );

    // The receiver is back; the admin does not wait an hour for the next probe.
    rx.status = 200;
    const before = rx.received.length;
    const tried = await client.submit(`${ADMIN}/`, `${ADMIN}/destinations/probe`, { host });
    assert.equal(tried.status, 303);
    assert.equal(tried.location, `${ADMIN}/?notice=destination-probing`);
    assert.match((await client.get(tried.location!)).text, /Trying the destination now/);
    await hf().worker.drain();
    // Oldest first = by delivery id (three saves' runs may queue their deliveries in any order).
    const byId = await db()('hookflow_deliveries')
      .where({ destination_host: host })
      .orderBy('id')
      .select('body', 'status');
    assert.deepEqual(
      rx.received.slice(before).map((r) => JSON.parse(r.body).title),
      byId.map((d) => JSON.parse(d.body).title),
      'the probe, then the rest, oldest first',
    );
    assert.deepEqual(
      byId.map((d) => d.status),
      ['success', 'success', 'success'],
    );
    assert.doesNotMatch((await client.get(`${ADMIN}/`)).text, /data-held-destination=/, 'no longer listed');
    assert.doesNotMatch((await client.get(`${ADMIN}/deliveries/${waiting.id}`)).text, /Waiting: destination/);
    const again = await client.submit(`${ADMIN}/`, `${ADMIN}/destinations/probe`, { host });
    assert.equal(again.status, 404, 'a destination that is not held cannot be tried');
  });
});
