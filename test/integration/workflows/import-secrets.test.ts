/**
 * Exports carry no secrets: an imported basic-auth webhook lands inactive with its missing
 * secrets listed, is flagged until they are entered, and no workflow can be active without them.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { importSummary } from '../../../module/index.js';

const hook = (options: Record<string, unknown>, secrets?: Record<string, string>) => ({
  type: 'webhook',
  title: 'to accounting',
  options: { url: 'https://acct.example/in', ...options },
  ...(secrets ? { secrets } : {}),
});
const signing = `whsec_${Buffer.alloc(24, 3).toString('base64')}`;

describeEachEngine('secrets and imports', (tdb) => {
  /** A host on a database of the test's own: the tests count and list every workflow. */
  async function ownHost(t: TestContext): Promise<TestHost> {
    const own = await createTestDatabase(tdb().engine);
    let host: TestHost | undefined;
    t.after(async () => {
      await host?.close();
      await own.destroy();
    });
    host = await createTestHost(own.db);
    return host;
  }

  test('an import of an active workflow whose tasks need secrets lands inactive and lists them', async (t) => {
    const h = await ownHost(t);
    const service = h.hookflow.services.workflows;
    const doc = {
      format: 'hookflow.workflows.v1',
      workflows: [
        {
          module: 'Deals',
          title: 'Basic',
          status: 'active',
          trigger: 'record.created',
          tasks: [hook({ auth: 'basic', username: 'alice', sign: true }), hook({ auth: 'bearer' })],
        },
        { module: 'Deals', title: 'Plain', status: 'active', trigger: 'record.created', tasks: [hook({})] },
      ],
    };
    const result = await service.importAll(doc, null);
    assert.equal(result.created, 2);
    assert.deepEqual(result.importedInactive, ['Basic']);
    assert.deepEqual(
      result.secretsMissing.map((m) => [m.workflow, m.taskIndex, m.secrets]),
      [
        ['Basic', 0, ['password', 'signingSecret']],
        ['Basic', 1, ['token']],
      ],
    );
    assert.equal(
      importSummary(result),
      'imported: 2 created, 0 updated; 3 secrets to re-enter (Basic › to accounting: password, signingSecret; Basic › to accounting: token); inactive until then: Basic',
    );
    const [basic, plain] = await h.hookflow.services.store.list({});
    assert.equal(basic.status, 'inactive');
    assert.equal(plain.status, 'active', 'a workflow that needs no secret keeps its status');
    assert.deepEqual(
      service.toPublic(basic).tasks.map((x) => x.secretsMissing),
      [['password', 'signingSecret'], ['token']],
    );

    await assert.rejects(service.setStatus(basic.id, 'active'), (err: Error & { fields?: Record<string, string> }) => {
      assert.match(err.message, /Enter the missing secrets first/);
      assert.deepEqual(Object.keys(err.fields ?? {}).sort(), [
        'tasks.0.secrets.password',
        'tasks.0.secrets.signingSecret',
        'tasks.1.secrets.token',
      ]);
      return true;
    });
    // Entering them (the stored tasks keep their ids) clears the flag and allows activation.
    const tasks = basic.tasks.map((x, i) => ({
      id: x.id,
      type: x.type,
      title: x.title,
      options: x.options,
      secrets: i === 0 ? { password: 'pw', signingSecret: signing } : { token: 'tok' },
    }));
    const filled = await service.update(basic.id, {
      module: 'Deals',
      title: 'Basic',
      status: 'inactive',
      trigger: 'record.created',
      tasks,
    });
    assert.deepEqual(
      service.toPublic(filled).tasks.map((x) => x.secretsMissing),
      [[], []],
    );
    assert.equal((await service.setStatus(basic.id, 'active')).status, 'active');

    // Re-importing the same export over it keeps the stored secrets: nothing is missing, it stays active.
    const again = await service.importAll(doc, null);
    assert.deepEqual([again.updated, again.secretsMissing, again.importedInactive], [2, [], []]);
    assert.equal((await h.hookflow.services.store.require(basic.id)).status, 'active');
  });

  test('creating or saving an active workflow without a required secret is a 422 naming it; a draft may wait', async (t) => {
    const h = await ownHost(t);
    const service = h.hookflow.services.workflows;
    await assert.rejects(
      service.create(
        { module: 'Deals', title: 'A', status: 'active', trigger: 'record.created', tasks: [hook({ auth: 'bearer' })] },
        null,
      ),
      /Enter the missing secrets first/,
    );
    const draft = await service.create(
      { module: 'Deals', title: 'A', status: 'draft', trigger: 'record.created', tasks: [hook({ auth: 'bearer' })] },
      null,
    );
    assert.equal(draft.status, 'draft');
    const active = await service.create(
      {
        module: 'Deals',
        title: 'B',
        status: 'active',
        trigger: 'record.created',
        tasks: [hook({ auth: 'bearer' }, { token: 't' })],
      },
      null,
    );
    const removed = active.tasks.map((x) => ({
      id: x.id,
      type: x.type,
      title: x.title,
      options: x.options,
      secrets: null,
    }));
    await assert.rejects(
      service.update(active.id, {
        module: 'Deals',
        title: 'B',
        status: 'active',
        trigger: 'record.created',
        tasks: removed,
      }),
      /token/,
      'removing the secret of an active workflow is refused',
    );
  });
});
