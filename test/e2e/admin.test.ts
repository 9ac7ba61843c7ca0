/**
 * The admin pages in headless Chromium against `npm start`'s server (test/helpers/browser-world.ts):
 * the demo admin logs in and allowlists the receiver on the settings page; builds a deal workflow
 * with a webhook action through the forms; a permission for 127.0.0.1 and its HTML form snippet,
 * served from another origin, start an HTTP workflow; a form without its CSRF token is refused; a
 * non-admin gets 403. Deliveries and failure alerts: deliveries.test.ts. Each test logs in in a
 * browser context of its own and makes what it needs, so it also passes alone or in any order.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN, PASSWORD, startBrowserWorld, type BrowserWorld } from '../helpers/browser-world.js';

let w: BrowserWorld;

before(async () => {
  w = await startBrowserWorld();
  // The receiver is on 127.0.0.1 (the settings test saves this through the page itself).
  await w.server.host.hookflow.services.settings.save({
    outboundAllowlist: ['127.0.0.1/32'],
    retrySchedule: [1],
    retryJitter: 0,
  });
});
after(async () => {
  await w?.close();
});

test('the demo admin logs in and allowlists the receiver on the settings page', async (t) => {
  const settings = w.server.host.hookflow.services.settings;
  t.after(() => settings.save({ outboundAllowlist: ['127.0.0.1/32'], retrySchedule: [1], retryJitter: 0 }));
  await settings.save({ outboundAllowlist: [], retrySchedule: [3600] }); // what the page must change
  const page = await w.anonymous(t);
  await page.goto(`${w.server.url}${ADMIN}/`);
  assert.match(page.url(), /\/login\?next=/, 'sent to the login page');
  await page.fill('#email', 'admin@example.com');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(`${w.server.url}${ADMIN}/`), page.click('button[type=submit]')]);
  assert.equal(await page.locator('h1').first().textContent(), 'Overview');

  await page.click('nav.tabs >> text=Settings');
  await page.fill('#s-outboundAllowlist', '127.0.0.1/32');
  await page.fill('#s-retrySchedule', '1s');
  await page.fill('#s-retryJitter', '0');
  await Promise.all([page.waitForURL(/notice=settings-saved/), page.click('button:has-text("Save settings")')]);
  assert.match((await page.locator('.notice').textContent()) ?? '', /Settings saved/);
  assert.equal(await page.inputValue('#s-outboundAllowlist'), '127.0.0.1/32');
  assert.deepEqual([settings.get().outboundAllowlist, settings.get().retrySchedule], [['127.0.0.1/32'], [1]], 'stored');
  await w.shot(page, 'settings');
});

test('a deal workflow with a webhook action is built through the forms', async (t) => {
  const page = await w.loggedIn(t);
  await page.goto(`${w.server.url}${ADMIN}/workflows`);
  await w.shot(page, 'workflows-empty');
  await page.click('text=New workflow');
  await page.check('input[name=module][value=Deals]');
  await page.click('button:has-text("Continue")');
  await page.fill('#title', 'Send new deals to accounting');
  await page.selectOption('#trigger', 'record.created');
  await page.selectOption('#status', 'active');
  await page.locator('select[name=condField]').first().selectOption('stage');
  await page.locator('select[name=condOp]').first().selectOption('equals');
  await page.locator('select[name=condValue]').first().selectOption('Prospecting'); // a picklist: its options to choose from
  await Promise.all([page.waitForURL(/notice=created/), page.click('button:has-text("Create workflow")')]);
  const workflowId = Number(/\/workflows\/(\d+)/.exec(page.url())?.[1]);

  await page.selectOption('#type', 'webhook');
  await page.click('button:has-text("Add task")');
  await page.fill('#title', 'Create invoice');
  await page.fill('#url', w.rx.url);
  await page.check('input[name=auth][value=basic]');
  assert.ok(await page.isVisible('#username'), 'Basic shows the username field');
  await page.fill('#username', 'accounting');
  await page.fill('#password', 's3cret-pass');
  const names = page.locator('input[name=paramName]');
  const values = page.locator('input[name=paramValue]');
  await names.nth(0).fill('deal.title');
  await values.nth(0).fill('{{record.title}}');
  await names.nth(1).fill('deal.amount');
  await values.nth(1).fill('$record.amount');
  await page.click('button:has-text("+ Add parameter")');
  assert.equal(await names.count(), 4, 'the script adds a row');
  await page.locator('input[name=headerName]').first().fill('X-Api-Key');
  await page.locator('input[name=headerValue]').first().fill('key-123');
  await w.shot(page, 'webhook-form');
  await page.setViewportSize({ width: 390, height: 844 });
  await w.shot(page, 'webhook-form-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
  await Promise.all([page.waitForURL(/notice=task-saved/), page.click('button:has-text("Save task")')]);
  assert.match(
    (await page.locator('.task-list').textContent()) ?? '',
    /Create invoice[\s\S]*POST http:\/\/127\.0\.0\.1:\d+\/hook · JSON · basic auth/,
  );
  await w.shot(page, 'workflow-edit');
  const stored = await w.server.host.hookflow.services.store.require(workflowId);
  assert.deepEqual(
    w.server.host.hookflow.services.store.openSecrets(stored.tasks[0]),
    { password: 's3cret-pass' },
    'the password is stored as a secret',
  );

  await page.goto(`${w.server.url}${ADMIN}/workflows`);
  await w.shot(page, 'workflows');
  await page.setViewportSize({ width: 390, height: 844 });
  await w.shot(page, 'workflows-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('a permission for 127.0.0.1: the shown HTML form, served from another origin, starts the workflow', async (t) => {
  const page = await w.loggedIn(t);
  await page.goto(`${w.server.url}${ADMIN}/workflows/new?module=Leads`);
  await page.fill('#title', 'Web lead form');
  await page.selectOption('#trigger', 'http');
  await page.selectOption('#status', 'active');
  await page.locator('input[name=envName]').first().fill('lastname');
  await Promise.all([page.waitForURL(/notice=created/), page.click('button:has-text("Create workflow")')]);
  await page.selectOption('#type', 'create_record');
  await page.click('button:has-text("Add task")');
  await page.fill('#title', 'Create the lead');
  await page.locator('select[name=fieldName]').first().selectOption('lastname');
  await page.locator('input[name=fieldValue]').first().fill('$env["lastname"]');
  await Promise.all([page.waitForURL(/notice=task-saved/), page.click('button:has-text("Save task")')]);

  await page.goto(`${w.server.url}${ADMIN}/permissions/new`);
  await page.fill('#title', 'Website lead form');
  await page.selectOption('#workflowId', { label: 'Web lead form (Leads)' });
  await page.fill('#sources', ' 127.0.0.1 ');
  await Promise.all([page.waitForURL(/notice=saved/), page.click('button:has-text("Create permission")')]);
  assert.equal(await page.inputValue('#sources'), '127.0.0.1');
  await w.shot(page, 'permission');
  const snippet = await page.locator('#ex-html').textContent();
  assert.match(
    snippet ?? '',
    /^<form method="post" action="http:\/\/localhost:\d+\/wf\?workflow_id=\d+&amp;record_id=0">/,
  );

  // The snippet pasted into a page of another site (another origin), as a web developer would.
  const site = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Contact us</title>${snippet}`);
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  try {
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/contact`);
    await page.fill('input[name=lastname]', 'Lovelace');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.match(await page.content(), /Thank you/);
  } finally {
    await new Promise<void>((r) => {
      site.close(() => r());
      site.closeAllConnections();
    });
  }
  const leads = await w.server.host.services.records.list('Leads', { limit: 50 });
  assert.ok(
    leads.records.some((l) => l.fields.lastname === 'Lovelace'),
    'the lead was created',
  );
  await page.goto(`${w.server.url}${ADMIN}/runs?source=http`);
  assert.match(
    (await page.locator('tbody tr').first().textContent()) ?? '',
    /Web lead form[\s\S]*HTTP call[\s\S]*127\.0\.0\.1/,
  );
  await page.goto(`${w.server.url}${ADMIN}/permissions?ip=127.0.0.1`);
  assert.match((await page.locator('.check-result').textContent()) ?? '', /Allow/);
  await w.shot(page, 'permissions');
});

test('a form posted without its CSRF token is refused and changes nothing', async (t) => {
  const page = await w.loggedIn(t);
  await page.evaluate(() => document.querySelectorAll('input[name=_csrf]').forEach((i) => i.remove()));
  const [response] = await Promise.all([page.waitForNavigation(), page.click('button:has-text("Switch off")')]);
  assert.equal(response?.status(), 403);
  assert.match((await page.locator('h1').textContent()) ?? '', /This form has expired/);
  await page.goto(`${w.server.url}${ADMIN}/`);
  assert.match((await page.locator('.switch-card h2').textContent()) ?? '', /Hookflow is on/);
});

test('a non-admin gets 403', async (t) => {
  const sales = w.server.seed!.credentials.sales;
  const page = await w.loggedIn(t, sales, '/');
  const res = await page.goto(`${w.server.url}${ADMIN}/workflows`);
  assert.equal(res?.status(), 403);
  assert.match(await page.content(), /This page is for CRM administrators/);
});
