import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import {
  BLOCKED_CODE,
  checkAddress,
  checkUrlSyntax,
  createGuardedAgent,
  createGuardedLookup,
  isBlockedError,
  parseAllowlist,
  type CidrList,
  type Resolver,
} from '../../../module/outbound/url-guard.js';

function allowlist(entries: string[]): CidrList {
  const parsed = parseAllowlist(entries);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.ok;
}

const REFUSED = [
  '127.0.0.1',
  '127.255.255.254',
  '10.0.0.1',
  '10.255.255.255',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.0.1',
  '169.254.169.254',
  '100.64.0.1',
  '100.127.255.254',
  '0.0.0.0',
  '0.1.2.3',
  '224.0.0.1',
  '239.255.255.250',
  '255.255.255.255',
  '198.18.0.1',
  '198.19.255.255',
  '192.0.2.1',
  '198.51.100.1',
  '203.0.113.1',
  '192.0.0.8',
  '240.0.0.1',
  '::1',
  '::',
  'fd00::1',
  'fc00::1',
  'fe80::1',
  'ff02::1',
  '::ffff:7f00:1',
  '::ffff:127.0.0.1',
  '::ffff:10.0.0.1',
  '::ffff:169.254.169.254',
  '64:ff9b::a9fe:a9fe',
  '64:ff9b:1::1',
  '2002:7f00:1::',
  '2001:db8::',
  '2001:db8::1',
  '2001::1',
  '2001:2::1',
  '100::1',
  'fec0::1',
  '::7f00:1',
  '4000::1',
  'fe80::1%eth0',
  'not-an-ip',
  '',
  '127.1',
  '0x7f000001',
  '2130706433',
  '1.2.3',
  '256.1.1.1',
];
const ALLOWED = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.216.34',
  '172.32.0.1',
  '100.128.0.1',
  '::ffff:8.8.8.8',
  '2606:4700:4700::1111',
  '2a00:1450:4001:80b::200e',
];

describe('checkAddress', () => {
  for (const ip of REFUSED) {
    test(`refuses ${JSON.stringify(ip)}`, () => {
      const verdict = checkAddress(ip, []);
      assert.equal(verdict.allowed, false);
      assert.ok(!verdict.allowed && verdict.reason.length > 0);
    });
  }
  for (const ip of ALLOWED) {
    test(`allows ${ip}`, () => assert.deepEqual(checkAddress(ip, []), { allowed: true }));
  }

  test('allowlisted CIDRs let private addresses through, nothing more', () => {
    const list = allowlist(['10.1.0.0/16', '127.0.0.1', 'fd00::/8', '::ffff:192.168.0.0/112']);
    assert.deepEqual(checkAddress('10.1.2.3', list), { allowed: true });
    assert.deepEqual(checkAddress('::ffff:10.1.2.3', list), { allowed: true });
    assert.deepEqual(checkAddress('127.0.0.1', list), { allowed: true });
    assert.deepEqual(checkAddress('fd12::1', list), { allowed: true });
    assert.deepEqual(checkAddress('192.168.7.7', list), { allowed: true });
    assert.equal(checkAddress('10.2.0.1', list).allowed, false);
    assert.equal(checkAddress('127.0.0.2', list).allowed, false);
    assert.equal(checkAddress('169.254.169.254', list).allowed, false);
  });
});

describe('parseAllowlist', () => {
  test('accepts CIDRs and single addresses', () => {
    const list = allowlist(['10.0.0.0/8', ' 192.168.1.5 ', 'fd00::/8', '::1']);
    assert.deepEqual(
      list.map((e) => e.prefix),
      [8, 32, 8, 128],
    );
  });
  test('refuses junk, host bits, /0 and odd notations', () => {
    for (const entry of [
      'nope',
      '10.0.0.0/33',
      '10.0.0.1/8',
      '0.0.0.0/0',
      '::/0',
      '10.1/16',
      '10.0.0.0/x',
      'fe80::1%eth0',
      '',
    ]) {
      const result = parseAllowlist(['8.8.8.8/32', entry]);
      assert.ok('error' in result, entry);
      assert.match((result as { error: string }).error, /entry 2/);
    }
  });
});

