/**
 * The log pages page by cursor: the webhook log's and the runs log's "Older" link carries
 * before=<the last row's id> and every filter, following it shows the next rows with the right
 * position, and "Newer" goes back to the same rows. Each test has a database of its own.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, describeEachEngine } from '../../helpers/engines.js';
import { enqueueDelivery } from '../../../module/outbound/queue/enqueue.js';
import { insertRun } from '../../../module/workflows/runs.js';
import { ADMIN, FormClient, startAdminHost, type AdminHost } from '../../helpers/admin-host.js';

type Db = AdminHost['host']['context']['db'];

/** The link of `rel` (next = Older, prev = Newer), unescaped as the browser reads it. */
function linkOf(html: string, rel: 'next' | 'prev'): string | null {
  const m = new RegExp(`href="([^"]*)" rel="${rel}"`).exec(html);
  return m ? m[1].replace(/&#x3D;/g, '=').replace(/&amp;/g, '&') : null;
}

/** The ids a log page links to (`/<what>/<id>"`), in page order, once each. */
function idsOn(html: string, what: string): number[] {
  const ids = [...html.matchAll(new RegExp(`href="${ADMIN}/${what}/(\\d+)"`, 'g'))].map((m) => Number(m[1]));
  return [...new Set(ids)];
}

describeEachEngine('admin log pages by cursor', (tdb) => {
  async function freshHost(tc: TestContext): Promise<{ db: Db; client: FormClient; host: AdminHost }> {
    const empty = await createTestDatabase(tdb().engine);
    let host: AdminHost | undefined;
    tc.after(async () => {
      await host?.close();
      await empty.destroy();
    });
    host = await startAdminHost(empty.db);
    return { db: empty.db, host, client: await new FormClient(host.url).login(host.admin.email, host.admin.password) };
  }

  const logged = (db: Db, recordId: number, i: number) =>
    enqueueDelivery(db, {
      webhookId: `msg_cursor_${recordId}_${i}`,
      runId: null,
      workflowId: null,
      taskId: null,
      eventType: 'record.created',
      module: 'Deals',
      recordId,
      method: 'POST',
      url: 'https://example.com/x',
      headers: {},
      contentType: null,
      body: null,
      originKey: null,
    });

  test('webhook log: Older carries before= and the filters, shows the next rows; Newer goes back', async (tc) => {
    const { db, client } = await freshHost(tc);
    const ids: number[] = [];
    for (let i = 0; i < 27; i++) {
      ids.push((await logged(db, 999, i)).id);
      await logged(db, 5, i); // another record's rows, interleaved: the filter must keep them out
    }
    await db('hookflow_deliveries').update({ next_attempt_at: Number.MAX_SAFE_INTEGER });
    const newest = [...ids].reverse();

    const first = await client.get(`${ADMIN}/deliveries?recordId=999&status=queued`);
    assert.match(first.text, /1–25 of 27/);
    assert.deepEqual(idsOn(first.text, 'deliveries'), newest.slice(0, 25));
    assert.equal(linkOf(first.text, 'prev'), null, 'the newest page has no Newer link');
    const older = linkOf(first.text, 'next');
    assert.equal(older, `${ADMIN}/deliveries?status=queued&recordId=999&before=${newest[24]}&from=26`);

    const second = await client.get(older!);
    assert.match(second.text, /26–27 of 27/);
    assert.deepEqual(idsOn(second.text, 'deliveries'), newest.slice(25));
    assert.equal(linkOf(second.text, 'next'), null, 'the oldest page has no Older link');
    const newer = linkOf(second.text, 'prev');
    assert.equal(newer, `${ADMIN}/deliveries?status=queued&recordId=999&after=${newest[25]}&from=1`);

    const back = await client.get(newer!);
    assert.match(back.text, /1–25 of 27/);
    assert.deepEqual(idsOn(back.text, 'deliveries'), newest.slice(0, 25));
    assert.equal(linkOf(back.text, 'prev'), null, 'back on the newest page');

    // An old page= link (a bookmark) still shows its page.
    assert.deepEqual(idsOn((await client.get(`${ADMIN}/deliveries?recordId=999&page=2`)).text, 'deliveries'), [
      newest[25],
      newest[26],
    ]);
  });

  test('runs log: Older carries before= and the filters, shows the next rows', async (tc) => {
    const { db, client, host } = await freshHost(tc);
    const wf = await host.host.hookflow.services.workflows.create(
      { module: 'Deals', title: 'Paged', status: 'active', trigger: 'record.created', tasks: [] },
      host.admin.id,
    );
    const run = (recordId: number, status: 'failed' | 'succeeded') =>
      insertRun(db, {
        workflowId: wf.id,
        trigger: 'record.created',
        source: 'record_event',
        module: 'Deals',
        recordId,
        status,
        mode: 'async',
        event: {},
        env: {},
      } as never);
    const ids: number[] = [];
    for (let i = 0; i < 27; i++) {
      ids.push(await run(i + 1, 'failed'));
      await run(100 + i, 'succeeded');
    }
    const newest = [...ids].reverse();

    const first = await client.get(`${ADMIN}/runs?status=failed&workflowId=${wf.id}`);
    assert.match(first.text, /1–25 of 27/);
    assert.deepEqual(idsOn(first.text, 'runs'), newest.slice(0, 25));
    const older = linkOf(first.text, 'next');
    assert.equal(older, `${ADMIN}/runs?status=failed&workflowId=${wf.id}&before=${newest[24]}&from=26`);

    const second = await client.get(older!);
    assert.match(second.text, /26–27 of 27/);
    assert.deepEqual(idsOn(second.text, 'runs'), newest.slice(25));
    assert.equal(linkOf(second.text, 'next'), null);
    assert.equal(
      linkOf(second.text, 'prev'),
      `${ADMIN}/runs?status=failed&workflowId=${wf.id}&after=${newest[25]}&from=1`,
    );
  });
});
