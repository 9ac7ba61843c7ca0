import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  extractPresentedToken,
  generateToken,
  hashToken,
  tokenHint,
  verifyToken,
} from '../../../module/inbound/tokens.js';

describe('generateToken', () => {
  test('hft_ plus 32 url-safe characters, unique', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const token = generateToken();
      assert.match(token, /^hft_[A-Za-z0-9_-]{32}$/);
      seen.add(token);
    }
    assert.equal(seen.size, 200);
  });
});

describe('hashToken / tokenHint', () => {
  test('sha256 hex of the token', () => {
    assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  test('hint is the last 4 characters', () => {
    assert.equal(tokenHint('hft_abcdefgh'), 'efgh');
    assert.equal(tokenHint('ab'), 'ab');
  });
});

describe('verifyToken', () => {
  const token = generateToken();
  const stored = hashToken(token);

  test('the right token verifies', () => {
    assert.equal(verifyToken(token, stored), true);
  });

  const REFUSED: Array<[string, string | undefined, string | null]> = [
    ['wrong token', generateToken(), stored],
    ['token with a suffix', `${token}x`, stored],
    ['prefix of the token', token.slice(0, -1), stored],
    ['nothing presented', undefined, stored],
    ['empty string presented', '', stored],
    ['no stored hash', token, null],
    ['malformed stored hash', token, 'xyz'],
    ['upper-case stored hash (not what hashToken writes)', token, stored.toUpperCase()],
    ['the stored hash itself presented', stored, stored],
    ['over-long presented token', 'a'.repeat(10_000), stored],
  ];
  for (const [name, presented, hash] of REFUSED) {
    test(`refuses: ${name}`, () => {
      assert.equal(verifyToken(presented, hash), false);
    });
  }
});

describe('extractPresentedToken', () => {
  const CASES: Array<[string, Parameters<typeof extractPresentedToken>[0], string | undefined]> = [
    ['bearer header', { authorization: 'Bearer hft_a' }, 'hft_a'],
    ['bearer scheme is case-insensitive', { authorization: 'bearer   hft_a ' }, 'hft_a'],
    ['bearer wins over header and path', { authorization: 'Bearer A', headerToken: 'B', pathToken: 'C' }, 'A'],
    ['X-Hookflow-Token next', { headerToken: ' B ', pathToken: 'C' }, 'B'],
    ['basic auth is skipped', { authorization: 'Basic dXNlcjpwYXNz', headerToken: 'B' }, 'B'],
    ['empty bearer is skipped', { authorization: 'Bearer ', pathToken: 'C' }, 'C'],
    ['bearer with inner space is skipped', { authorization: 'Bearer a b', pathToken: 'C' }, 'C'],
    ['blank header is skipped', { headerToken: '  ', pathToken: 'C' }, 'C'],
    ['path parameter', { pathToken: 'hft_c' }, 'hft_c'],
    ['last path segment', { pathToken: '/hookflow/wf/hft_c' }, 'hft_c'],
    ['trailing slash', { pathToken: '/wf/hft_c/' }, 'hft_c'],
    ['nothing', {}, undefined],
    ['only blanks', { authorization: '', headerToken: '', pathToken: '/' }, undefined],
  ];
  for (const [name, sources, expected] of CASES) {
    test(name, () => {
      assert.equal(extractPresentedToken(sources), expected);
    });
  }
});
