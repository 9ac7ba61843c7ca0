import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  WorkflowTrigger,
  RecordEventType,
  bitrixEventName,
  eventTypeName,
  parseTriggerInput,
  resolveEventAlias,
  triggerMatchesEvent,
} from '../../../module/workflows/triggers.js';

const EVENTS: RecordEventType[] = ['record.created', 'record.updated', 'record.deleted'];

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
      for (const event of EVENTS) assert.equal(triggerMatchesEvent(trigger, event), matching.includes(event), `${trigger} / ${event}`);
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
    for (const [name, module, eventType] of table) assert.deepEqual(resolveEventAlias(name), { module, eventType }, name);
  });

  test('resolveEventAlias is case-insensitive and ignores surrounding whitespace', () => {
    assert.deepEqual(resolveEventAlias('onCrmDealUpdate'), { module: 'Deals', eventType: 'record.updated' });
    assert.deepEqual(resolveEventAlias('  oncrmcompanyadd '), { module: 'Accounts', eventType: 'record.created' });
  });

  test('resolveEventAlias refuses anything else', () => {
    for (const name of ['', 'ONCRMDEAL', 'ONCRMDEALMERGE', 'ONCRMINVOICEADD', 'ONCRMDEALADDX', 'XONCRMDEALADD', 'ONCRM DEAL ADD', 'record.created', 'toString']) {
      assert.equal(resolveEventAlias(name), null, name);
    }
    assert.equal(resolveEventAlias(undefined as unknown as string), null);
  });

  test('bitrixEventName is the exact reverse', () => {
    for (const [name, module, eventType] of table) assert.equal(bitrixEventName(module, eventType), name);
  });

  test('bitrixEventName is null for modules without a Bitrix entity', () => {
    assert.equal(bitrixEventName('Invoices', 'record.created'), null);
    assert.equal(bitrixEventName('deals', 'record.created'), null);
    assert.equal(bitrixEventName('Companies', 'record.created'), null);
    assert.equal(bitrixEventName('Deals', 'record.saved' as RecordEventType), null);
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
    assert.deepEqual(EVENTS.map((e) => eventTypeName('Deals', e)), ['deal.created', 'deal.updated', 'deal.deleted']);
  });

  test('unknown modules: lower-cased, one trailing s removed', () => {
    assert.equal(eventTypeName('Invoices', 'record.created'), 'invoice.created');
    assert.equal(eventTypeName('Quotes', 'record.updated'), 'quote.updated');
    assert.equal(eventTypeName('Tasks', 'record.deleted'), 'task.deleted');
    assert.equal(eventTypeName('Inventory', 'record.created'), 'inventory.created');
    assert.equal(eventTypeName('Address', 'record.created'), 'addres.created');
    assert.equal(eventTypeName('toString', 'record.created'), 'tostring.created');
  });

  test('unusual characters are folded so the name keeps one dot', () => {
    assert.equal(eventTypeName('Sales Orders', 'record.created'), 'sales_order.created');
    assert.equal(eventTypeName('a.b', 'record.created'), 'a_b.created');
    assert.equal(eventTypeName('S', 'record.created'), 'record.created');
  });
});

describe('parseTriggerInput', () => {
  test('canonical triggers come back without a module', () => {
    for (const t of WorkflowTrigger.options) assert.deepEqual(parseTriggerInput(t), { trigger: t });
    assert.deepEqual(parseTriggerInput(' Record.Saved '), { trigger: 'record.saved' });
    assert.deepEqual(parseTriggerInput('HTTP'), { trigger: 'http' });
  });

  test('Bitrix aliases give the event type and the module', () => {
    assert.deepEqual(parseTriggerInput('ONCRMDEALUPDATE'), { trigger: 'record.updated', module: 'Deals' });
    assert.deepEqual(parseTriggerInput('oncrmleadadd'), { trigger: 'record.created', module: 'Leads' });
    assert.deepEqual(parseTriggerInput('ONCRMCOMPANYDELETE'), { trigger: 'record.deleted', module: 'Accounts' });
  });

  test('anything else is null', () => {
    for (const v of ['', 'deal.updated', 'record', 'ONCRMDEALSAVE', 'webhook']) assert.equal(parseTriggerInput(v), null, v);
    assert.equal(parseTriggerInput(null as unknown as string), null);
  });
});
