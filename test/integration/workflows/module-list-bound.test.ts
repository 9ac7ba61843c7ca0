/**
 * Runs ask the host for its modules at most once per configCheckMs (install wires the bound into
 * the executor): a short-URL request no longer costs a `listModules()` read each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestContext, TEST_SECRET_KEY } from '../../helpers/test-host.js';
import { install } from '../../../module/index.js';

describeEachEngine('the host’s module list as runs see it', (tdb) => {
  for (const [configCheckMs, reads] of [
    [60_000, 1],
    [0, 3],
  ] as const) {
    test(`configCheckMs ${configCheckMs}: 3 sync runs read the host's modules ${reads} time(s)`, async (t) => {
      const host = await createTestContext(tdb().db);
      const hookflow = await install(host.context, { secretKey: TEST_SECRET_KEY, startWorker: false, configCheckMs });
      t.after(() => hookflow.uninstall());
      const workflow = await hookflow.services.workflows.create(
        { module: 'Deals', title: `bound ${configCheckMs}`, status: 'active', trigger: 'http', tasks: [] },
        host.admin.id,
      );
      let calls = 0;
      const listModules = host.records.listModules.bind(host.records);
      host.records.listModules = async (...args) => {
        calls++;
        return listModules(...args);
      };
      t.after(() => {
        host.records.listModules = listModules;
      });
      for (let i = 0; i < 3; i++) {
        const started = await hookflow.services.runs.start({
          workflow,
          recordId: null,
          env: {},
          source: 'manual',
          mode: 'sync',
          actorUserId: host.admin.id,
        });
        assert.equal(started.outcome?.status, 'succeeded');
      }
      assert.equal(calls, reads);
    });
  }
});
