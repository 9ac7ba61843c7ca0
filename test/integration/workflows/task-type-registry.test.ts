/**
 * A task type is one folder, and the registry is the only list: a new type handed in through
 * the registry — its own definition, form and form.hbs (here in a temp folder), named nowhere
 * else — is in the "add a task" menu, its form renders, a form post saves it, its summary shows
 * in the task list, and a run runs it. Wired like install() does, at the level of the admin
 * pages, the workflow service and the executor (install() takes no task types), on a real
 * database, over real HTTP with CSRF.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { z } from 'zod';
import { migrateLatest } from '../../../module/storage/migrate.js';
import { createSettingsStore } from '../../../module/settings-store.js';
import { createSecretBox } from '../../../module/secrets.js';
import { loadManifest } from '../../../module/manifest.js';
import { createTemplateEngine } from '../../../module/workflows/templates.js';
import { createWorkflowStore, type WorkflowStore } from '../../../module/workflows/store.js';
import { createRunExecutor } from '../../../module/workflows/executor.js';
import { createRunStarter, type RunStarter } from '../../../module/workflows/start-run.js';
import { createWorkflowService, type WorkflowService } from '../../../module/workflows/service.js';
import { createTaskRegistry } from '../../../module/workflows/tasks/index.js';
import type { AnyTaskDefinition, TaskDefinition } from '../../../module/workflows/task-types.js';
import { text } from '../../../module/forms/form-values.js';
import { createAdminPages } from '../../../module/admin/pages/index.js';
import { createAdminCsrf } from '../../../module/admin/pages/csrf.js';
import { describeEachEngine } from '../../helpers/engines.js';
import { ADMIN, FormClient } from '../../helpers/admin-host.js';
import { createTestContext, TEST_SECRET_KEY, type TestContext } from '../../helpers/test-host.js';
import { fieldErrors } from '../../unit/admin/form-html.js';

const StampOptions = z.strictObject({ stamp: z.string().min(1).max(100) });
type StampOptions = z.infer<typeof StampOptions>;

/** A task type of this test only: it renders its stamp and puts it into `$env.stamped`. */
function stampType(dir: string, ran: StampOptions[]): TaskDefinition<StampOptions> {
  const formView = path.join(dir, 'form.hbs');
  fs.writeFileSync(
    formView,
    '<div class="field" data-stamp-form><label for="stamp">Stamp</label><input id="stamp" name="stamp" value="{{values.stamp}}">{{> field-error id="stamp" subject=subjects.stamp message=errors.stamp}}</div>\n',
  );
  return {
    id: 'stamp_run',
    label: 'Stamp the run',
    options: StampOptions,
    pure: true,
    form: {
      labels: { stamp: 'Stamp text' },
      blank: () => ({ stamp: '' }),
      fromOptions: (o) => ({ stamp: o.stamp ?? '' }),
      fromBody: (body) => ({ values: { stamp: text(body, 'stamp') }, options: { stamp: text(body, 'stamp') } }),
      view: () => ({}),
    },
    formView,
    summary: (o) => `Stamps “${o.stamp ?? ''}”`,
    async run(options, ctx) {
      ran.push(options);
      const stamped = ctx.services.renderString(options.stamp);
      ctx.tpl.env.stamped = stamped;
      return { stamped };
    },
  };
}

