import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  WorkflowTrigger,
  RecordEventType,
  BACKFILL_EVENT,
  bitrixEventName,
  eventTypeName,
  parseTriggerInput,
  resolveEventAlias,
  triggerMatchesEvent,
} from '../../../module/workflows/triggers.js';
import type { ModuleInfo } from '../../../module/host.js';

const EVENTS: RecordEventType[] = ['record.created', 'record.updated', 'record.deleted'];

/** A host's module descriptions: which module is which Bitrix24 entity is the host's to say. */
const mod = (name: string, bitrix24?: string, event?: string): ModuleInfo => ({
  name,
  label: name,
  fields: [],
  ...(bitrix24 || event ? { aliases: { bitrix24, event } } : {}),
});
const MODULES = [
  mod('Deals', 'DEAL', 'deal'),
  mod('Leads', 'LEAD'),
  mod('Contacts', 'contact'),
  mod('Accounts', 'COMPANY', 'account'),
  mod('Invoices'),
];
const byName = (name: string) => MODULES.find((m) => m.name === name)!;

describe('WorkflowTrigger', () => {
  test('accepts exactly the five triggers', () => {
    for (const t of ['record.created', 'record.updated', 'record.saved', 'record.deleted', 'http']) {
      assert.equal(WorkflowTrigger.parse(t), t);
    }
    for (const t of ['record.changed', 'RECORD.CREATED', '', 'ONCRMDEALADD', 'manual']) {
      assert.equal(WorkflowTrigger.safeParse(t).success, false, t);
    }
  });

  test('RecordEventType has the three host events only', () => {
    assert.deepEqual(RecordEventType.options, EVENTS);
    assert.equal(RecordEventType.safeParse('record.saved').success, false);
  });
});

describe('triggerMatchesEvent', () => {
  const cases: Array<[WorkflowTrigger, RecordEventType[]]> = [
    ['record.created', ['record.created']],
    ['record.updated', ['record.updated']],
    ['record.deleted', ['record.deleted']],
    ['record.saved', ['record.created', 'record.updated']],
    ['http', []],
  ];
  for (const [trigger, matching] of cases) {
    test(`${trigger} matches ${matching.join(', ') || 'no record event'}`, () => {
      for (const event of EVENTS)
        assert.equal(triggerMatchesEvent(trigger, event), matching.includes(event), `${trigger} / ${event}`);
    });
  }
});

