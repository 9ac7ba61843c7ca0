/**
 * A picklist condition chosen from the drop-down (issue 18, "conditions that never match"), in
 * headless Chromium against `npm start`'s server (test/helpers/browser-world.ts). The admin edits
 * a deal workflow's condition on the page: picks the picklist field "Sales stage" in a row, the
 * row's value becomes a drop-down of that field's options (no typing, so no `won` for `Won`),
 * chooses one and saves. A deal created with that stage starts a run; a deal with another stage
 * does not — both read off the run log page. Without JavaScript the same choice works through
 * "Update form". Each test makes its own workflow and deals, so it passes alone or in any order.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ADMIN, PASSWORD, startBrowserWorld, type BrowserWorld } from '../helpers/browser-world.js';
import { DEAL_STAGES } from '../../host/modules.js';

let w: BrowserWorld;

before(async () => {
  w = await startBrowserWorld();
});
after(async () => {
  await w?.close();
});

/** An active deal workflow (on create) whose one condition is on the title, with a task that needs nothing outside. */
async function dealWorkflow(t: TestContext, title: string): Promise<number> {
  const { workflows } = w.server.host.hookflow.services;
  const wf = await workflows.create(
    {
      module: 'Deals',
      title,
      status: 'active',
      trigger: 'record.created',
      conditions: { join: 'all', conditions: [{ field: 'title', op: 'contains', value: 'picklist' }] },
      tasks: [
        {
          type: 'set_env',
          title: 'Note the stage',
          options: { values: [{ name: 'stage', value: '{{record.stage}}' }] },
        },
      ],
    },
    null,
  );
  t.after(async () => {
    await workflows.setStatus(wf.id, 'inactive');
  });
  return wf.id;
}

