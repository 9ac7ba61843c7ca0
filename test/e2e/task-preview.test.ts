/**
 * Preview on the webhook form in headless Chromium (Debian's /usr/bin/chromium through
 * playwright-core), against `npm start`'s server on a temp SQLite database. With the script the
 * request follows each edit (through POST <admin>/api/tasks/preview) and a broken template is
 * marked at its row; without JavaScript the Preview button renders the same request. Nothing is
 * saved or queued. A screenshot is saved under test/artifacts/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadHostConfig } from '../../host/config.js';
import { startServer, type RunningServer } from '../../host/server.js';

const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../artifacts');
const ADMIN = '/settings/hookflow';
const PASSWORD = 'demo-admin-preview-e2e-password';

let server: RunningServer;
const browsers: BrowserContext[] = [];
const dirs: string[] = [];
let taskPage = '';

const tempDir = (prefix: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
};

async function launch(javaScriptEnabled: boolean): Promise<Page> {
  const context = await chromium.launchPersistentContext(tempDir('hookflow-preview-profile-'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    javaScriptEnabled,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-sync', '--no-first-run'],
  });
  browsers.push(context);
  const p = context.pages()[0] ?? (await context.newPage());
  p.setDefaultTimeout(15_000);
  await p.goto(`${server.url}/login`);
  await p.fill('#email', 'admin@example.com');
  await p.fill('#password', PASSWORD);
  await Promise.all([p.waitForURL(`${server.url}/`), p.click('button[type=submit]')]);
  return p;
}

const counts = async () => {
  const knex = server.db;
  const n = async (t: string) => Number((await knex(t).count({ n: '*' }).first())?.n);
  return { deliveries: await n('hookflow_deliveries'), runs: await n('hookflow_runs') };
};

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const dataDir = tempDir('hookflow-preview-e2e-');
  const config = loadHostConfig({
    DATABASE_URL: `sqlite:${path.join(dataDir, 'e2e.sqlite')}`,
    HOOKFLOW_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'silent',
    HOOKFLOW_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    HOOKFLOW_DEMO_ADMIN_PASSWORD: PASSWORD,
    HOOKFLOW_IN_PROCESS_WORKER: 'false',
  });
  server = await startServer(config, { print: () => undefined, handleSignals: false });
  const wf = await server.host.hookflow.services.workflows.create(
    {
      module: 'Deals',
      title: 'Preview e2e',
      trigger: 'record.updated',
      tasks: [
        {
          type: 'webhook',
          title: 'Notify',
          options: {
            url: 'https://hooks.example.com/deals',
            params: [{ name: 'deal.title', value: '{{record.title}}' }],
            headers: [{ name: 'X-Api-Key', value: 'k-secret-e2e' }],
          },
        },
      ],
    },
    null,
  );
  taskPage = `${server.url}${ADMIN}/workflows/${wf.id}/tasks/${wf.tasks[0].id}`;
});

after(async () => {
  for (const b of browsers) await b.close();
  await server?.close();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

test('with the script the preview follows each edit and marks a broken template at its row; nothing is stored', async () => {
  const page = await launch(true);
  const before = await counts();
  await page.goto(taskPage);
  const body = page.locator('[data-preview-result] pre.code');
  await body.waitFor();
  assert.match(
    (await body.textContent()) ?? '',
    /"deal":\{"title":"Sample title"\}/,
    'a saved task is previewed at once',
  );
  assert.doesNotMatch((await page.locator('[data-preview-result]').textContent()) ?? '', /k-secret-e2e/);

  const values = page.locator('input[name="paramValue"]');
  await values.nth(1).fill('live');
  await page.locator('input[name="paramName"]').nth(1).fill('note');
  await page.waitForFunction(() =>
    /"note":"live"/.test(document.querySelector('[data-preview-result] pre')?.textContent ?? ''),
  );

  await values.nth(1).fill('{{#if record.title}}open');
  const rowError = page.locator('[data-rows="params"] .row:not(.row-head)').nth(1).locator('[data-preview-row-error]');
  await rowError.waitFor();
  assert.match((await rowError.textContent()) ?? '', /not closed/);
  assert.match((await page.locator('[data-preview-result] .alert').textContent()) ?? '', /params row 2, value: /);
  await page.screenshot({ path: path.join(ARTIFACTS, 'task-preview-live.png'), fullPage: true });
  assert.deepEqual(await counts(), before, 'no delivery or run was stored');
});

test('without JavaScript the Preview button renders the request for the form as it is, unsaved', async () => {
  const page = await launch(false);
  await page.goto(taskPage);
  await page.locator('input[name="paramValue"]').first().fill('{{record.title}} (edited)');
  await Promise.all([page.waitForURL(/\/preview$/), page.click('button:has-text("Preview")')]);
  const body = (await page.locator('[data-preview-body]').textContent()) ?? '';
  assert.match(body, /"title":"Sample title \(edited\)"/);
  assert.equal(
    await page.locator('input[name="paramValue"]').first().inputValue(),
    '{{record.title}} (edited)',
    'the edit is kept',
  );
  const saved = await server.host.hookflow.services.store.require(Number(/workflows\/(\d+)/.exec(taskPage)?.[1]));
  assert.deepEqual((saved.tasks[0].options as { params: unknown }).params, [
    { name: 'deal.title', value: '{{record.title}}' },
  ]);
});