describe('Bitrix aliases', () => {
  const table: Array<[string, string, RecordEventType]> = [
    ['ONCRMDEALADD', 'Deals', 'record.created'],
    ['ONCRMDEALUPDATE', 'Deals', 'record.updated'],
    ['ONCRMDEALDELETE', 'Deals', 'record.deleted'],
    ['ONCRMLEADADD', 'Leads', 'record.created'],
    ['ONCRMLEADUPDATE', 'Leads', 'record.updated'],
    ['ONCRMLEADDELETE', 'Leads', 'record.deleted'],
    ['ONCRMCONTACTADD', 'Contacts', 'record.created'],
    ['ONCRMCONTACTUPDATE', 'Contacts', 'record.updated'],
    ['ONCRMCONTACTDELETE', 'Contacts', 'record.deleted'],
    ['ONCRMCOMPANYADD', 'Accounts', 'record.created'],
    ['ONCRMCOMPANYUPDATE', 'Accounts', 'record.updated'],
    ['ONCRMCOMPANYDELETE', 'Accounts', 'record.deleted'],
  ];

  test('resolveEventAlias maps all twelve names', () => {
    for (const [name, module, eventType] of table)
      assert.deepEqual(resolveEventAlias(name, MODULES), { module, eventType }, name);
  });

  test('resolveEventAlias is case-insensitive and ignores surrounding whitespace', () => {
    assert.deepEqual(resolveEventAlias('onCrmDealUpdate', MODULES), { module: 'Deals', eventType: 'record.updated' });
    assert.deepEqual(resolveEventAlias('  oncrmcompanyadd ', MODULES), {
      module: 'Accounts',
      eventType: 'record.created',
    });
  });

  test('resolveEventAlias refuses anything else', () => {
    for (const name of [
      '',
      'ONCRMDEAL',
      'ONCRMDEALMERGE',
      'ONCRMINVOICEADD',
      'ONCRMDEALADDX',
      'XONCRMDEALADD',
      'ONCRM DEAL ADD',
      'record.created',
      'toString',
    ]) {
      assert.equal(resolveEventAlias(name, MODULES), null, name);
    }
    assert.equal(resolveEventAlias(undefined as unknown as string, MODULES), null);
  });

  test('bitrixEventName is the exact reverse', () => {
    for (const [name, module, eventType] of table) assert.equal(bitrixEventName(byName(module), eventType), name);
  });

  test('a backfilled run (an existing record, no change) is <noun>.backfilled, and UPDATE for Bitrix24', () => {
    assert.equal(eventTypeName(byName('Deals'), BACKFILL_EVENT), 'deal.backfilled');
    assert.equal(bitrixEventName(byName('Deals'), BACKFILL_EVENT), 'ONCRMDEALUPDATE');
    assert.equal(triggerMatchesEvent('record.updated', BACKFILL_EVENT as RecordEventType), false, 'it starts nothing');
    assert.equal(triggerMatchesEvent('record.saved', BACKFILL_EVENT as RecordEventType), false);
  });

  test('bitrixEventName is null for modules without a Bitrix entity', () => {
    assert.equal(bitrixEventName(byName('Invoices'), 'record.created'), null);
    assert.equal(bitrixEventName(undefined, 'record.created'), null);
    assert.equal(bitrixEventName(mod('Companies'), 'record.created'), null, 'a module name alone means nothing');
    assert.equal(bitrixEventName(byName('Deals'), 'record.saved' as RecordEventType), null);
  });

  test("another CRM's module names: the aliases decide, not the names", () => {
    const theirs = [mod('Companies', 'COMPANY'), mod('Opportunities', 'DEAL'), mod('Accounts')];
    assert.deepEqual(resolveEventAlias('ONCRMCOMPANYADD', theirs), {
      module: 'Companies',
      eventType: 'record.created',
    });
    assert.deepEqual(resolveEventAlias('ONCRMDEALUPDATE', theirs), {
      module: 'Opportunities',
      eventType: 'record.updated',
    });
    assert.equal(resolveEventAlias('ONCRMLEADADD', theirs), null, 'no module is aliased LEAD');
    assert.equal(bitrixEventName(theirs[0], 'record.deleted'), 'ONCRMCOMPANYDELETE');
    assert.deepEqual(parseTriggerInput('ONCRMCOMPANYADD', theirs), { trigger: 'record.created', module: 'Companies' });
    assert.equal(parseTriggerInput('ONCRMCOMPANYADD', []), null, 'without modules no alias resolves');
  });
});

describe('eventTypeName', () => {
  test('known modules use their singular noun', () => {
    assert.equal(eventTypeName('Deals', 'record.updated'), 'deal.updated');
    assert.equal(eventTypeName('Leads', 'record.created'), 'lead.created');
    assert.equal(eventTypeName('Accounts', 'record.deleted'), 'account.deleted');
    assert.equal(eventTypeName('Contacts', 'record.created'), 'contact.created');
  });

  test('every event type becomes its past-tense verb', () => {
    assert.deepEqual(
      EVENTS.map((e) => eventTypeName('Deals', e)),
      ['deal.created', 'deal.updated', 'deal.deleted'],
    );
  });

  test('unknown modules: lower-cased, one trailing s removed', () => {
    assert.equal(eventTypeName('Invoices', 'record.created'), 'invoice.created');
    assert.equal(eventTypeName('Quotes', 'record.updated'), 'quote.updated');
    assert.equal(eventTypeName('Tasks', 'record.deleted'), 'task.deleted');
    assert.equal(eventTypeName('Inventory', 'record.created'), 'inventory.created');
    assert.equal(eventTypeName('Address', 'record.created'), 'addres.created');
    assert.equal(eventTypeName('toString', 'record.created'), 'tostring.created');
  });

  test('a declared event noun wins over the name', () => {
    assert.equal(eventTypeName(mod('People', undefined, 'person'), 'record.created'), 'person.created');
    assert.equal(eventTypeName(mod('Companies', 'COMPANY', 'company'), 'record.updated'), 'company.updated');
    assert.equal(eventTypeName(mod('Companies'), 'record.updated'), 'companie.updated', 'without it, the generic rule');
  });

  test('unusual characters are folded so the name keeps one dot', () => {
    assert.equal(eventTypeName('Sales Orders', 'record.created'), 'sales_order.created');
    assert.equal(eventTypeName('a.b', 'record.created'), 'a_b.created');
    assert.equal(eventTypeName('S', 'record.created'), 'record.created');
  });
});

