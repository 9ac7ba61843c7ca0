import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseSourceList } from '../../../module/inbound/allowlist.js';
import {
  parseTrustedProxies,
  resolveClientAddress,
  type TrustedProxies,
} from '../../../module/inbound/client-address.js';

function trust(...texts: string[]): TrustedProxies {
  const { entries, errors } = parseSourceList(texts);
  assert.deepEqual(errors, []);
  return { entries };
}

const NONE: TrustedProxies = { entries: [] };
const PROXY = trust('10.0.0.0/8', '2001:db8::/32');

/** [name, socket, X-Forwarded-For, trusted, expected ok address or error pattern] */
const CASES: Array<[string, string | undefined, string | string[] | undefined, TrustedProxies, string | RegExp]> = [
  ['no proxies: socket address', '203.0.113.9', undefined, NONE, '203.0.113.9'],
  ['no proxies: X-Forwarded-For ignored', '203.0.113.9', '10.0.0.1', NONE, '203.0.113.9'],
  ['no proxies: garbage X-Forwarded-For ignored', '203.0.113.9', 'garbage, , x', NONE, '203.0.113.9'],
  ['hops 0: X-Forwarded-For ignored', '203.0.113.9', '10.0.0.1', { hops: 0 }, '203.0.113.9'],
  ['mapped socket address is reported as IPv4', '::ffff:203.0.113.9', undefined, NONE, '203.0.113.9'],
  ['IPv6 socket address canonicalised', '2001:DB8:0::1', undefined, NONE, '2001:db8::1'],
  ['missing socket address', undefined, '1.2.3.4', NONE, /socket address/],
  ['unparseable socket address', 'nope', undefined, NONE, /socket address/],
  ['untrusted peer: header ignored entirely', '203.0.113.9', '10.0.0.1', PROXY, '203.0.113.9'],
  ['untrusted peer: garbage header ignored', '203.0.113.9', 'garbage', PROXY, '203.0.113.9'],
  ['trusted peer, one hop', '10.0.0.2', '198.51.100.7', PROXY, '198.51.100.7'],
  ['trusted peer, mapped socket', '::ffff:10.0.0.2', '198.51.100.7', PROXY, '198.51.100.7'],
  ['trusted chain walk stops at first untrusted', '10.0.0.2', '1.1.1.1, 198.51.100.7, 10.0.0.3', PROXY, '198.51.100.7'],
  ['spoofed left-most entry is never reached', '10.0.0.2', '10.9.9.9, 198.51.100.7', PROXY, '198.51.100.7'],
  ['several header lines read in order', '10.0.0.2', ['1.1.1.1', '198.51.100.7, 10.0.0.3'], PROXY, '198.51.100.7'],
  ['mapped address in header normalised', '10.0.0.2', '::ffff:198.51.100.7', PROXY, '198.51.100.7'],
  ['IPv6 chain', '2001:db8::1', '2001:db8:0::2, 2a00:1450::5', PROXY, '2a00:1450::5'],
  ['all hops trusted: left-most wins', '10.0.0.2', '10.0.0.9, 10.0.0.3', PROXY, '10.0.0.9'],
  ['trusted peer, no header: socket', '10.0.0.2', undefined, PROXY, '10.0.0.2'],
  ['trusted peer, blank header: socket', '10.0.0.2', '  ', PROXY, '10.0.0.2'],
  [
    'garbage where the client would be read',
    '10.0.0.2',
    'not-an-ip',
    PROXY,
    /unparseable X-Forwarded-For entry "not-an-ip"/,
  ],
  ['garbage with port', '10.0.0.2', '198.51.100.7:4444', PROXY, /unparseable/],
  ['blank item where the client would be read', '10.0.0.2', '198.51.100.7, ', PROXY, /unparseable/],
  ['garbage behind the client is never read', '10.0.0.2', 'junk, 198.51.100.7', PROXY, '198.51.100.7'],
  ['hops 1', '10.0.0.2', '6.6.6.6, 198.51.100.7', { hops: 1 }, '198.51.100.7'],
  ['hops 2', '10.0.0.2', '6.6.6.6, 198.51.100.7, 10.0.0.3', { hops: 2 }, '198.51.100.7'],
  ['hops 1 with mapped entry', '10.0.0.2', '::ffff:198.51.100.7', { hops: 1 }, '198.51.100.7'],
  ['hops longer than header refused', '10.0.0.2', '198.51.100.7', { hops: 2 }, /1 entries but 2 trusted hops/],
  ['hops with no header refused', '10.0.0.2', undefined, { hops: 1 }, /0 entries/],
  ['hops: garbage chosen', '10.0.0.2', '198.51.100.7, 010.1.2.3', { hops: 1 }, /unparseable/],
  ['hops: garbage not chosen', '10.0.0.2', 'junk, 198.51.100.7', { hops: 1 }, '198.51.100.7'],
  ['bad hop count', '10.0.0.2', '1.1.1.1', { hops: -1 }, /hop count/],
  ['fractional hop count', '10.0.0.2', '1.1.1.1', { hops: 1.5 }, /hop count/],
];

