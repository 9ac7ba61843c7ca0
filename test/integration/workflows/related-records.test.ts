/**
 * Related-record values (issue 20.3): a Deal's webhook sends its Account's name (one hop) and its
 * Contact's Account's city (two hops), read when the run starts; a condition on the Account
 * filters (checked at run start: an unmet one leaves a skipped run saying why); bad paths are
 * 422s at save naming the field.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { startReceiver, type Receiver } from '../../helpers/admin-host.js';
import { HookflowError } from '../../../module/errors.js';

describeEachEngine('related-record values in templates and conditions', (tdb) => {
  let h: TestHost;
  let rx: Receiver;
  const accounts: Record<string, number> = {};
  let contactId = 0;
  const wfInput = (overrides: Record<string, unknown> = {}) => ({
    module: 'Deals',
    title: 'Retail deals to accounting',
    status: 'active',
    trigger: 'record.created',
    conditions: { join: 'all', conditions: [{ field: 'account.industry', op: 'equals', value: 'Retail' }] },
    tasks: [
      {
        type: 'webhook',
        title: 'to accounting',
        options: {
          url: rx.url,
          params: [
            { name: 'deal', value: '{{record.title}}' },
            { name: 'account', value: '{{record.account.name}}' },
            { name: 'contactCity', value: '$record.contact.account.city' },
            { name: 'accountId', value: '{{record.account_id}}' },
          ],
        },
      },
    ],
    ...overrides,
  });

  before(async () => {
    rx = await startReceiver();
    h = await createTestHost(tdb().db, { settings: { outboundAllowlist: ['127.0.0.1/32'] } });
    const create = (module: string, fields: Record<string, unknown>) =>
      h.records.create(module, fields, { actorUserId: h.admin.id }).then((r) => r.id);
    accounts.retail = await create('Accounts', { name: 'Acme Shops', industry: 'Retail', city: 'Leeds' });
    accounts.bank = await create('Accounts', { name: 'Big Bank', industry: 'Finance', city: 'Zurich' });
    contactId = await create('Contacts', { firstname: 'Ada', lastname: 'L', account_id: accounts.bank });
  });
  after(async () => {
    await h?.close();
    await rx?.close();
  });

  test("the webhook sends the related records' values as they are when the run starts; the condition filters", async () => {
    await h.hookflow.services.workflows.create(wfInput(), h.admin.id);
    const deal = (title: string, account: number) =>
      h.records.create('Deals', { title, account_id: account, contact_id: contactId }, { actorUserId: h.admin.id });
    const retail = await deal('Shop fit-out', accounts.retail);
    const bank = await deal('Vault', accounts.bank);
    // Changed after the save, before the worker ran: the run reads the value of its own time.
    await h.records.update('Accounts', accounts.retail, { name: 'Acme Stores' }, { actorUserId: h.admin.id });
    await h.hookflow.worker.drain();

    assert.equal(rx.received.length, 1, 'only the Retail deal is sent');
    assert.deepEqual(JSON.parse(rx.received[0].body), {
      deal: 'Shop fit-out',
      account: 'Acme Stores',
      contactCity: 'Zurich',
      accountId: accounts.retail,
    });
    const runs = await tdb().db('hookflow_runs').whereIn('record_id', [retail.id, bank.id]).orderBy('id');
    assert.deepEqual(
      runs.map((r: any) => r.status),
      ['succeeded', 'skipped'],
    );
    assert.match(runs[1].error, /conditions not met when the run started .*account\.industry equals "Retail"/);
  });

  test('bad related paths are 422s at save naming the field', async () => {
    const refused = async (input: Record<string, unknown>) => {
      const err = await h.hookflow.services.workflows.create(input, h.admin.id).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(err instanceof HookflowError, String(err));
      return (err as HookflowError).fields ?? {};
    };
    const conditions = (field: string, op = 'equals') => ({
      join: 'all',
      conditions: [{ field, op, value: 'x' }],
    });
    assert.deepEqual(await refused(wfInput({ conditions: conditions('account.industy') })), {
      'conditions.0.field': 'Accounts has no field "industy" (in "account.industy")',
    });
    assert.match(
      (await refused(wfInput({ conditions: conditions('account.industry', 'changed_to') })))['conditions.0.op'],
      /"changed_to" cannot look at a related record/,
    );
    const badTemplate = wfInput({ conditions: { join: 'all', conditions: [] } });
    (badTemplate.tasks as any)[0].options.params[1].value = 'Account: {{record.contact.account.nme}}';
    assert.deepEqual(await refused(badTemplate), {
      'tasks.0.options.params.1.value': 'Accounts has no field "nme" (in "contact.account.nme")',
    });
  });
});
