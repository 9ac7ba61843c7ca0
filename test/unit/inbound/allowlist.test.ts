import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  matchSource,
  normaliseClientAddress,
  parseSourceEntry,
  parseSourceList,
  type SourceEntry,
} from '../../../module/inbound/allowlist.js';

/** [input, expected kind, expected canonical text] */
const ACCEPTED: Array<[string, SourceEntry['kind'], string]> = [
  ['192.168.0.5', 'single', '192.168.0.5'],
  ['  10.0.0.1  ', 'single', '10.0.0.1'],
  ['0.0.0.0', 'single', '0.0.0.0'],
  ['255.255.255.255', 'single', '255.255.255.255'],
  ['::1', 'single', '::1'],
  ['2001:db8::5', 'single', '2001:db8::5'],
  ['2001:0DB8:0000:0000:0000:0000:0000:0005', 'single', '2001:db8::5'],
  ['2001:db8:0:0:1:0:0:1', 'single', '2001:db8::1:0:0:1'],
  ['64:ff9b::1.2.3.4', 'single', '64:ff9b::102:304'],
  ['192.168.0.*', 'wildcard', '192.168.0.*'],
  ['10.*.*.*', 'wildcard', '10.*.*.*'],
  ['172.16.*.*', 'wildcard', '172.16.*.*'],
  ['192.168.0.100-192.168.0.160', 'range', '192.168.0.100-192.168.0.160'],
  ['192.168.0.100 - 192.168.0.160', 'range', '192.168.0.100-192.168.0.160'],
  ['10.0.0.7-10.0.0.7', 'range', '10.0.0.7-10.0.0.7'],
  ['2001:db8::1-2001:db8::ff', 'range', '2001:db8::1-2001:db8::ff'],
  ['192.168.0.0/24', 'cidr', '192.168.0.0/24'],
  ['10.0.0.5/8', 'cidr', '10.0.0.0/8'],
  ['10.0.0.1/32', 'cidr', '10.0.0.1/32'],
  ['2001:db8::/32', 'cidr', '2001:db8::/32'],
  ['2001:db8:1234::5/32', 'cidr', '2001:db8::/32'],
  ['::1/128', 'cidr', '::1/128'],
  ['0.0.0.0/0', 'any4', '0.0.0.0/0'],
  ['10.1.2.3/0', 'any4', '0.0.0.0/0'],
  ['::/0', 'any6', '::/0'],
];

const REFUSED: Array<[string, RegExp]> = [
  ['', /empty/],
  ['   ', /empty/],
  ['10.1', /not a valid/],
  ['10.0.1', /not a valid/],
  ['0x0a000001', /not a valid/],
  ['167772161', /not a valid/],
  ['010.0.0.1', /not a valid/],
  ['0x0a.0.0.1', /not a valid/],
  ['1.2.3.256', /not a valid/],
  ['1.2.3.4.5', /not a valid/],
  ['1.2.3.', /not a valid/],
  ['localhost', /not a valid/],
  ['fe80::1%eth0', /not a valid/],
  ['fe80::1%1', /not a valid/],
  ['00001::', /not a valid/],
  ['1:2:3:4:5:6:7:8:9', /not a valid/],
  ['1::2::3', /not a valid/],
  ['::ffff:0x1.2.3.4', /not a valid/],
  ['::ffff:1.2.3.4', /IPv4-mapped/],
  ['::1.2.3.4', /not a valid/],
  ['[::1]', /not a valid/],
  ['1.2.3.4:80', /not a valid/],
  ['any', /0\.0\.0\.0\/0 and ::\/0/],
  ['ANY', /0\.0\.0\.0\/0 and ::\/0/],
  ['*', /0\.0\.0\.0\/0 and ::\/0/],
  ['*.*.*.*', /0\.0\.0\.0\/0/],
  ['192.*.0.*', /trailing/],
  ['*.168.0.1', /trailing/],
  ['192.168.*', /four octets/],
  ['192.168.0.1*', /whole octet/],
  ['192.168.01.*', /leading zeros/],
  ['256.1.*.*', /0-255/],
  ['192.168.0.160-192.168.0.100', /after its end/],
  ['10.0.0.1-::1', /same address family/],
  ['10.0.0.1-10.0.0.2-10.0.0.3', /start-end/],
  ['10.0.0.1-', /valid IPv4 or IPv6/],
  ['10.0.0.1-10.0.0.x', /valid IPv4 or IPv6/],
  ['::ffff:1.2.3.4-::ffff:1.2.3.9', /IPv4-mapped/],
  ['1.2.3.4/33', /prefix must be 0-32/],
  ['2001:db8::/129', /prefix must be 0-128/],
  ['10.0.0.0/', /address\/prefix/],
  ['10.0.0.0/08', /address\/prefix/],
  ['10.0.0.0/-1', /address\/prefix/],
  ['10.0.0.0/8/8', /address\/prefix/],
  ['10.0.0.0/ 8', /address\/prefix/],
  ['10.0/8', /network address/],
  ['010.0.0.0/8', /network address/],
  ['/8', /network address/],
  ['::ffff:0:0/96', /IPv4-mapped/],
  ['::ffff:10.0.0.0/104', /IPv4-mapped/],
];