async function createDeal(title: string, stage: string): Promise<number> {
  const res = await fetch(`${w.server.url}/api/records/Deals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.server.seed!.credentials.admin.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ fields: { title, amount: 500, currency: 'EUR', stage } }),
  });
  const body = await res.text();
  assert.equal(res.status, 201, body);
  return (JSON.parse(body) as { record: { id: number } }).record.id;
}

/** The option texts of the first condition row's value drop-down. */
async function valueOptions(page: Page): Promise<string[]> {
  return page.locator('[data-rows=conditions] .row').first().locator('select[name=condValue] option').allTextContents();
}

/**
 * The hook decides in the record's own transaction whether a workflow starts (README: nothing is
 * queued when none match), so once the matching deal's run is on the log, the other deal's
 * absence is final, not a race.
 */
async function expectRunLog(page: Page, workflowId: number, started: number, notStarted: number): Promise<void> {
  const log = (recordId: number) => `${w.server.url}${ADMIN}/runs?workflowId=${workflowId}&recordId=${recordId}`;
  await w.waitFor(page, log(started), 'tbody tr:has(.badge:text-is("succeeded"))');
  const row = (await page.locator('tbody tr').first().textContent()) ?? '';
  assert.match(row, new RegExp(`Deals ${started}`));
  assert.equal(await page.locator('tbody tr').count(), 1, 'one run for the matching deal');
  await page.goto(log(notStarted));
  assert.equal(await page.locator('tbody tr').count(), 0, 'no run for the deal with another stage');
  assert.match((await page.locator('.card').last().textContent()) ?? '', /No runs match these filters/);
}

test('the admin picks a picklist field and its value from the drop-down; only deals with that stage start the run', async (t) => {
  const workflowId = await dealWorkflow(t, 'Negotiations to legal');
  const page = await w.loggedIn(t);
  await page.goto(`${w.server.url}${ADMIN}/workflows/${workflowId}`);
  const row = page.locator('[data-rows=conditions] .row').first();
  assert.equal(await row.locator('input[name=condValue]').inputValue(), 'picklist', 'the stored text condition');

  await row.locator('select[name=condField]').selectOption({ label: 'Sales stage' });
  // The value is now the field's drop-down: its options, nothing to type.
  await row.locator('select[name=condValue]').waitFor();
  assert.equal(await row.locator('input[name=condValue]').count(), 0, 'the text box is gone');
  assert.deepEqual(await valueOptions(page), ['— choose —', ...DEAL_STAGES]);
  await row.locator('select[name=condOp]').selectOption({ label: 'is' });
  await row.locator('select[name=condValue]').selectOption({ label: 'Negotiation' });
  await w.shot(page, 'condition-picklist');
  await Promise.all([page.waitForURL(/notice=saved/), page.click('button:has-text("Save workflow")')]);
  assert.deepEqual(
    (await w.server.host.hookflow.services.store.require(workflowId)).conditions,
    { join: 'all', conditions: [{ field: 'stage', op: 'equals', value: 'Negotiation' }] },
    'stored as the option is spelled',
  );
  // Shown again as the drop-down with the choice selected, and not flagged.
  assert.equal(await row.locator('select[name=condValue]').inputValue(), 'Negotiation');
  assert.equal(await page.locator('text=can never match').count(), 0);

  // A picklist field chosen in a new row offers its options too; a text field gives the box back.
  const blankRow = page.locator('[data-rows=conditions] .row').nth(1);
  await blankRow.locator('select[name=condField]').selectOption('stage');
  await blankRow.locator('select[name=condValue]').waitFor();
  await blankRow.locator('select[name=condField]').selectOption('title');
  await blankRow.locator('input[name=condValue]').waitFor();

  const negotiation = await createDeal('Deal in negotiation', 'Negotiation');
  const prospecting = await createDeal('Deal prospecting', 'Prospecting');
  await expectRunLog(page, workflowId, negotiation, prospecting);
  await page.goto(`${w.server.url}${ADMIN}/runs?workflowId=${workflowId}&recordId=${negotiation}`);
  await Promise.all([page.waitForURL(/\/runs\/\d+$/), page.locator('tbody tr a').first().click()]);
  assert.match((await page.locator('.attempts').textContent()) ?? '', /Note the stage[\s\S]*succeeded/);
  assert.match((await page.locator('.attempts').textContent()) ?? '', /"stage": "Negotiation"/);
  await w.shot(page, 'condition-picklist-run');
});

test('without JavaScript: the picklist field chosen, "Update form" offers its options to pick from', async (t) => {
  const workflowId = await dealWorkflow(t, 'Won deals to finance (no script)');
  const context = await w.browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${w.server.url}/login?next=${encodeURIComponent(`${ADMIN}/workflows/${workflowId}`)}`);
  await page.fill('#email', 'admin@example.com');
  await page.fill('#password', PASSWORD);
  await Promise.all([
    page.waitForURL(`${w.server.url}${ADMIN}/workflows/${workflowId}`),
    page.click('button[type=submit]'),
  ]);

  const row = () => page.locator('[data-rows=conditions] .row').first();
  await row().locator('select[name=condField]').selectOption('stage');
  assert.equal(
    await row().locator('select[name=condValue]').count(),
    0,
    'no script: the box stays until the form is updated',
  );
  await page.click('button:has-text("Update form")');
  await row().locator('select[name=condValue]').waitFor(); // on the page the server drew again
  // The stage's options; the text typed before stays visible, marked, until another is chosen.
  assert.deepEqual(await valueOptions(page), ['— choose —', ...DEAL_STAGES, 'picklist (not an option)']);
  assert.equal(await row().locator('select[name=condField]').inputValue(), 'stage', 'the choice is kept');
  await row().locator('select[name=condOp]').selectOption('equals');
  await row().locator('select[name=condValue]').selectOption('Won');
  await Promise.all([page.waitForURL(/notice=saved/), page.click('button:has-text("Save workflow")')]);
  assert.deepEqual((await w.server.host.hookflow.services.store.require(workflowId)).conditions.conditions, [
    { field: 'stage', op: 'equals', value: 'Won' },
  ]);

  const won = await createDeal('Deal won', 'Won');
  const lost = await createDeal('Deal lost', 'Lost');
  await expectRunLog(page, workflowId, won, lost);
});
