/** The respond task against fake collaborators (no I/O). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { respondTask } from '../../../../../module/workflows/tasks/respond/task.js';
import { fakeContext, validation } from '../fake-context.js';

describe('respond', () => {
  test('renders body and redirect; refuses javascript: and header-splitting redirects', async () => {
    const { ctx, response } = fakeContext({ env: { created: 12 } });
    await respondTask.run(
      respondTask.options.parse({
        body: { id: '$env.created' },
        redirectUrl: 'https://shop.example/thanks?id={{env.created}}',
      }),
      ctx,
    );
    assert.deepEqual(response(), {
      status: undefined,
      body: { id: 12 },
      redirectUrl: 'https://shop.example/thanks?id=12',
    });
    const bad = fakeContext({ env: { next: 'javascript:alert(1)' } });
    await assert.rejects(
      respondTask.run(respondTask.options.parse({ redirectUrl: '{{env.next}}' }), bad.ctx),
      /redirect URL/,
    );
    assert.deepEqual(respondTask.validate!(respondTask.options.parse({ redirectUrl: 'ftp://x' }), validation()), {
      redirectUrl: 'must be an http(s) URL',
    });
    assert.equal(respondTask.options.safeParse({}).success, false, 'needs something to respond with');
  });
});

test('summary: a redirect names its target', () => {
  assert.equal(respondTask.summary({ redirectUrl: '/thanks' }), 'Redirects to /thanks');
});
