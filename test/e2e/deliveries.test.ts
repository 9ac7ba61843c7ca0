/**
 * Deliveries and failure alerts in headless Chromium against `npm start`'s server
 * (test/helpers/browser-world.ts): a deal created through the host API is delivered (Success in
 * the webhook log); when the receiver fails: Failed with every attempt, the failure alert mail
 * reaches the record owner with a link that opens the delivery → Resend → Success. The deal
 * workflow is made through the service (admin.test.ts builds one through the forms).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, startBrowserWorld, type BrowserWorld } from '../helpers/browser-world.js';

const WORKFLOW = 'Send new deals to accounting';
let w: BrowserWorld;

before(async () => {
  w = await startBrowserWorld();
  // The receiver is on 127.0.0.1; a failed delivery's one retry comes a second later.
  // No digest window: each test's failure is mailed at once.
  await w.server.host.hookflow.services.settings.save({
    outboundAllowlist: ['127.0.0.1/32'],
    retrySchedule: [1],
    retryJitter: 0,
    alertWindowMinutes: 0,
  });
  await w.server.host.hookflow.services.workflows.create(
    {
      module: 'Deals',
      title: WORKFLOW,
      status: 'active',
      trigger: 'record.created',
      conditions: { join: 'all', conditions: [{ field: 'stage', op: 'equals', value: 'Prospecting' }] },
      tasks: [
        {
          type: 'webhook',
          title: 'Create invoice',
          secrets: { password: 's3cret-pass' },
          options: {
            url: w.rx.url,
            auth: 'basic',
            username: 'accounting',
            params: [
              { name: 'deal.title', value: '{{record.title}}' },
              { name: 'deal.amount', value: '$record.amount' },
            ],
            headers: [{ name: 'X-Api-Key', value: 'key-123' }],
          },
        },
      ],
    },
    null,
  );
});
after(async () => {
  await w?.close();
});

/** The receiver's requests about one deal (each test has its own deal). */
const receivedFor = (title: string) => w.rx.received.filter((r) => JSON.parse(r.body || '{}').deal?.title === title);

test('a deal created through the API is delivered: Success in the webhook log', async (t) => {
  const page = await w.loggedIn(t);
  const dealId = await w.createDeal('Rocket skates');
  await w.waitFor(page, `${w.server.url}${ADMIN}/deliveries?recordId=${dealId}`, 'tbody .badge-success');
  const [got, ...more] = receivedFor('Rocket skates');
  assert.equal(more.length, 0, 'delivered once');
  assert.deepEqual(JSON.parse(got.body).deal, { title: 'Rocket skates', amount: 1200 });
  assert.equal(got.headers.authorization, `Basic ${Buffer.from('accounting:s3cret-pass').toString('base64')}`);
  await page.click('tbody tr >> nth=0 >> a >> nth=0');
  assert.match((await page.locator('.attempts').textContent()) ?? '', /Attempt 1\s*HTTP 200/);
  assert.ok(!(await page.content()).includes('key-123'), 'the API key header is masked');
  await w.shot(page, 'delivery-success');
});