describeEachEngine('a task type handed in through the registry', (tdb) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-task-type-'));
  const ran: StampOptions[] = [];
  let host: TestContext;
  let store: WorkflowStore;
  let workflows: WorkflowService;
  let starter: RunStarter;
  let server: http.Server;
  let client: FormClient;

  before(async () => {
    const { db } = tdb();
    host = await createTestContext(db);
    await migrateLatest(db);
    const taskTypes: Map<string, AnyTaskDefinition> = createTaskRegistry();
    taskTypes.set('stamp_run', stampType(dir, ran));
    const now = () => Date.now();
    const settingsStore = await createSettingsStore({ db, overrides: {}, now });
    const settings = () => settingsStore.get();
    const templates = createTemplateEngine();
    store = createWorkflowStore({ db, secretBox: createSecretBox(TEST_SECRET_KEY), now });
    const executor = createRunExecutor({
      db,
      host: host.context,
      store,
      taskTypes,
      templates,
      settings,
      logger: host.logger,
    });
    starter = createRunStarter({
      db,
      host: host.context,
      executor,
      settings,
      workerId: 'task-type-test',
      wake: () => undefined,
    });
    workflows = createWorkflowService({ host: host.context, store, taskTypes, templates, settings });
    const csrf = createAdminCsrf({ secret: 'c'.repeat(64), baseUrl: host.context.baseUrl });
    const app = express();
    app.use(
      ADMIN,
      host.context.requireAdmin,
      createAdminPages({
        db,
        host: host.context,
        logger: host.logger,
        manifest: loadManifest(),
        workflows,
        store,
        starter,
        settingsStore,
        taskTypes,
        templates,
        wake: () => undefined,
        csrf,
      }),
    );
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = new FormClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  after(async () => {
    await new Promise<void>((r) => {
      server?.close(() => r());
      server?.closeAllConnections();
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('it is in the menu, its form renders and saves, its summary is listed, and a run runs it', async (t) => {
    const wf = await workflows.create({ module: 'Deals', title: 'Stamped', trigger: 'record.updated' }, host.admin.id);
    t.after(() => store.remove(wf.id));

    const page = await client.get(`${ADMIN}/workflows/${wf.id}`);
    assert.equal(page.status, 200);
    const select = /<select id="type" name="type">([\s\S]*?)<\/select>/.exec(page.text)?.[1] ?? '';
    const menu = [...select.matchAll(/<option value="([^"]*)">/g)].map((m) => m[1]);
    assert.deepEqual(menu, [...createTaskRegistry().keys(), 'stamp_run'], 'the registry, in its order, is the menu');
    assert.match(page.text, /<option value="stamp_run">Stamp the run<\/option>/);

    const newForm = `${ADMIN}/workflows/${wf.id}/tasks/new?type=stamp_run`;
    const form = await client.get(newForm);
    assert.equal(form.status, 200);
    assert.match(form.text, /data-stamp-form/, 'its own form.hbs is the form');
    assert.match(form.text, /New task: Stamp the run/);

    const refused = await client.submit(newForm, `${ADMIN}/workflows/${wf.id}/tasks`, {
      type: 'stamp_run',
      title: 'Stamp it',
      stamp: '',
    });
    assert.equal(refused.status, 422);
    assert.deepEqual(fieldErrors(refused.text), ['Stamp text is required'], 'its labels name its fields');

    const saved = await client.submit(newForm, `${ADMIN}/workflows/${wf.id}/tasks`, {
      type: 'stamp_run',
      title: 'Stamp it',
      stamp: 'seen {{record.id}}',
    });
    assert.equal(saved.status, 303, saved.text.slice(0, 300));
    const [task] = (await store.require(wf.id)).tasks;
    assert.equal(task.type, 'stamp_run');
    assert.deepEqual(task.options, { stamp: 'seen {{record.id}}' });

    const list = await client.get(`${ADMIN}/workflows/${wf.id}`);
    assert.match(list.text, /Stamps “seen \{\{record.id\}\}”/, 'its summary is in the task list');
    assert.doesNotMatch(list.text, /deliveries\?taskId=/, 'no webhook log for a type that queues no deliveries');
    const edit = await client.get(`${ADMIN}/workflows/${wf.id}/tasks/${task.id}`);
    assert.match(edit.text, /value="seen \{\{record.id\}\}"/, 'the stored options come back into its form');
    assert.doesNotMatch(edit.text, /Send a test/, 'no "Send test" for it');

    const record = await host.records.create('Deals', { title: 'A deal' }, { actorUserId: host.admin.id });
    const started = await starter.start({
      workflow: await store.require(wf.id),
      recordId: record.id,
      env: {},
      source: 'manual',
      mode: 'sync',
      actorUserId: host.admin.id,
    });
    assert.equal(started.outcome?.status, 'succeeded', started.outcome?.error ?? '');
    assert.deepEqual(ran.at(-1), { stamp: 'seen {{record.id}}' });
    assert.deepEqual(
      started.outcome?.taskResults.map((r) => r.output),
      [{ stamped: `seen ${record.id}` }],
    );
  });

  test('a type that queues deliveries (the webhook) gets its webhook log link and "Send test"; the others do not', async (t) => {
    const wf = await workflows.create(
      {
        module: 'Deals',
        title: 'Mixed',
        trigger: 'record.updated',
        tasks: [
          { type: 'webhook', title: 'Hook', options: { url: 'https://hooks.example.com/x' } },
          { type: 'stamp_run', title: 'Stamp', options: { stamp: 'x' } },
        ],
      },
      host.admin.id,
    );
    t.after(() => store.remove(wf.id));
    const [hook, stamp] = wf.tasks;
    const list = await client.get(`${ADMIN}/workflows/${wf.id}`);
    assert.match(list.text, new RegExp(`deliveries\\?taskId=${hook.id}">Webhook log`));
    assert.doesNotMatch(list.text, new RegExp(`deliveries\\?taskId=${stamp.id}">`));
    assert.match((await client.get(`${ADMIN}/workflows/${wf.id}/tasks/${hook.id}`)).text, /Send a test/);
    assert.doesNotMatch((await client.get(`${ADMIN}/workflows/${wf.id}/tasks/${stamp.id}`)).text, /Send a test/);
  });
});