describe('parseTriggerInput', () => {
  test('canonical triggers come back without a module', () => {
    for (const t of WorkflowTrigger.options) assert.deepEqual(parseTriggerInput(t, MODULES), { trigger: t });
    assert.deepEqual(parseTriggerInput(' Record.Saved ', MODULES), { trigger: 'record.saved' });
    assert.deepEqual(parseTriggerInput('HTTP', MODULES), { trigger: 'http' });
  });

  test('Bitrix aliases give the event type and the module', () => {
    assert.deepEqual(parseTriggerInput('ONCRMDEALUPDATE', MODULES), { trigger: 'record.updated', module: 'Deals' });
    assert.deepEqual(parseTriggerInput('oncrmleadadd', MODULES), { trigger: 'record.created', module: 'Leads' });
    assert.deepEqual(parseTriggerInput('ONCRMCOMPANYDELETE', MODULES), {
      trigger: 'record.deleted',
      module: 'Accounts',
    });
  });

  test('anything else is null', () => {
    for (const v of ['', 'deal.updated', 'record', 'ONCRMDEALSAVE', 'webhook'])
      assert.equal(parseTriggerInput(v, MODULES), null, v);
    assert.equal(parseTriggerInput(null as unknown as string, MODULES), null);
  });
});

describe('Bitrix24 dynamic items (smart processes)', () => {
  const dyn = (name: string, bitrix24EntityTypeId: number): ModuleInfo => ({
    name,
    label: name,
    fields: [],
    aliases: { bitrix24EntityTypeId },
  });
  const WITH_DYNAMIC = [...MODULES, dyn('Bills', 31), dyn('Shipments', 1032)];

  test('the per-type names pick the module declaring that ENTITY_TYPE_ID, any case', () => {
    assert.deepEqual(resolveEventAlias('ONCRMDYNAMICITEMADD_31', WITH_DYNAMIC), {
      module: 'Bills',
      eventType: 'record.created',
    });
    assert.deepEqual(resolveEventAlias(' oncrmdynamicitemdelete_1032 ', WITH_DYNAMIC), {
      module: 'Shipments',
      eventType: 'record.deleted',
    });
    assert.deepEqual(parseTriggerInput('ONCRMDYNAMICITEMUPDATE_1032', WITH_DYNAMIC), {
      trigger: 'record.updated',
      module: 'Shipments',
    });
    for (const name of [
      'ONCRMDYNAMICITEMADD_7',
      'ONCRMDYNAMICITEMADD_031',
      'ONCRMDYNAMICITEMADD_',
      'ONCRMDYNAMICITEMSAVE_31',
    ])
      assert.equal(resolveEventAlias(name, WITH_DYNAMIC), null, name);
  });

  test('the generic names: the workflow module when it is dynamic, else the only dynamic module, else none', () => {
    assert.deepEqual(parseTriggerInput('ONCRMDYNAMICITEMADD', WITH_DYNAMIC, 'Shipments'), {
      trigger: 'record.created',
      module: 'Shipments',
    });
    assert.equal(parseTriggerInput('ONCRMDYNAMICITEMADD', WITH_DYNAMIC), null, 'ambiguous: two dynamic modules');
    assert.equal(parseTriggerInput('ONCRMDYNAMICITEMADD', WITH_DYNAMIC, 'Deals'), null);
    assert.deepEqual(parseTriggerInput('ONCRMDYNAMICITEMUPDATE', [...MODULES, dyn('Bills', 31)], 'Deals'), {
      trigger: 'record.updated',
      module: 'Bills',
    });
    assert.equal(parseTriggerInput('ONCRMDYNAMICITEMADD', MODULES), null, 'no dynamic module at all');
  });

  test('events of a dynamic module are named ONCRMDYNAMICITEM…, whatever its other alias', () => {
    assert.equal(bitrixEventName(dyn('Bills', 31), 'record.created'), 'ONCRMDYNAMICITEMADD');
    assert.equal(bitrixEventName(dyn('Bills', 31), 'record.updated'), 'ONCRMDYNAMICITEMUPDATE');
    const both: ModuleInfo = {
      name: 'X',
      label: 'X',
      fields: [],
      aliases: { bitrix24: 'QUOTE', bitrix24EntityTypeId: 7 },
    };
    assert.equal(bitrixEventName(both, 'record.deleted'), 'ONCRMDYNAMICITEMDELETE');
    assert.equal(bitrixEventName(dyn('Bad', 0), 'record.deleted'), null, 'a type id must be positive');
  });
});
