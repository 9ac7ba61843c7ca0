/** A trigger name belongs to http workflows only: refused on others at save, never found for them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost } from '../../helpers/test-host.js';

describeEachEngine('trigger names', (tdb) => {
  test('a record-event workflow with a trigger name is a 422; a stored one is never started by ?trigger=', async (t) => {
    const h = await createTestHost(tdb().db);
    t.after(() => h.close());
    const service = h.hookflow.services.workflows;
    await assert.rejects(
      service.create({ module: 'Leads', title: 'x', trigger: 'record.updated', triggerName: 'lead', tasks: [] }, null),
      (err: Error & { fields?: Record<string, string> }) => {
        assert.match(err.fields?.triggerName ?? '', /applies to the http trigger only/);
        return true;
      },
    );
    const http = await service.create(
      { module: 'Leads', title: 'http', status: 'active', trigger: 'http', triggerName: 'lead', tasks: [] },
      null,
    );
    const other = await service.create(
      { module: 'Leads', title: 'other', status: 'active', trigger: 'record.updated', tasks: [] },
      null,
    );
    // Written before the rule existed: straight into the table.
    await tdb().db('hookflow_workflows').where({ id: other.id }).update({ trigger_name: 'lead' });
    assert.deepEqual(
      (await h.hookflow.services.store.findByTriggerName('lead')).map((w) => w.id),
      [http.id],
    );
  });
});
