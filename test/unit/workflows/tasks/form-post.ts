/** A form post through a task type's form: its options must pass the type's schema, and reading is repeatable. */
import assert from 'node:assert/strict';
import type { AnyTaskDefinition } from '../../../../module/workflows/task-types.js';

export function postedOptions(def: AnyTaskDefinition, body: Record<string, unknown>): unknown {
  const parsed = def.form.fromBody(body);
  const result = def.options.safeParse(parsed.options);
  assert.ok(result.success, `${def.id}: ${JSON.stringify(result.error?.issues)}`);
  assert.deepEqual(def.form.fromBody(body).values, parsed.values);
  return result.data;
}