describe('parseSourceEntry accepts and normalises', () => {
  for (const [input, kind, text] of ACCEPTED) {
    test(`${JSON.stringify(input)} → ${kind} ${text}`, () => {
      const parsed = parseSourceEntry(input);
      assert.ok('ok' in parsed, `expected ok, got ${JSON.stringify(parsed)}`);
      assert.equal(parsed.ok.kind, kind);
      assert.equal(parsed.ok.text, text);
      assert.deepEqual(JSON.parse(JSON.stringify(parsed.ok)), parsed.ok);
    });
  }
});

describe('parseSourceEntry refuses', () => {
  for (const [input, message] of REFUSED) {
    test(`${JSON.stringify(input)}`, () => {
      const parsed = parseSourceEntry(input);
      assert.ok('error' in parsed, `expected error, got ${JSON.stringify(parsed)}`);
      assert.match(parsed.error, message);
    });
  }
});

test('wildcard keeps its text but carries the CIDR it matches as', () => {
  assert.deepEqual(parseSourceEntry('10.*.*.*'), {
    ok: { kind: 'wildcard', family: 'ipv4', text: '10.*.*.*', network: '10.0.0.0', prefix: 8 },
  });
});

function entries(...texts: string[]): SourceEntry[] {
  const { entries: list, errors } = parseSourceList(texts);
  assert.deepEqual(errors, []);
  return list;
}

/** [client, list, allowed, matched entry text] */
const MATCHES: Array<[string, string[], boolean, string?]> = [
  ['192.168.0.77', ['192.168.0.0/24'], true, '192.168.0.0/24'],
  ['192.168.1.77', ['192.168.0.0/24'], false],
  ['10.200.3.4', ['10.0.0.5/8'], true, '10.0.0.0/8'],
  ['192.168.0.100', ['192.168.0.100-192.168.0.160'], true],
  ['192.168.0.160', ['192.168.0.100-192.168.0.160'], true],
  ['192.168.0.130', ['192.168.0.100-192.168.0.160'], true],
  ['192.168.0.99', ['192.168.0.100-192.168.0.160'], false],
  ['192.168.0.161', ['192.168.0.100-192.168.0.160'], false],
  ['192.168.0.9', ['192.168.0.*'], true, '192.168.0.*'],
  ['192.168.1.9', ['192.168.0.*'], false],
  ['10.9.8.7', ['10.*.*.*'], true],
  ['11.0.0.1', ['10.*.*.*'], false],
  ['10.0.0.1', ['10.0.0.1'], true, '10.0.0.1'],
  ['10.0.0.2', ['10.0.0.1'], false],
  ['::ffff:192.168.0.9', ['192.168.0.0/24'], true],
  ['::ffff:10.0.0.1', ['10.0.0.1'], true],
  ['::ffff:c0a8:9', ['192.168.0.*'], true],
  ['::ffff:10.0.0.150', ['10.0.0.100-10.0.0.200'], true],
  ['2001:db8:abcd::1', ['2001:db8::/32'], true],
  ['2001:db9::1', ['2001:db8::/32'], false],
  ['2001:db8::80', ['2001:db8::1-2001:db8::ff'], true],
  ['2001:db8::100', ['2001:db8::1-2001:db8::ff'], false],
  ['2001:DB8:0:0:0:0:0:5', ['2001:db8::5'], true],
  ['::1', ['127.0.0.1', '10.0.0.0/8', '0.0.0.0/0'], false],
  ['127.0.0.1', ['::1', '::/0'], false],
  ['203.0.113.9', ['0.0.0.0/0'], true, '0.0.0.0/0'],
  ['::ffff:203.0.113.9', ['0.0.0.0/0'], true],
  ['2001:db8::9', ['::/0'], true, '::/0'],
  ['::ffff:203.0.113.9', ['::/0'], false],
  ['203.0.113.9', ['10.0.0.0/8', '203.0.113.0/24'], true, '203.0.113.0/24'],
  ['10.0.0.1', [], false],
  ['', ['0.0.0.0/0'], false],
  ['garbage', ['0.0.0.0/0'], false],
  ['010.0.0.1', ['0.0.0.0/0'], false],
  ['fe80::1%eth0', ['::/0'], false],
];