test('a failing receiver: Failed with every attempt, then Resend succeeds', async (t) => {
  const page = await w.loggedIn(t);
  w.rx.status = 500;
  t.after(() => {
    w.rx.status = 200;
  });
  const dealId = await w.createDeal('Broken skates');
  await w.waitFor(page, `${w.server.url}${ADMIN}/deliveries?status=failed&recordId=${dealId}`, 'tbody .badge-failed');
  await w.shot(page, 'deliveries');
  await page.click('tbody tr >> nth=0 >> a >> nth=0');
  const attempts = page.locator('li.attempt.is-bad');
  assert.equal(await attempts.count(), 2, 'the first attempt and the one retry');
  assert.match((await attempts.first().textContent()) ?? '', /HTTP 500/);
  await w.shot(page, 'delivery-failed');
  const deliveryUrl = page.url().replace(/\?.*$/, '');

  // The record owner (the demo admin, whose API token created the deal) is mailed at once.
  const subject = `[Hookflow] Webhook failed: ${WORKFLOW} / Create invoice (Deals #${dealId} “Broken skates”)`;
  const mail = await w.waitForMail('admin@example.com', new RegExp(`Deals #${dealId} `));
  assert.equal(mail.subject, subject);
  assert.match(mail.text, /HTTP 500/);
  const link = mail.html.match(/href="([^"]*\/deliveries\/\d+)"/)?.[1];
  assert.ok(link, 'the mail links to the delivery');
  assert.equal(new URL(link).pathname, new URL(deliveryUrl).pathname, 'the link opens the failed delivery');
  const mailView = await page.context().newPage();
  await mailView.setContent(mail.html);
  await w.shot(mailView, 'alert-mail');
  await mailView.close();
  await page.goto(`${w.server.url}${new URL(link).pathname}`);
  assert.match((await page.locator('h1').textContent()) ?? '', /Delivery #\d+ failed/);

  w.rx.status = 200;
  await Promise.all([page.waitForURL(/notice=resent/), page.click('button:has-text("Resend")')]);
  const resentUrl = page.url().replace(/\?.*$/, '');
  assert.equal(new URL(resentUrl).pathname, new URL(deliveryUrl).pathname, 'the same delivery is queued again');
  await w.waitFor(page, resentUrl, 'h1 .badge-success');
  assert.match((await page.locator('[data-resent]').textContent()) ?? '', /Resent by .+ — the same message/);
  const ids = new Set(receivedFor('Broken skates').map((r) => String(r.headers['webhook-id'])));
  assert.equal(ids.size, 1, 'the resend carries the webhook-id of the failed attempts');

  await page.goto(`${w.server.url}${ADMIN}/runs`);
  await w.shot(page, 'runs');
  await page.click('tbody tr >> nth=0 >> a >> nth=0');
  await w.shot(page, 'run');
  await page.goto(`${w.server.url}${ADMIN}/`);
  assert.ok((await page.locator('.chart rect.bar-success').count()) > 0, 'the chart shows the deliveries');
  await w.shot(page, 'overview');
  await page.setViewportSize({ width: 390, height: 844 });
  await w.shot(page, 'overview-phone');
  await page.goto(`${w.server.url}${ADMIN}/deliveries`);
  await w.shot(page, 'deliveries-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${w.server.url}${ADMIN}/permissions/new`);
  await w.shot(page, 'permission-new');
});

test('410 disables the webhook: the mail leads to Re-enable, and the deal that came meanwhile is delivered', async (t) => {
  const page = await w.loggedIn(t);
  const db = w.server.host.context.db;
  // Whatever happens below, later tests find the webhook enabled.
  t.after(async () => {
    w.rx.status = 200;
    await db('hookflow_tasks').whereNotNull('disabled_at').update({ disabled_at: null, disabled_reason: null });
  });
  w.rx.status = 410;
  const goneId = await w.createDeal('Vanished skates');
  const mail = await w.waitForMail('admin@example.com', /Webhook disabled/);
  assert.match(mail.text, /new events are held, not lost/);
  const link = mail.html.match(/href="([^"]*\/workflows\/\d+)"[^>]*>Open the workflow to fix and re-enable it/)?.[1];
  assert.ok(link, 'the mail links to the workflow');

  w.rx.status = 200;
  const heldId = await w.createDeal('Patient skates');
  await w.waitFor(page, `${w.server.url}${ADMIN}/deliveries?status=held&recordId=${heldId}`, 'tbody .badge-held');
  assert.equal(receivedFor('Patient skates').length, 0, 'held, not sent');
  await w.shot(page, 'delivery-held');

  await page.goto(`${w.server.url}${new URL(link).pathname}`);
  const banner = page.locator('.webhook-disabled');
  assert.match((await banner.textContent()) ?? '', /webhook disabled.*receiver answered 410 Gone/s);
  assert.match((await banner.textContent()) ?? '', /1 delivery is held/);
  await w.shot(page, 'workflow-webhook-disabled');
  await Promise.all([
    page.waitForURL(/notice=webhook-enabled-released/),
    banner.locator('button:has-text("Re-enable webhook")').click(),
  ]);
  assert.equal(await page.locator('.webhook-disabled').count(), 0, 'the banner is gone');
  await w.waitFor(page, `${w.server.url}${ADMIN}/deliveries?recordId=${heldId}`, 'tbody .badge-success');
  assert.equal(receivedFor('Patient skates').length, 1, 'delivered once');
  assert.equal(receivedFor('Vanished skates').length, 1, 'the 410 one was not retried');
  await w.waitFor(page, `${w.server.url}${ADMIN}/deliveries?recordId=${goneId}`, 'tbody .badge-failed');
});

test("save from the response, set up in the browser: the answer's invoice id lands on the deal, and the delivery says so", async (t) => {
  const page = await w.loggedIn(t);
  const wf = await w.server.host.hookflow.services.workflows.create(
    {
      module: 'Deals',
      title: 'Invoice numbers from accounting',
      status: 'active',
      trigger: 'record.created',
      conditions: { join: 'all', conditions: [{ field: 'title', op: 'contains', value: 'Invoiced' }] },
      tasks: [
        {
          type: 'webhook',
          title: 'Ask for an invoice',
          options: { url: w.rx.url, params: [{ name: 'deal.title', value: '{{record.title}}' }] },
        },
      ],
    },
    null,
  );
  await page.goto(`${w.server.url}${ADMIN}/workflows/${wf.id}/tasks/${wf.tasks[0].id}`);
  // The receiver answers {"ok":true,"invoice":"INV-7"}.
  await page.locator('input[name=savePath]').first().fill('$.invoice');
  await page.locator('select[name=saveField]').first().selectOption({ label: 'Invoice id' });
  await w.shot(page, 'webhook-save-from-response');
  await Promise.all([page.waitForURL(/notice=task-saved/), page.click('button:has-text("Save task")')]);
  assert.match((await page.locator('.task-list').textContent()) ?? '', /saves invoice_id from the answer/);

  const dealId = await w.createDeal('Invoiced skates');
  await w.waitFor(
    page,
    `${w.server.url}${ADMIN}/deliveries?recordId=${dealId}&workflowId=${wf.id}`,
    'tbody .badge-success',
  );
  await page.click('tbody tr >> nth=0 >> a >> nth=0');
  assert.match(
    (await page.locator('[data-write-back]').textContent()) ?? '',
    /saved invoice_id = "INV-7" on Deals record/,
  );
  await page.goto(`${w.server.url}/records/Deals/${dealId}`);
  assert.match((await page.locator('body').textContent()) ?? '', /Invoice id\s*INV-7/);
});
