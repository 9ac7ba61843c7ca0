/**
 * Conditions that can never match are refused at save (API and form), picklist values are chosen
 * from a drop-down, and a stored workflow whose conditions became invalid is flagged on its page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { ADMIN, FormClient, startAdminHost } from '../../helpers/admin-host.js';

describeEachEngine('condition checks', (tdb) => {
  test('API 422s name each bad condition; the form offers the picklist; stored bad conditions are flagged', async (t) => {
    const host = await startAdminHost(tdb().db);
    t.after(() => host.close());
    const service = host.host.hookflow.services.workflows;
    await assert.rejects(
      service.create(
        {
          module: 'Deals',
          title: 'bad',
          trigger: 'record.updated',
          conditions: {
            join: 'all',
            conditions: [
              { field: 'stage', op: 'changed_to', value: '' },
              { field: 'amount', op: 'gt', value: 'lots' },
              { field: 'stage', op: 'equals', value: 'won' },
            ],
          },
          tasks: [],
        },
        null,
      ),
      (err: Error & { fields?: Record<string, string> }) => {
        assert.match(err.fields?.['conditions.0.value'] ?? '', /is_empty/);
        assert.match(err.fields?.['conditions.1.value'] ?? '', /number/);
        assert.match(err.fields?.['conditions.2.value'] ?? '', /"won" is written "Won"/);
        return true;
      },
    );

    const good = await service.create(
      {
        module: 'Deals',
        title: 'good',
        trigger: 'record.updated',
        conditions: { join: 'all', conditions: [{ field: 'stage', op: 'changed_to', value: 'Won' }] },
        tasks: [],
      },
      null,
    );
    const client = await new FormClient(host.url).login(host.admin.email, host.admin.password);
    const page = await client.get(`${ADMIN}/workflows/${good.id}`);
    assert.equal(page.status, 200);
    const select = /<select name="condValue"[^>]*>([\s\S]*?)<\/select>/.exec(page.text);
    assert.ok(select, 'the picklist condition offers a drop-down');
    assert.match(select[1], /<option value="Won" selected>Won<\/option>/);
    assert.match(select[1], /<option value="Lost" >Lost<\/option>/);
    assert.doesNotMatch(page.text, /can never match/);

    // Stored before the checks existed (written straight to the table): flagged, not hidden.
    const row = await tdb().db('hookflow_workflows').where({ id: good.id }).first();
    const conditions = JSON.parse(row.conditions);
    conditions[0].value = 'won';
    await tdb()
      .db('hookflow_workflows')
      .where({ id: good.id })
      .update({ conditions: JSON.stringify(conditions) });
    const flagged = await client.get(`${ADMIN}/workflows/${good.id}`);
    assert.match(flagged.text, /1 condition\(s\) can never match as written/);
    assert.match(flagged.text, /won \(not an option\)/, 'the stored value stays visible');
    assert.match(flagged.text, /&quot;won&quot; is written &quot;Won&quot;/);

    const saved = await client.submit(`${ADMIN}/workflows/${good.id}`, `${ADMIN}/workflows/${good.id}`, {
      title: 'good',
      description: '',
      status: 'draft',
      trigger: 'record.updated',
      triggerName: '',
      join: 'all',
      runMode: 'every_event',
      execMode: 'sync',
      condField: ['stage'],
      condOp: ['equals'],
      condValue: ['Closed'],
    });
    assert.equal(saved.status, 422);
    assert.match(saved.text, /has no option &quot;Closed&quot;/);
  });
});
