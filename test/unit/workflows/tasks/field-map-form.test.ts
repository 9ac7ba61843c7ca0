/** The record tasks' field rows carry "if empty" per row through the form, both ways. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTaskRegistry } from '../../../../module/workflows/tasks/index.js';

test('fieldBlank rows become whenBlank options and come back selected', () => {
  const registry = createTaskRegistry();
  for (const type of ['create_record', 'update_record'] as const) {
    const form = registry.get(type)!.form;
    const body = {
      targetModule: 'Leads',
      fieldName: ['email', 'company', ''],
      fieldValue: ['$env.email', '$env.company', ''],
      fieldBlank: ['leave_unset', 'send_empty', 'send_empty'],
    };
    const parsed = form.fromBody(body);
    const options = registry.get(type)!.options.parse(parsed.options) as {
      fields: Array<{ field: string; whenBlank: string }>;
    };
    assert.deepEqual(
      options.fields.map((f) => [f.field, f.whenBlank]),
      [
        ['email', 'leave_unset'],
        ['company', 'send_empty'],
      ],
      type,
    );
    const back = form.fromOptions(options);
    assert.deepEqual(
      (back.fields as Array<{ whenBlank: string }>).map((f) => f.whenBlank),
      ['leave_unset', 'send_empty'],
    );
    const tampered = form.fromBody({ ...body, fieldBlank: ['nonsense', 'send_empty'] });
    assert.equal(
      (tampered.options as { fields: Array<{ whenBlank: string }> }).fields[0].whenBlank,
      'leave_unset',
      'anything else is the default',
    );
  }
});
