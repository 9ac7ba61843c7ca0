/**
 * Scans that see anonymous input before (short path) or right after (multipart part headers) the
 * permission check stay linear: they used patterns that backtrack quadratically on runs like
 * `*=*=*=…` or `////…x`. Steps are counted, not timed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extendedValueCharsets } from '../../../module/inbound/media-types.js';
import { matchShortPath, shortUrlOf } from '../../../module/inbound/short-url.js';
import { trimTrailingSlashes } from '../../../module/text.js';

test('RFC 5987 charsets are found as before', () => {
  assert.deepEqual(extendedValueCharsets(`Content-Disposition: form-data; name*=utf-8''caf%C3%A9`), ['utf-8']);
  assert.deepEqual(extendedValueCharsets(`x; name* = "ISO-8859-1'en'x"`), ['ISO-8859-1']);
  assert.deepEqual(extendedValueCharsets(`name*=''x`), ['']);
  assert.deepEqual(extendedValueCharsets(`name=plain; *nope`), []);
  assert.deepEqual(
    extendedValueCharsets(`name*=${'a'.repeat(100)}`),
    ['a'.repeat(64)],
    'an over-long run is reported (and refused), never skipped',
  );
});

test('the charset scan examines each character a bounded number of times on hostile runs', () => {
  for (const unit of ['*=', '* =', '*= ', '*=a', '*  ', '*="']) {
    const input = unit.repeat(Math.ceil(1_000_000 / unit.length));
    const probe = { steps: 0 };
    extendedValueCharsets(input, probe);
    assert.ok(
      probe.steps <= input.length * 2,
      `${JSON.stringify(unit)}: ${probe.steps} steps for ${input.length} characters`,
    );
  }
});

test('trailing slashes are trimmed without a pattern; the short path is matched on hostile runs', () => {
  assert.equal(trimTrailingSlashes('/wf///'), '/wf');
  assert.equal(trimTrailingSlashes('///'), '');
  assert.equal(trimTrailingSlashes(`/wf${'/'.repeat(200_000)}x`), `/wf${'/'.repeat(200_000)}x`);
  assert.equal(matchShortPath(`/${'/'.repeat(200_000)}x`, '/'), null, 'a long run of slashes is no short URL');
  assert.deepEqual(matchShortPath('/', '/'), {});
  assert.deepEqual(matchShortPath('/hft_abc/', '/'), { token: 'hft_abc' });
  assert.equal(shortUrlOf('https://crm.example///', '/wf/', '/'), 'https://crm.example/wf');
});
