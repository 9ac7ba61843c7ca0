/**
 * The log and access pages over real HTTP in the reference host: the webhook log (filters,
 * pagination, masked headers, attempts, Resend, bulk resend), the runs log ($env masked,
 * Re-run), the overview counts and chart, and HTTP handler permissions (normalised sources,
 * token shown once, address check, refused requests, examples).
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, describeEachEngine } from '../../helpers/engines.js';
import { dbNowMs } from '../../../module/storage/engine.js';
import { enqueueDelivery } from '../../../module/outbound/queue/enqueue.js';
import {
  ADMIN,
  FormClient,
  startAdminHost,
  startReceiver,
  type AdminHost,
  type Receiver,
} from '../../helpers/admin-host.js';

describeEachEngine('admin log and access pages', (tdb) => {
  let t: AdminHost;
  let rx: Receiver;
  let client: FormClient;
  let workflowId = 0;
  const hf = () => t.host.hookflow;
  // Retries of this file's workflow made due at once (other queued rows stay as they are).
  const drain = async () => {
    for (let i = 0; i < 3; i++) {
      await hf().worker.drain();
      await tdb()
        .db('hookflow_deliveries')
        .where({ status: 'queued', workflow_id: workflowId })
        .update({ next_attempt_at: 0 });
    }
  };

  /**
   * A host on an empty database of the test's own, for what the shared one cannot show (an
   * empty log, exact counts): the other tests of this file leave rows in it.
   */
  async function emptyHost(tc: TestContext): Promise<{ db: AdminHost['host']['context']['db']; client: FormClient }> {
    const empty = await createTestDatabase(tdb().engine);
    let host: AdminHost | undefined;
    tc.after(async () => {
      await host?.close();
      await empty.destroy();
    });
    host = await startAdminHost(empty.db);
    return { db: empty.db, client: await new FormClient(host.url).login(host.admin.email, host.admin.password) };
  }

  before(async () => {
    rx = await startReceiver();
    t = await startAdminHost(tdb().db);
    client = await new FormClient(t.url).login(t.admin.email, t.admin.password);
    await hf().services.settings.save({ outboundAllowlist: ['127.0.0.1/32'], retrySchedule: [1], retryJitter: 0 });
    const wf = await hf().services.workflows.create(
      {
        module: 'Deals',
        title: 'Deal hook',
        status: 'active',
        trigger: 'record.created',
        tasks: [
          {
            type: 'webhook',
            title: 'Post deal',
            options: {
              url: rx.url,
              params: [{ name: 'title', value: '{{record.title}}' }],
              headers: [{ name: 'X-Api-Key', value: 'k-very-secret' }],
            },
          },
        ],
      },
      t.admin.id,
    );
    workflowId = wf.id;
  });

  after(async () => {
    await t?.close();
    await rx?.close();
  });

  test('empty logs tell the admin what to do next', async (tc) => {
    const { client: fresh } = await emptyHost(tc);
    assert.match((await fresh.get(`${ADMIN}/deliveries`)).text, /No webhook deliveries yet/);
    assert.match((await fresh.get(`${ADMIN}/runs`)).text, /No runs yet/);
    assert.match((await fresh.get(`${ADMIN}/permissions`)).text, /Nobody may call the short URL yet/);
  });

  test('webhook log: filters, masked headers, every attempt, Resend and bulk resend', async () => {
    rx.status = 500;
    const deal = await t.host.services.records.create('Deals', { title: 'Rocket skates' }, { actorUserId: t.admin.id });
    await drain();
    const failed = await client.get(`${ADMIN}/deliveries?status=failed&recordId=${deal.id}`);
    assert.equal(failed.status, 200);
    const id = Number(/href="\/settings\/hookflow\/deliveries\/(\d+)"/.exec(failed.text)?.[1]);
    assert.ok(id > 0, 'the failed delivery is listed');
    assert.match(failed.text, /badge badge-failed/);
    assert.doesNotMatch((await client.get(`${ADMIN}/deliveries?status=success`)).text, new RegExp(`deliveries/${id}"`));
    assert.match((await client.get(`${ADMIN}/deliveries?recordId=${deal.id}`)).text, new RegExp(`deliveries/${id}"`));
    assert.doesNotMatch(
      (await client.get(`${ADMIN}/deliveries?recordId=${deal.id + 1000}`)).text,
      new RegExp(`deliveries/${id}"`),
    );

    const detail = await client.get(`${ADMIN}/deliveries/${id}`);
    assert.ok(!detail.text.includes('k-very-secret'), 'secret-looking header values are masked');
    assert.match(detail.text, /X-Api-Key<\/dt><dd class="mono break">••••/);
    assert.equal((detail.text.match(/<li class="attempt is-bad">/g) ?? []).length, 2, 'both attempts are shown');
    assert.match(detail.text, /receiver is down/, 'response excerpt');
    assert.match(detail.text, /&quot;title&quot;: &quot;Rocket skates&quot;/, 'the body, escaped');

    rx.status = 200;
    const resent = await client.submit(`${ADMIN}/deliveries/${id}`, `${ADMIN}/deliveries/${id}/resend`, {});
    assert.equal(resent.status, 303);
    assert.equal(resent.location, `${ADMIN}/deliveries/${id}?notice=resent`, 'the same delivery is queued again');
    assert.doesNotMatch(
      (await client.get(`${ADMIN}/deliveries/${id}`)).text,
      /<button class="button" type="submit">Resend<\/button>/,
      'no Resend while it is queued',
    );
    await drain();
    const again = await client.get(`${ADMIN}/deliveries/${id}`);
    assert.match(again.text, /Delivery #\d+ <span class="badge badge-success">/);
    assert.match(again.text, new RegExp(`Resent by Ada Admin <time`), 'who resent it, and when');
    assert.match(again.text, new RegExp(`Attempt 3</strong> <span class="muted small">resend asked for by Ada Admin`));
    assert.match(
      (await client.get(`${ADMIN}/deliveries?recordId=${deal.id}`)).text,
      new RegExp(`resent by Ada Admin <time`),
    );

    rx.status = 500;
    await t.host.services.records.create('Deals', { title: 'Second skates' }, { actorUserId: t.admin.id });
    await drain();
    rx.status = 200;
    const bulk = await client.submit(`${ADMIN}/deliveries`, `${ADMIN}/deliveries/resend-failed`, {
      since: '2000-01-01T00:00',
      workflowId: String(workflowId),
    });
    assert.equal(bulk.status, 303);
    assert.match(bulk.location ?? '', /notice=bulk-resent-skipped/, 'the first one was resent and delivered already');
    await drain();
    assert.equal(
      Number(
        (
          await tdb()
            .db('hookflow_deliveries')
            .where({ status: 'success', workflow_id: workflowId })
            .count({ n: '*' })
            .first()
        )?.n,
      ),
      2,
    );
    const repeat = await client.submit(`${ADMIN}/deliveries`, `${ADMIN}/deliveries/resend-failed`, {
      since: '2000-01-01T00:00',
      workflowId: String(workflowId),
    });
    assert.match(repeat.location ?? '', /notice=bulk-none/, 'a repeated bulk resend queues nothing');
    const none = await client.submit(`${ADMIN}/deliveries`, `${ADMIN}/deliveries/resend-failed`, {
      since: '2999-01-01T00:00',
    });
    assert.match(none.location ?? '', /notice=bulk-none/);
  });

  test('webhook log pagination keeps the filters', async (tc) => {
    const ids: number[] = [];
    tc.after(() => tdb().db('hookflow_deliveries').whereIn('id', ids).delete());
    for (let i = 0; i < 27; i++) {
      ids.push(
        (
          await enqueueDelivery(tdb().db, {
            webhookId: `msg_page${i}`,
            runId: null,
            workflowId: null,
            taskId: null,
            eventType: 'record.created',
            module: 'Deals',
            recordId: 999,
            method: 'POST',
            url: 'https://example.com/x',
            headers: {},
            contentType: null,
            body: null,
            originKey: null,
          })
        ).id,
      );
    }
    // Log rows only: never due, so no drain of another test sends them.
    await tdb().db('hookflow_deliveries').whereIn('id', ids).update({ next_attempt_at: Number.MAX_SAFE_INTEGER });
    const first = await client.get(`${ADMIN}/deliveries?recordId=999`);
    assert.match(first.text, /1–25 of 27/);
    const olderId = [...ids].reverse()[24];
    const older = `deliveries\\?recordId&#x3D;999&amp;before&#x3D;${olderId}&amp;from&#x3D;26" rel="next"`;
    assert.match(first.text, new RegExp(`href="/settings/hookflow/${older}`));
    const second = await client.get(`${ADMIN}/deliveries?recordId=999&before=${olderId}&from=26`);
    assert.match(second.text, /26–27 of 27/);
  });

  test('overview counts the last 24 hours and draws the chart', async (tc) => {
    const { db, client: fresh } = await emptyHost(tc);
    const now = await dbNowMs(db);
    const logged = async (status: string, createdAt: number) => {
      const id = (
        await enqueueDelivery(db, {
          webhookId: `msg_${status}_${createdAt}_${Math.random()}`,
          runId: null,
          workflowId: null,
          taskId: null,
          eventType: 'record.created',
          module: 'Deals',
          recordId: 1,
          method: 'POST',
          url: 'https://example.com/x',
          headers: {},
          contentType: null,
          body: null,
          originKey: null,
        })
      ).id;
      await db('hookflow_deliveries').where({ id }).update({ status, created_at: createdAt, finished_at: createdAt });
    };
    await logged('success', now - 60_000);
    await logged('success', now - 23 * 3600_000);
    await logged('success', now - 30 * 3600_000); // in the chart, not in the last 24 hours
    await logged('failed', now - 60_000);
    const page = await fresh.get(`${ADMIN}/`);
    assert.match(page.text, /<span class="stat">2<\/span><span class="badge badge-success">/);
    assert.match(page.text, /<rect class="bar bar-success"/);
    assert.match(page.text, /<rect class="bar bar-failed"/);
  });

  test('runs log: $env masked, per-task results, Re-run of a failed run', async () => {
    const wf = await hf().services.workflows.create(
      {
        module: 'Deals',
        title: 'Needs a record',
        status: 'active',
        trigger: 'http',
        tasks: [{ type: 'update_record', title: 'Touch', options: { fields: [{ field: 'stage', value: 'Won' }] } }],
      },
      t.admin.id,
    );
    const started = await hf().services.runs.start({
      workflow: wf,
      recordId: null,
      env: { firstname: 'Ada', password: 'hunter2-secret', api_key: 'k-123' },
      source: 'manual',
      mode: 'sync',
      actorUserId: t.admin.id,
    });
    const page = await client.get(`${ADMIN}/runs/${started.runId}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /badge badge-failed/);
    assert.match(page.text, /this run has no record to update/);
    assert.ok(page.text.includes('Ada'));
    for (const secret of ['hunter2-secret', 'k-123']) assert.ok(!page.text.includes(secret), `${secret} is masked`);
    const list = await client.get(`${ADMIN}/runs?status=failed&workflowId=${wf.id}`);
    assert.match(list.text, new RegExp(`href="/settings/hookflow/runs/${started.runId}"`));
    const rerun = await client.submit(`${ADMIN}/runs/${started.runId}`, `${ADMIN}/runs/${started.runId}/rerun`, {});
    assert.equal(rerun.status, 303);
    const newId = Number(/runs\/(\d+)\?notice=rerun/.exec(rerun.location ?? '')?.[1]);
    assert.ok(newId > started.runId);
    assert.match(
      (await client.get(`${ADMIN}/runs/${newId}`)).text,
      new RegExp(`re-run of <a href="/settings/hookflow/runs/${started.runId}">`),
    );
  });

  test('permissions: sources validated per line and shown normalised, token once, address check, refused requests, examples', async () => {
    const form = {
      title: 'Website form',
      targetKind: 'workflow',
      workflowId: String(workflowId),
      triggerName: '',
      token: 'generate',
      enabled: '1',
      rateLimitPerMinute: '',
      honeypotField: 'website',
      runAsUserId: '',
    };
    const bad = await client.submit(`${ADMIN}/permissions/new`, `${ADMIN}/permissions`, {
      ...form,
      sources: '127.0.0.1\n300.1.2.3\n10.0.0.0/8',
    });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /Line 2: &quot;300\.1\.2\.3&quot;/);
    assert.ok(bad.text.includes('300.1.2.3\n10.0.0.0/8</textarea>'), 'the lines are kept');

    const saved = await client.submit(`${ADMIN}/permissions/new`, `${ADMIN}/permissions`, {
      ...form,
      sources: '  127.0.0.1 \n10.0.0.0/8\n',
    });
    assert.equal(saved.status, 200, 'the token page');
    const token = /id="token" class="mono" type="text" readonly value="([^"]+)"/.exec(saved.text)?.[1];
    assert.ok(token && token.length > 20, 'the token is shown once');
    const list = await client.get(`${ADMIN}/permissions`);
    assert.match(list.text, /<div>127\.0\.0\.1<\/div><div>10\.0\.0\.0\/8<\/div>/, 'normalised sources');
    assert.ok(!list.text.includes(token!), 'the token is not shown again');
    const id = Number(/href="\/settings\/hookflow\/permissions\/(\d+)"/.exec(list.text)?.[1]);
    const detail = await client.get(`${ADMIN}/permissions/${id}`);
    assert.ok(!detail.text.includes(token!));
    assert.match(
      detail.text,
      /&lt;form method&#x3D;&quot;post&quot; action&#x3D;&quot;http:\/\/crm\.test\/wf\/YOUR_TOKEN\?workflow_id&#x3D;/,
      'the HTML form snippet, escaped',
    );
    assert.match(detail.text, /curl -sS -X POST/);

    const allow = await client.get(`${ADMIN}/permissions?ip=10.1.2.3&target=w%3A${workflowId}`);
    assert.match(
      allow.text,
      /badge badge-allow">Allow<\/span>\s*<span class="mono">10\.1\.2\.3<\/span> matches <span class="mono">10\.0\.0\.0\/8<\/span>/,
    );
    const deny = await client.get(`${ADMIN}/permissions?ip=8.8.8.8`);
    assert.match(deny.text, /badge badge-deny">Deny/);

    const refused = await fetch(`${t.url}/wf?trigger=nosuchtrigger&record_id=0`, {
      method: 'POST',
      body: new URLSearchParams({ a: '1' }),
    });
    assert.equal(refused.status, 403);
    const withRefusal = await client.get(`${ADMIN}/permissions`);
    assert.match(
      withRefusal.text,
      /<td class="primary mono" data-label="Address">127\.0\.0\.1<\/td><td class="mono small" data-label="Target">trigger nosuchtrigger<\/td><td data-label="Answer"><span class="badge badge-failed">403<\/span><\/td>/,
    );
  });
});
