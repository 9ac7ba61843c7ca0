/**
 * "Run for existing records" (issue 21.3) in headless Chromium against `npm start`'s server, whose
 * worker runs in the background: the admin opens a workflow, counts the matching deals, starts,
 * watches the progress bar reach 100 %; a second, slowed one is cancelled from the page.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, startBrowserWorld, type BrowserWorld } from '../helpers/browser-world.js';

let w: BrowserWorld;

before(async () => {
  w = await startBrowserWorld();
});
after(async () => {
  await w?.close();
});

async function deals(tag: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++)
    await w.server.host.services.records.create(
      'Deals',
      { title: `${tag} ${i}`, stage: i % 4 === 0 ? 'Prospecting' : 'Won' },
      { actorUserId: w.server.seed!.admin.id },
    );
}

async function workflowFor(tag: string): Promise<number> {
  const wf = await w.server.host.hookflow.services.workflows.create(
    {
      module: 'Deals',
      title: `Won deals to accounting ${tag}`,
      status: 'active',
      trigger: 'record.updated',
      conditions: {
        join: 'all',
        conditions: [
          { field: 'stage', op: 'equals', value: 'Won' },
          { field: 'title', op: 'contains', value: tag },
        ],
      },
      tasks: [{ type: 'set_env', title: 'Mark', options: { values: [{ name: 'sent', value: 'yes' }] } }],
    },
    w.server.seed!.admin.id,
  );
  return wf.id;
}

test('count, start and watch a backfill finish; cancel another from the page', async (t) => {
  const tag = `bf-${Date.now()}`;
  await deals(tag, 32);
  const id = await workflowFor(tag);
  // 120 a minute: 10 runs at once, then one every 0.5 s — the page follows it without a reload.
  await w.server.host.hookflow.services.settings.save({ backfillRatePerMinute: 120 });
  t.after(() => w.server.host.hookflow.services.settings.save({ backfillRatePerMinute: 600 }));
  const admin = await w.loggedIn(t, undefined, `${ADMIN}/workflows/${id}`);
  await Promise.all([admin.waitForURL(/\/backfill$/), admin.click('a:text("Run for existing records")')]);
  await Promise.all([admin.waitForURL(/\/backfill\/count$/), admin.click('button:text("Count records")')]);
  assert.match((await admin.locator('#backfill-count h2').textContent()) ?? '', /^24 records match$/);
  await Promise.all([admin.waitForURL(/notice=backfill-started/), admin.click('button:text("Start for 24 records")')]);
  assert.equal(await admin.locator('[data-backfill][data-status="running"]').count(), 1, 'drawn while running');
  // No reload from the test: backfill-progress.js follows the API and reloads once it finished.
  await admin.waitForSelector('[data-backfill][data-status="finished"] progress[value="100"]', { timeout: 45_000 });
  assert.match((await admin.locator('[data-progress]').first().textContent()) ?? '', /^24 done · 0 failed/);
  await w.shot(admin, 'backfill-finished');

  // Slowed to 1 run a minute: one run at once, the rest waits — then Cancel.
  await w.server.host.hookflow.services.settings.save({ backfillRatePerMinute: 1 });
  const other = await workflowFor(`${tag}x`);
  await deals(`${tag}x`, 12);
  await admin.goto(`${w.server.url}${ADMIN}/workflows/${other}/backfill`);
  await admin.click('button:text("Count records")');
  await Promise.all([admin.waitForURL(/notice=backfill-started/), admin.click('button:text("Start for 9 records")')]);
  await w.waitFor(admin, admin.url(), '[data-backfill][data-status="running"]');
  await Promise.all([admin.waitForURL(/notice=backfill-cancelled/), admin.click('button:text("Cancel")')]);
  assert.equal(await admin.locator('[data-backfill][data-status="cancelled"]').count(), 1);
  const queued = await w.server.host.context.db('hookflow_runs').where({ workflow_id: other });
  assert.ok(queued.length <= 1, `at most the first run was queued (${queued.length})`);
  assert.ok(
    queued.every((r) => r.status !== 'queued'),
    'nothing is left queued',
  );
});