describe('matchSource', () => {
  for (const [client, list, allowed, text] of MATCHES) {
    test(`${JSON.stringify(client)} vs [${list.join(', ')}] → ${allowed ? 'allowed' : 'denied'}`, () => {
      const result = matchSource(client, entries(...list));
      assert.equal(result.allowed, allowed, JSON.stringify(result));
      if (result.allowed && text) assert.equal(result.entry.text, text);
    });
  }

  test('denial reasons', () => {
    assert.deepEqual(matchSource('10.0.0.1', []), { allowed: false, reason: 'no allowed sources' });
    assert.deepEqual(matchSource('nope', entries('10.0.0.1')), {
      allowed: false,
      reason: 'unparseable client address',
    });
    assert.deepEqual(matchSource('::2', entries('10.0.0.1')), {
      allowed: false,
      reason: '::2 is not an allowed source',
    });
  });

  test('never throws on malformed entries or input, and skips them', () => {
    const bad = [
      { kind: 'cidr', family: 'ipv4', text: 'x', network: 'nope', prefix: 8 },
      { kind: 'cidr', family: 'ipv4', text: 'y', network: '10.0.0.0', prefix: 99 },
      { kind: 'single', family: 'ipv6', text: 'z', address: '10.0.0.1' },
      { kind: 'weird', family: 'ipv4', text: 'w' },
      null,
    ] as unknown as SourceEntry[];
    assert.equal(matchSource('10.0.0.1', bad).allowed, false);
    assert.equal(matchSource('10.0.0.1', [...bad, ...entries('10.0.0.1')]).allowed, true);
    assert.equal(matchSource(undefined as unknown as string, entries('10.0.0.1')).allowed, false);
    assert.equal(matchSource('10.0.0.1', undefined as unknown as SourceEntry[]).allowed, false);
  });
});

describe('parseSourceList', () => {
  test('lines, commas, blanks, duplicates, errors with 1-based line numbers', () => {
    const result = parseSourceList('10.0.0.1, 10.0.0.2\n\n  \n10.0.0.5/8\r\n10.0.0.0/8,bad\n1.2.3.4/33\n10.0.0.1');
    assert.deepEqual(
      result.entries.map((e) => e.text),
      ['10.0.0.1', '10.0.0.2', '10.0.0.0/8'],
    );
    assert.deepEqual(
      result.errors.map((e) => [e.line, e.text]),
      [
        [5, 'bad'],
        [6, '1.2.3.4/33'],
      ],
    );
  });

  test('array input uses the index as line; canonical duplicates collapse', () => {
    const result = parseSourceList(['2001:db8::5', '2001:0db8::0005', '', 'x.y']);
    assert.deepEqual(
      result.entries.map((e) => e.text),
      ['2001:db8::5'],
    );
    assert.deepEqual(result.errors, [{ line: 4, text: 'x.y', error: 'not a valid IPv4 or IPv6 address' }]);
  });

  test('empty input gives no entries (deny all)', () => {
    assert.deepEqual(parseSourceList(''), { entries: [], errors: [] });
    assert.deepEqual(parseSourceList([]), { entries: [], errors: [] });
  });
});

test('normaliseClientAddress maps IPv4-mapped IPv6 and canonicalises', () => {
  assert.equal(normaliseClientAddress('::ffff:10.0.0.1'), '10.0.0.1');
  assert.equal(normaliseClientAddress(' 2001:DB8::0:1 '), '2001:db8::1');
  assert.equal(normaliseClientAddress('10.1'), null);
  assert.equal(normaliseClientAddress(undefined), null);
});
