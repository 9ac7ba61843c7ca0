/**
 * Capture a sample request (issue 21.2) in headless Chromium against `npm start`'s server with its
 * demo workflow and permission: the admin clicks "Capture the next request" on the permission's
 * page, a visitor submits a real HTML form on another origin (captured: 202, nothing runs), the
 * admin sees the captured fields and clicks "Make these required $env fields" — and the workflow
 * page lists them as required fields with guessed types. Two clicks.
 */
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN, startBrowserWorld, type BrowserWorld } from '../helpers/browser-world.js';
import { seedDemoPermission, seedDemoWorkflows } from '../../host/seed-workflows.js';

let w: BrowserWorld;

before(async () => {
  w = await startBrowserWorld();
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

async function formSite(t: TestContext, html: string): Promise<string> {
  const site = http.createServer((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><title>Signup</title>${html}`);
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        site.close(() => r());
        site.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(site.address() as AddressInfo).port}/signup`;
}

test('a captured form post becomes required $env fields in two clicks', async (t) => {
  const hookflow = w.server.host.hookflow;
  const permission = (await hookflow.services.permissions.list()).find((p) => p.triggerName === 'leadform')!;
  const workflow = (await hookflow.services.store.list()).find((wf) => wf.title === 'Web lead form')!;
  const runs = async () => (await w.server.host.context.db('hookflow_runs').where({ workflow_id: workflow.id })).length;
  const runsBefore = await runs();

  const admin = await w.loggedIn(t, undefined, `${ADMIN}/permissions/${permission.id}`);
  await Promise.all([
    admin.waitForURL(/notice=capture-started/),
    admin.click('button:text("Capture the next request")'),
  ]);
  assert.match((await admin.locator('#capture').textContent()) ?? '', /Waiting for the next request/);

  const site = await formSite(
    t,
    `<form method="post" action="${w.server.url}/wf?trigger=leadform&amp;record_id=0">
      <input name="lastname" value="Lovelace"><input name="company_size" value="42">
      <input name="contact_email" value="ada@example.com"><button type="submit">Send</button></form>`,
  );
  const visitor = await w.anonymous(t);
  await visitor.goto(site);
  const [answer] = await Promise.all([
    visitor.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/wf?')),
    visitor.click('button[type=submit]'),
  ]);
  assert.equal(answer.status(), 202, 'captured, not run');
  assert.match((await visitor.locator('body').textContent()) ?? '', /nothing was run/);
  assert.equal(await runs(), runsBefore, 'nothing ran');

  await admin.reload();
  const card = (await admin.locator('#capture').textContent()) ?? '';
  assert.match(card, /company_size[\s\S]*42/);
  await w.shot(admin, 'capture-permission');
  await Promise.all([
    admin.waitForURL(new RegExp(`/workflows/${workflow.id}\\?notice=capture-required`)),
    admin.click('button:text("Make these required $env fields")'),
  ]);
  const rows = await admin
    .locator('input[name=envName]')
    .evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value).filter((v) => v !== ''));
  for (const name of ['company_size', 'contact_email']) assert.ok(rows.includes(name), `${name} is a required field`);
  const saved = await hookflow.services.store.require(workflow.id);
  const types = Object.fromEntries(saved.requiredEnv.map((f) => [f.name, f.type]));
  assert.equal(types.company_size, 'number');
  assert.equal(types.contact_email, 'email');
  await w.shot(admin, 'capture-required-fields');
});
