/** The set_env task against fake collaborators (no I/O). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { setEnvTask } from '../../../../../module/workflows/tasks/set-env/task.js';
import { fakeContext } from '../fake-context.js';

describe('set_env', () => {
  test('sets values in order; later values see earlier ones; types kept for single references', async () => {
    const { ctx, tpl } = fakeContext({ env: { n: 5 } });
    const out = await setEnvTask.run(
      setEnvTask.options.parse({
        values: [
          { name: 'a', value: '$env.n' },
          { name: 'b', value: 'x{{env.a}}' },
        ],
      }),
      ctx,
    );
    assert.deepEqual(out, { set: { a: 5, b: 'x5' } });
    assert.equal(tpl.env.a, 5);
  });
  test('refuses dotted or forbidden names', () => {
    assert.equal(setEnvTask.options.safeParse({ values: [{ name: '__proto__', value: 1 }] }).success, false);
    assert.equal(setEnvTask.options.safeParse({ values: [{ name: 'a.b', value: 1 }] }).success, false);
  });
});
