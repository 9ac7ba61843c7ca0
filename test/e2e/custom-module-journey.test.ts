/**
 * Issue 20, the whole way through in headless Chromium against `npm start`'s server
 * (test/helpers/browser-world.ts): the admin defines a custom module on the CRM's
 * /settings/modules page, creates a record in it from the CRM's record form, builds a Hookflow
 * workflow for that module on the admin pages (on record updated, a webhook to a real receiver
 * with a field template), edits the record on the CRM's pages — the receiver gets the field's new
 * value — then deletes the module with its records, and the workflow is flagged on the workflows
 * page.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, startBrowserWorld, type BrowserWorld } from '../helpers/browser-world.js';
import { waitFor } from '../helpers/wait.js';

let w: BrowserWorld;

before(async () => {
  w = await startBrowserWorld();
  await w.server.host.hookflow.services.settings.save({
    outboundAllowlist: ['127.0.0.1/32'],
    retrySchedule: [1],
    retryJitter: 0,
  });
});
after(async () => {
  await w?.close();
});

test('a custom module from the settings page: record, workflow, webhook with the field, then deleted and flagged', async (t) => {
  const page = await w.loggedIn(t, undefined, '/settings/modules');
  await page.fill('#name', 'Vessels');
  await page.fill('#label', 'Vessels');
  await page.fill('#fields', 'title | Vessel name | text\nport | Port of call | picklist | Hamburg, Rotterdam');
  await Promise.all([page.waitForURL(/created=Vessels/), page.click('button:has-text("Create module")')]);
  assert.match((await page.locator('.notice').textContent()) ?? '', /Module Vessels created/);

  // A record of it, from the CRM's own pages.
  await page.goto(`${w.server.url}/`);
  await page.locator('tr:has-text("Vessels")').locator('text=New record').click();
  await page.fill('#f_title', 'MS Hookflow');
  await page.selectOption('#f_port', 'Hamburg');
  await Promise.all([page.waitForURL(/\/records\/Vessels\/\d+$/), page.click('button:has-text("Create record")')]);
  const recordUrl = page.url();
  assert.match((await page.locator('table').textContent()) ?? '', /Port of call\s*Hamburg/);

  // A workflow for the module, on the admin pages.
  await page.goto(`${w.server.url}${ADMIN}/workflows`);
  await page.click('text=New workflow');
  await page.check('input[name=module][value=Vessels]');
  await page.click('button:has-text("Continue")');
  await page.fill('#title', 'Tell the harbour');
  await page.selectOption('#trigger', 'record.updated');
  await page.selectOption('#status', 'active');
  await Promise.all([page.waitForURL(/notice=created/), page.click('button:has-text("Create workflow")')]);
  await page.selectOption('#type', 'webhook');
  await page.click('button:has-text("Add task")');
  await page.fill('#title', 'Port call');
  await page.fill('#url', w.rx.url);
  await page.locator('input[name=paramName]').nth(0).fill('port');
  await page.locator('input[name=paramValue]').nth(0).fill('{{record.port}}');
  await page.locator('input[name=paramName]').nth(1).fill('vessel');
  await page.locator('input[name=paramValue]').nth(1).fill('{{record.title}}');
  await Promise.all([page.waitForURL(/notice=task-saved/), page.click('button:has-text("Save task")')]);

  // The record edited on the CRM's pages: the receiver gets the field's new value.
  const before = w.rx.received.length;
  await page.goto(recordUrl);
  await page.click('text=Edit this record');
  await page.selectOption('#f_port', 'Rotterdam');
  await Promise.all([page.waitForURL(recordUrl), page.click('button:has-text("Save record")')]);
  assert.match((await page.locator('table').textContent()) ?? '', /Port of call\s*Rotterdam/);
  await waitFor('the webhook', 30_000, () => w.rx.received.length > before);
  const body = JSON.parse(w.rx.received[before]!.body) as Record<string, unknown>;
  assert.equal(body.port, 'Rotterdam');
  assert.equal(body.vessel, 'MS Hookflow');
  await w.shot(page, 'custom-module-record');

  // Deleted from its settings page, records and all; the workflow is flagged, not lost.
  await page.goto(`${w.server.url}/settings/modules`);
  await page.locator('tr:has-text("Vessels")').locator('text=Edit or delete').click();
  await page.click('button:has-text("Delete module")');
  assert.match(
    (await page.locator('.error').textContent()) ?? '',
    /Vessels still has 1 record; tick "Also delete its records"/,
  );
  await w.shot(page, 'custom-module-edit');
  await page.check('input[name=force]');
  await Promise.all([page.waitForURL(/deleted=Vessels/), page.click('button:has-text("Delete module")')]);
  assert.equal(await page.locator('tr:has-text("Vessels")').count(), 0, 'no longer listed');
  await page.goto(`${w.server.url}${ADMIN}/workflows`);
  const row = page.locator('tr:has-text("Tell the harbour")');
  assert.match((await row.textContent()) ?? '', /module no longer exists/);
  await w.shot(page, 'custom-module-deleted');
});