describe('resolveClientAddress', () => {
  for (const [name, socketAddress, forwardedFor, trusted, expected] of CASES) {
    test(name, () => {
      const result = resolveClientAddress({ socketAddress, forwardedFor, trusted });
      if (typeof expected === 'string') assert.deepEqual(result, { ok: expected });
      else {
        assert.ok('error' in result, JSON.stringify(result));
        assert.match(result.error, expected);
      }
    });
  }

  test('long garbage is clipped in the error', () => {
    const result = resolveClientAddress({ socketAddress: '10.0.0.2', forwardedFor: 'x'.repeat(500), trusted: PROXY });
    assert.ok('error' in result);
    assert.ok(result.error.length < 120);
  });

  test('malformed trusted value falls back to the socket address', () => {
    const trusted = {} as unknown as TrustedProxies;
    assert.deepEqual(resolveClientAddress({ socketAddress: '203.0.113.9', forwardedFor: '1.1.1.1', trusted }), {
      ok: '203.0.113.9',
    });
  });
});

describe('parseTrustedProxies', () => {
  test('no values trusts nobody', () => {
    assert.deepEqual(parseTrustedProxies([]), { ok: { entries: [] } });
    assert.deepEqual(parseTrustedProxies(['', '  ']), { ok: { entries: [] } });
  });

  test('addresses and CIDRs, de-duplicated', () => {
    const result = parseTrustedProxies(['10.0.0.5/8', ' 10.0.0.0/8 ', '::1', '192.168.0.*']);
    assert.ok('ok' in result && 'entries' in result.ok);
    assert.deepEqual(
      result.ok.entries.map((e) => e.text),
      ['10.0.0.0/8', '::1', '192.168.0.*'],
    );
  });

  test('a number string is a hop count', () => {
    assert.deepEqual(parseTrustedProxies(['1']), { ok: { hops: 1 } });
    assert.deepEqual(parseTrustedProxies([' 2 ']), { ok: { hops: 2 } });
    assert.deepEqual(parseTrustedProxies(['0']), { ok: { hops: 0 } });
  });

  test('errors per entry', () => {
    assert.deepEqual(parseTrustedProxies(['10.0.0.1', 'nope', '1.2.3.4/33']), {
      errors: [
        { index: 1, text: 'nope', error: 'not a valid IPv4 or IPv6 address' },
        { index: 2, text: '1.2.3.4/33', error: 'prefix must be 0-32' },
      ],
    });
  });

  test('refuses trusting everyone, huge hop counts and mixing hops with addresses', () => {
    const anyResult = parseTrustedProxies(['0.0.0.0/0', '::/0']);
    assert.ok('errors' in anyResult && anyResult.errors.length === 2);
    const huge = parseTrustedProxies(['99']);
    assert.ok('errors' in huge);
    assert.match(huge.errors[0].error, /hop count must be 0-16/);
    const mixed = parseTrustedProxies(['1', '10.0.0.1']);
    assert.ok('errors' in mixed);
    assert.deepEqual(
      mixed.errors.map((e) => e.index),
      [0],
    );
    assert.ok('errors' in parseTrustedProxies(['01']));
  });
});