describe('checkUrlSyntax', () => {
  test('accepts public http(s) URLs and host names', () => {
    for (const url of ['https://example.com/hook', 'http://8.8.8.8:8080/x?y=1', 'https://[2606:4700:4700::1111]/']) {
      assert.ok('ok' in checkUrlSyntax(url, []), url);
    }
  });
  test('refuses other schemes, credentials and missing hosts', () => {
    for (const url of [
      'ftp://example.com/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'gopher://x/',
      'https://user:pw@example.com/',
      'https://user@example.com/',
      'not a url',
      'http://',
    ]) {
      assert.ok('error' in checkUrlSyntax(url, []), url);
    }
  });
  test('IP-literal hosts in any notation WHATWG normalises are checked', () => {
    for (const url of [
      'http://127.0.0.1/',
      'http://127.1/',
      'http://0x7f000001/',
      'http://2130706433/',
      'http://0177.0.0.1/',
      'http://%31%32%37.0.0.1/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://169.254.169.254/latest/meta-data/',
      'http://0/',
    ]) {
      assert.equal(new URL(url).hostname.replace(/^\[|\]$/g, '').length > 0, true);
      const result = checkUrlSyntax(url, []);
      assert.ok('error' in result, url);
      assert.match((result as { error: string }).error, /address not allowed/, url);
    }
    assert.equal(new URL('http://0x7f000001/').hostname, '127.0.0.1');
    assert.ok('ok' in checkUrlSyntax('http://127.1:9000/', allowlist(['127.0.0.1/32'])));
  });
});

function lookupAsync(
  lookup: ReturnType<typeof createGuardedLookup>,
  host: string,
  options: { all?: boolean; family?: number } = {},
) {
  return new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) =>
    lookup(host, options, (err, address, family) => resolve({ err, address, family })),
  );
}

describe('createGuardedLookup', () => {
  const fake =
    (answers: Record<string, Array<{ address: string; family: number }>>): Resolver =>
    async (host) =>
      answers[host] ?? [];
  const resolver = fake({
    'rebind.test': [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ],
    'public.test': [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
    ],
    'local.test': [{ address: '127.0.0.1', family: 4 }],
  });

  test('public-then-private is refused with HOOKFLOW_BLOCKED', async () => {
    const { err } = await lookupAsync(createGuardedLookup([], resolver), 'rebind.test', { all: true });
    assert.equal(err?.code, BLOCKED_CODE);
    assert.ok(isBlockedError(err));
    assert.match(err!.message, /10\.0\.0\.5/);
  });

  test('all-public is allowed and answers only the checked addresses', async () => {
    const all = await lookupAsync(createGuardedLookup([], resolver), 'public.test', { all: true });
    assert.equal(all.err, null);
    assert.deepEqual(all.address, [
      { address: '93.184.216.34', family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
    ]);
    const one = await lookupAsync(createGuardedLookup([], resolver), 'public.test', { family: 6 });
    assert.deepEqual([one.address, one.family], ['2606:4700:4700::1111', 6]);
  });

  test('allowlisted 127.0.0.1/32 is allowed; without it refused', async () => {
    const ok = await lookupAsync(createGuardedLookup(allowlist(['127.0.0.1/32']), resolver), 'local.test');
    assert.deepEqual([ok.err, ok.address, ok.family], [null, '127.0.0.1', 4]);
    const refused = await lookupAsync(createGuardedLookup([], resolver), 'local.test');
    assert.equal(refused.err?.code, BLOCKED_CODE);
  });

  test('no answer is ENOTFOUND, resolver errors pass through', async () => {
    assert.equal((await lookupAsync(createGuardedLookup([], resolver), 'missing.test')).err?.code, 'ENOTFOUND');
    const failing: Resolver = async () => {
      throw Object.assign(new Error('boom'), { code: 'EAI_AGAIN' });
    };
    assert.equal((await lookupAsync(createGuardedLookup([], failing), 'x.test')).err?.code, 'EAI_AGAIN');
  });
});

describe('createGuardedAgent (real request to a loopback server)', () => {
  test('refused without allowlist, succeeds with 127.0.0.1/32', async () => {
    const server = http.createServer((_req, res) => res.end('pong'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const blocked = createGuardedAgent({ allowlist: [], timeoutMs: 2000 });
    const allowed = createGuardedAgent({ allowlist: allowlist(['127.0.0.1/32']), timeoutMs: 2000 });
    const named = createGuardedAgent({
      allowlist: allowlist(['127.0.0.1/32']),
      timeoutMs: 2000,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    try {
      await assert.rejects(
        request(`http://127.0.0.1:${port}/`, { dispatcher: blocked }),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, BLOCKED_CODE);
          return true;
        },
      );
      const res = await request(`http://127.0.0.1:${port}/`, { dispatcher: allowed });
      assert.equal(res.statusCode, 200);
      assert.equal(await res.body.text(), 'pong');
      // A host name goes through the guarded lookup inside net.connect.
      const viaName = await request(`http://hookflow.test:${port}/`, { dispatcher: named });
      assert.equal(await viaName.body.text(), 'pong');
      const blockedName = createGuardedAgent({
        allowlist: [],
        timeoutMs: 2000,
        resolve: async () => [{ address: '127.0.0.1', family: 4 }],
      });
      await assert.rejects(request(`http://hookflow.test:${port}/`, { dispatcher: blockedName }), (err) =>
        isBlockedError(err),
      );
      await blockedName.close();
    } finally {
      await Promise.all([blocked.close(), allowed.close(), named.close()]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
