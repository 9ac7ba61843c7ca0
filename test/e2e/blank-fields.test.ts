/**
 * Web lead forms with blank fields (issue 18.1), in headless Chromium against `npm start`'s server
 * with its demo workflows and permission (test/helpers/browser-world.ts + host/seed-workflows.ts).
 * A real HTML page on another origin posts to the short URL the way a browser does: an empty
 * input is sent as `email=`. A blank field is "not given" — the demo lead is created without it,
 * and an update form leaves the record's stored value alone — unless the admin set that row to
 * "if empty: send it empty" on the task form, which then clears the field. The admin reads each
 * outcome on the run log page: the run succeeded, `$env` shows the blanks as "(empty)", and the
 * task's result lists only the fields it wrote. Each test makes its own records, so it passes
 * alone or in any order.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { ADMIN, startBrowserWorld, type BrowserWorld } from '../helpers/browser-world.js';
import { seedDemoPermission, seedDemoWorkflows } from '../../host/seed-workflows.js';

let w: BrowserWorld;

before(async () => {
  w = await startBrowserWorld();
  // What `npm start` seeds (host/cli.ts): the "Web lead form" workflow and its loopback permission.
  await seedDemoWorkflows(w.server.host.hookflow, {
    accountingUrl: 'https://accounting.example/invoices',
    thankYouUrl: '/demo/thank-you',
    ownerUserId: w.server.seed!.admin.id,
  });
  await seedDemoPermission(w.server.host.hookflow);
});
after(async () => {
  await w?.close();
});

/** Serves `html` as a page of another site (another origin than the CRM), as a web developer would; closed after the test. */
async function formSite(t: TestContext, html: string): Promise<string> {
  const site = http.createServer((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><meta charset="utf-8"><title>Contact us</title>${html}`);
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        site.close(() => r());
        site.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(site.address() as AddressInfo).port}/contact`;
}

async function api(method: string, url: string, body: unknown): Promise<any> {
  const res = await fetch(`${w.server.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${w.server.seed!.credentials.admin.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status >= 200 && res.status < 300, `${method} ${url}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** Opens the newest run of `workflowId` (for `recordId`, if given) from the run log page, once it has finished. */
async function openRun(page: Page, workflowId: number, recordId?: number): Promise<void> {
  const log = `${w.server.url}${ADMIN}/runs?workflowId=${workflowId}${recordId ? `&recordId=${recordId}` : ''}`;
  await w.waitFor(page, log, 'tbody tr:has(.badge:text-is("succeeded")), tbody tr:has(.badge:text-is("failed"))');
  await Promise.all([page.waitForURL(/\/runs\/\d+$/), page.locator('tbody tr').first().locator('a').first().click()]);
}

/** `$env` on the run page as name → shown value. */
async function envShown(page: Page): Promise<Record<string, string>> {
  return page
    .locator('dl.kv')
    .last()
    .evaluate((dl) => {
      const out: Record<string, string> = {};
      dl.querySelectorAll('dt').forEach((dt) => {
        out[dt.textContent ?? ''] = dt.nextElementSibling?.textContent ?? '';
      });
      return out;
    });
}

test('the demo lead form posted from a web page with every optional field blank creates the lead without them; the run log shows it', async (t) => {
  const lastname = `Lovelace-${crypto.randomBytes(3).toString('hex')}`;
  const site = await formSite(
    t,
    `
    <form method="post" action="${w.server.url}/wf?trigger=leadform&amp;record_id=0">
      <label>First name <input name="firstname"></label>
      <label>Last name <input name="lastname" required></label>
      <label>Street <input name="street"></label>
      <label>Email <input name="email" type="email"></label>
      <button type="submit">Send</button>
    </form>`,
  );
  const page = await w.anonymous(t);
  await page.goto(site);
  await page.fill('input[name=lastname]', lastname);
  const [posted] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && r.url().includes('/wf?')),
    page.waitForURL(`${w.server.url}/demo/thank-you`),
    page.click('button[type=submit]'),
  ]);
  assert.equal(
    posted.postData(),
    `firstname=&lastname=${lastname}&street=&email=`,
    'the browser sends the blank inputs as empty values',
  );
  assert.match((await page.locator('h1').textContent()) ?? '', /Thank you!/, 'the visitor is thanked, no 500');

  const leads = await w.server.host.services.records.list('Leads', { limit: 200 });
  const lead = leads.records.find((l) => l.fields.lastname === lastname);
  assert.ok(lead, 'the lead exists');
  assert.deepEqual(
    lead.fields,
    { lastname, source: 'Web form' },
    'blank fields are not given: left unset, not written as ""',
  );

  const admin = await w.loggedIn(t);
  const workflow = (await w.server.host.hookflow.services.store.list()).find((wf) => wf.title === 'Web lead form')!;
  await openRun(admin, workflow.id);
  assert.match((await admin.locator('h1').textContent()) ?? '', /succeeded/);
  assert.equal(await admin.locator('.run-failure').count(), 0);
  const env = await envShown(admin);
  assert.equal(env.lastname, lastname);
  for (const blank of ['firstname', 'street', 'email'])
    assert.equal(env[blank], '(empty)', `$env.${blank} is there, said to be empty`);
  const tasks = (await admin.locator('.attempts').textContent()) ?? '';
  assert.match(tasks, /1\. Create the lead[\s\S]*succeeded[\s\S]*2\. Thank the visitor[\s\S]*succeeded/);
  assert.match(tasks, new RegExp(`"recordId": ${lead.id}`), 'the created lead is on the run');
  await w.shot(admin, 'blank-fields-lead-run');

  // The lead in the CRM, as the admin sees it: the blank fields are empty, not "".
  await admin.goto(`${w.server.url}/records/Leads/${lead.id}`);
  assert.match((await admin.locator('tr:has(th:text-is("Email")) td').textContent()) ?? '', /^—$/);
});

test('an update form: a blank field leaves the stored value; a row the admin set to "send it empty" clears its field', async (t) => {
  const tag = crypto.randomBytes(3).toString('hex');
  const triggerName = `lead-update-${tag}`;
  const { record: lead } = await api('POST', '/api/records/Leads', {
    fields: { lastname: `Hopper-${tag}`, email: 'grace@example.com', company: 'US Navy', phone: '555-0000' },
  });
  const { workflow } = await api('POST', `${ADMIN}/api/workflows`, {
    module: 'Leads',
    title: `Update a lead from the web (${tag})`,
    status: 'active',
    trigger: 'http',
    triggerName,
    tasks: [
      {
        type: 'update_record',
        title: 'Update the lead',
        options: {
          fields: [
            { field: 'email', value: '$env.email' },
            { field: 'phone', value: '$env.phone' },
            { field: 'company', value: '$env.company' },
          ],
        },
      },
    ],
  });
  const { workflows, permissions } = w.server.host.hookflow.services;
  const workflowId: number = workflow.id;
  t.after(async () => {
    await workflows.setStatus(workflowId, 'inactive');
  });
  const { permission } = await permissions.create({
    title: `update form ${tag}`,
    triggerName,
    sources: ['127.0.0.1', '::1'],
  });
  t.after(() => permissions.remove(permission.id));

  // The admin says on the task form that an empty company means "clear it".
  const admin = await w.loggedIn(t);
  const taskId = (await w.server.host.hookflow.services.store.require(workflowId)).tasks[0].id;
  await admin.goto(`${w.server.url}${ADMIN}/workflows/${workflowId}/tasks/${taskId}`);
  const companyRow = admin
    .locator('[data-rows=fields] .row')
    .filter({ has: admin.locator('select[name=fieldName] option[value=company][selected]') });
  assert.equal(await companyRow.locator('select[name=fieldBlank]').inputValue(), 'leave_unset', 'the default');
  await companyRow.locator('select[name=fieldBlank]').selectOption({ label: 'if empty: send it empty' });
  await Promise.all([admin.waitForURL(/notice=task-saved/), admin.click('button:has-text("Save task")')]);
  const rows = (
    (await w.server.host.hookflow.services.store.require(workflowId)).tasks[0].options as {
      fields: Array<{ field: string; whenBlank: string }>;
    }
  ).fields;
  assert.deepEqual(
    rows.map((r) => [r.field, r.whenBlank]),
    [
      ['email', 'leave_unset'],
      ['phone', 'leave_unset'],
      ['company', 'send_empty'],
    ],
  );

  const site = await formSite(
    t,
    `
    <form method="post" action="${w.server.url}/wf?trigger=${triggerName}&amp;record_id=${lead.id}">
      <label>Email <input name="email" type="email"></label>
      <label>Phone <input name="phone"></label>
      <label>Company <input name="company"></label>
      <button type="submit">Update my details</button>
    </form>`,
  );
  const visitor = await w.anonymous(t);
  await visitor.goto(site);
  await visitor.fill('input[name=phone]', '555-0100');
  const [answer] = await Promise.all([
    visitor.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/wf?')),
    visitor.click('button[type=submit]'),
  ]);
  assert.equal(answer.status(), 200, await answer.text());
  assert.equal(answer.request().postData(), 'email=&phone=555-0100&company=');

  const stored = await w.server.host.services.records.get('Leads', lead.id);
  assert.equal(stored?.fields.email, 'grace@example.com', 'a blank email leaves the stored one');
  assert.equal(stored?.fields.phone, '555-0100');
  assert.equal(stored?.fields.company, '', '"send it empty" cleared the company');

  await openRun(admin, workflowId, lead.id);
  assert.match((await admin.locator('h1').textContent()) ?? '', /succeeded/);
  const env = await envShown(admin);
  assert.deepEqual([env.email, env.phone, env.company], ['(empty)', '555-0100', '(empty)']);
  const result = (await admin.locator('.attempts').textContent()) ?? '';
  assert.match(result, /1\. Update the lead[\s\S]*succeeded/);
  assert.match(result, /"fields": \[\s*"phone",\s*"company"\s*\]/, 'the task wrote phone and company only');
  await w.shot(admin, 'blank-fields-update-run');
});
