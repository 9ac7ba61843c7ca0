import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { moduleDescriptionProblems, moduleListProblems } from '../../../module/module-check.js';
import type { ModuleInfo } from '../../../module/host.js';

const mod = (name: string, fields: ModuleInfo['fields'], aliases?: ModuleInfo['aliases']): ModuleInfo => ({
  name,
  label: name,
  fields,
  ...(aliases ? { aliases } : {}),
});

describe('module descriptions from the host', () => {
  test('duplicate field names and references to unlisted modules are named by their path', () => {
    const m = mod('Orders', [
      { name: 'a', label: 'A', type: 'text' },
      { name: 'a', label: 'A again', type: 'number' },
      { name: 'who', label: 'Who', type: 'reference', references: 'People' },
      { name: 'self', label: 'Self', type: 'reference', references: 'Orders' },
      { name: 'loose', label: 'Loose', type: 'reference' },
    ]);
    const problems = moduleDescriptionProblems(m, ['Orders']);
    assert.deepEqual(Object.keys(problems).sort(), ['fields.1.name', 'fields.2.references', 'fields.4.references']);
    assert.match(problems['fields.1.name'], /duplicate field name a \(also fields\.0\.name\)/);
    assert.match(problems['fields.2.references'], /People/);
    assert.deepEqual(moduleDescriptionProblems(m.fields[0] ? mod('Fine', [m.fields[0]]) : m, []), {});
  });

  test('a list: module names twice, Bitrix24 type ids twice, bad type ids', () => {
    const problems = moduleListProblems([
      mod('A', [], { bitrix24EntityTypeId: 31 }),
      mod('B', [], { bitrix24EntityTypeId: 31 }),
      mod('A', []),
      mod('C', [], { bitrix24EntityTypeId: -1 }),
    ]);
    assert.ok(problems['B.aliases.bitrix24EntityTypeId'].includes("A's"));
    assert.ok(problems['A.name']);
    assert.ok(problems['C.aliases.bitrix24EntityTypeId']);
  });
});
