import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSecretBox, decodeSecretKey, maskSecret } from '../../module/secrets.js';

const HEX_KEY = randomBytes(32).toString('hex');

describe('createSecretBox', () => {
  test('accepts hex, base64 and base64url keys of 32 bytes', () => {
    const bytes = randomBytes(32);
    for (const key of [bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url')]) {
      assert.deepEqual(decodeSecretKey(key), bytes);
    }
  });

  test('refuses other keys with a clear error', () => {
    for (const key of [
      '',
      'short',
      randomBytes(16).toString('hex'),
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      'z'.repeat(64),
    ]) {
      assert.throws(() => createSecretBox(key), /32 bytes/, key);
    }
  });

  test('seal/open round trip with unicode; fresh IV each time', () => {
    const box = createSecretBox(HEX_KEY);
    const text = 'p@ss wörd 😀 ' + 'x'.repeat(1000);
    const a = box.seal(text);
    const b = box.seal(text);
    assert.match(a, /^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]*$/);
    assert.equal(Buffer.from(a.split(':')[1], 'base64').length, 12);
    assert.notEqual(a, b);
    assert.equal(box.open(a), text);
    assert.equal(box.open(box.seal('')), '');
  });

  test('sealJson/openJson', () => {
    const box = createSecretBox(HEX_KEY);
    const value = { user: 'ann', password: 'secret', n: [1, 2] };
    assert.deepEqual(box.openJson(box.sealJson(value)), value);
    assert.throws(() => box.sealJson(undefined), /JSON/);
  });

  test('open throws on tampering, wrong key and malformed input', () => {
    const box = createSecretBox(HEX_KEY);
    const sealed = box.seal('top secret');
    const [v, iv, tag, ct] = sealed.split(':');
    const flip = (b64: string) => {
      const buf = Buffer.from(b64, 'base64');
      buf[0] ^= 1;
      return buf.toString('base64');
    };
    assert.throws(() => box.open([v, iv, tag, flip(ct)].join(':')), /tampered/);
    assert.throws(() => box.open([v, iv, flip(tag), ct].join(':')), /tampered/);
    assert.throws(() => box.open([v, flip(iv), tag, ct].join(':')), /tampered/);
    assert.throws(() => createSecretBox(randomBytes(32).toString('hex')).open(sealed), /tampered/);
    for (const bad of [
      '',
      'v1:a:b',
      `v2:${iv}:${tag}:${ct}`,
      `v1:${iv}:${tag.slice(0, 8)}:${ct}`,
      `v1:${iv}:${tag}:@@@`,
    ]) {
      assert.throws(() => box.open(bad), /malformed/, bad);
    }
  });
});

describe('maskSecret', () => {
  test('shows at most the last 4 characters, nothing for short values', () => {
    assert.equal(maskSecret('abcdefghab12'), '••••ab12');
    assert.equal(maskSecret('12345678'), '••••5678');
    assert.equal(maskSecret('1234567'), '••••');
    assert.equal(maskSecret('abc'), '••••');
    assert.equal(maskSecret(''), '');
    assert.equal(maskSecret('whsec_abcdefgh😀xyz'), '••••😀xyz');
  });
});
