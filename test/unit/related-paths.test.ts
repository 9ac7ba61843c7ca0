import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModuleInfo } from '../../module/host.js';
import { followsReference, recordPathsIn, relatedChainsOf, resolveRelatedPath } from '../../module/related-paths.js';
import { mayPassConditions, type Condition } from '../../module/workflows/conditions.js';

const ref = (name: string, references: string) => ({ name, label: name, type: 'reference' as const, references });
const text = (name: string) => ({ name, label: name, type: 'text' as const });
const MODULES: ModuleInfo[] = [
  {
    name: 'Deals',
    label: 'Deals',
    fields: [text('title'), ref('account_id', 'Accounts'), ref('owner', 'Users'), ref('contact_id', 'Contacts')],
  },
  { name: 'Contacts', label: 'Contacts', fields: [text('name'), ref('account_id', 'Accounts')] },
  { name: 'Accounts', label: 'Accounts', fields: [text('name'), ref('parent_id', 'Accounts')] },
  { name: 'Odd', label: 'Odd', fields: [text('account'), ref('account_id', 'Accounts'), ref('gone_id', 'Nowhere')] },
];
const [deals, , , odd] = MODULES;
const resolve = (from: ModuleInfo, path: string) => {
  const r = resolveRelatedPath(MODULES, from, path);
  return r && 'hops' in r ? { hops: r.hops.map((h) => `${h.as}→${h.target.name}`), field: r.field } : r;
};

describe('resolveRelatedPath', () => {
  test('one and two hops, named by the field less _id, or by a reference field without the suffix', () => {
    assert.deepEqual(resolve(deals, 'account.name'), { hops: ['account→Accounts'], field: 'name' });
    assert.deepEqual(resolve(deals, 'contact.account.name'), {
      hops: ['contact→Contacts', 'account→Accounts'],
      field: 'name',
    });
    assert.deepEqual(resolve(deals, 'account.id'), { hops: ['account→Accounts'], field: 'id' });
  });
  test('not related: own fields, unknown heads, the id field itself', () => {
    assert.equal(resolve(deals, 'title'), null);
    assert.equal(resolve(deals, 'account_id'), null);
    assert.equal(resolve(deals, 'account_id.name'), null, 'the id keeps its own name; the hop is "account"');
    assert.equal(resolve(deals, 'nothing.name'), null);
    assert.equal(resolve(odd, 'account.name'), null, "the module's own `account` field wins");
  });
  test('errors name what is wrong', () => {
    assert.deepEqual(resolve(deals, 'account.nme'), { error: 'Accounts has no field "nme" (in "account.nme")' });
    assert.deepEqual(resolve(deals, 'account.parent.parent.name'), {
      error: '"account.parent.parent.name" follows more than 2 related records; at most 2 hops',
    });
    assert.match(
      (resolve(odd, 'gone.name') as { error: string }).error,
      /refers to module Nowhere, which does not exist/,
    );
    assert.match((resolve(deals, 'owner.name') as { error: string }).error, /refers to module Users/);
  });
});

describe('recordPathsIn and relatedChainsOf', () => {
  test('finds record paths of two or more segments in both template syntaxes', () => {
    assert.deepEqual(recordPathsIn('{{record.account.name}} and $record.contact.account.city, {{record.title}}'), [
      'account.name',
      'contact.account.city',
    ]);
    assert.deepEqual(recordPathsIn('{{previous.account.name}} $recordings.x.y'), []);
  });
  test('every prefix of every chain, once', () => {
    assert.deepEqual(relatedChainsOf(MODULES, deals, ['contact.account.name', 'account.name', 'account.id', 'title']), [
      ['contact'],
      ['contact', 'account'],
      ['account'],
    ]);
  });
});

describe('mayPassConditions (related conditions deferred to the run)', () => {
  const c = (field: string, value: string): Condition => ({ field, op: 'equals', value });
  const input = { record: { stage: 'Won' }, previous: null };
  const related = (i: number) => i === 1;
  test('all: every known condition must pass; the deferred one waits', () => {
    assert.equal(
      mayPassConditions(
        { join: 'all', conditions: [c('stage', 'Won'), c('account.industry', 'Retail')] },
        input,
        related,
      ),
      true,
    );
    assert.equal(
      mayPassConditions(
        { join: 'all', conditions: [c('stage', 'Lost'), c('account.industry', 'Retail')] },
        input,
        related,
      ),
      false,
    );
  });
  test('any: a known pass, or a deferred one, may pass', () => {
    assert.equal(
      mayPassConditions(
        { join: 'any', conditions: [c('stage', 'Lost'), c('account.industry', 'Retail')] },
        input,
        related,
      ),
      true,
    );
    assert.equal(
      mayPassConditions({ join: 'any', conditions: [c('stage', 'Lost'), c('stage', 'Open')] }, input, () => false),
      false,
    );
  });
});

describe('followsReference (the save path, without the host)', () => {
  const fields = { title: 'x', account_id: 7, owner: 3, contact: { name: 'Ada' }, empty: null };
  test('a hop name beside its _id field, or a field holding an id, is related', () => {
    assert.equal(followsReference('account.industry', fields), true);
    assert.equal(followsReference('owner.name', fields), true);
    assert.equal(followsReference('empty.name', fields), true);
  });
  test('an object field, a plain field and an unknown head are not', () => {
    assert.equal(followsReference('contact.name', fields), false);
    assert.equal(followsReference('title', fields), false);
    assert.equal(followsReference('nothing.name', fields), false);
  });
});
