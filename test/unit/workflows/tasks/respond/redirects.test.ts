/** The respond task's redirect (issue 14, finding 7); the full case list is test/corpus/inbound-redirects.tsv. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isHookflowError } from '../../../../../module/errors.js';
import { respondTask } from '../../../../../module/workflows/tasks/respond/task.js';
import { fakeContext } from '../fake-context.js';

function run(options: Record<string, unknown>, env: Record<string, unknown>, baseUrl = 'https://crm.example') {
  const { ctx, response } = fakeContext({ env, baseUrl });
  return respondTask.run(respondTask.options.parse(options), ctx).then((logged) => ({ logged, response: response() }));
}

describe('respond: redirects', () => {
  test('a path from $env stays on the site; the answer and the run log carry the resolved URL', async () => {
    const { logged, response } = await run(
      { redirectUrl: '/{{env.page}}', body: { ok: true } },
      { page: 'a/../thanks' },
    );
    assert.deepEqual(response, { status: undefined, body: { ok: true }, redirectUrl: '/thanks' });
    assert.deepEqual(logged, { status: null, redirectUrl: '/thanks', body: { ok: true } });
  });

  test('an origin only $env names is refused, with a coded error naming redirectUrl', async () => {
    await assert.rejects(run({ redirectUrl: '{{env.next}}?id=1' }, { next: 'https://shop.example/thanks' }), (err) => {
      assert.ok(isHookflowError(err));
      assert.equal(err.code, 'validation_failed');
      assert.match(err.message, /^redirect URL leads to another site \(https:\/\/shop\.example\)/);
      assert.ok(err.fields?.redirectUrl);
      return true;
    });
  });

  test('the origin the admin wrote out is allowed, and only that one', async () => {
    const { response } = await run({ redirectUrl: 'https://shop.example/thanks?id={{env.id}}' }, { id: 12 });
    assert.equal(response?.redirectUrl, 'https://shop.example/thanks?id=12');
    await assert.rejects(
      run({ redirectUrl: 'https://shop.example{{env.rest}}' }, { rest: '.evil.example/' }),
      /another site \(https:\/\/shop\.example\.evil\.example\)/,
    );
  });

  test('the site is the host base URL: http://crm.test and https://crm.test are different sites', async () => {
    assert.equal(
      (await run({ redirectUrl: '{{env.u}}' }, { u: 'http://crm.test/x' }, 'http://crm.test/')).response?.redirectUrl,
      '/x',
    );
    await assert.rejects(
      run({ redirectUrl: '{{env.u}}' }, { u: 'https://crm.test/x' }, 'http://crm.test/'),
      /another site/,
    );
  });

  test('without an http(s) base URL a path cannot be checked and is refused', async () => {
    await assert.rejects(
      run({ redirectUrl: '/thanks' }, {}, ''),
      /redirect URL is not an absolute URL, and the CRM has no http\(s\) base URL/,
    );
    assert.equal(
      (await run({ redirectUrl: 'https://shop.example/x' }, {}, '')).response?.redirectUrl,
      'https://shop.example/x',
    );
  });

  test('save-time check: static URLs decided now, templated ones by their literal part', () => {
    const validate = (redirectUrl: string) =>
      respondTask.validate!(respondTask.options.parse({ redirectUrl }), null as never);
    assert.deepEqual(validate('/thanks'), {});
    assert.deepEqual(validate('https://shop.example/thanks?id={{env.id}}'), {});
    assert.deepEqual(validate('ftp://x'), { redirectUrl: 'must be an http(s) URL' });
    assert.deepEqual(validate('javascript:{{env.x}}'), { redirectUrl: 'must be an http(s) URL' });
    assert.match(validate('/\\evil.example').redirectUrl ?? '', /another site \(https?:\/\/evil\.example\)/);
  });
});
