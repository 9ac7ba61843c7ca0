import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { oneLine, oneLineView } from '../../../module/alerts/plain-text.js';

describe('oneLine', () => {
  test('every C0 control, DEL, every C1 control and U+2028/U+2029 count as line-breaking', () => {
    const codes = [
      ...Array.from({ length: 0x20 }, (_, i) => i),
      ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
      0x2028,
      0x2029,
    ];
    for (const code of codes)
      assert.equal(oneLine(`a${String.fromCharCode(code)}b`), 'a b', `U+${code.toString(16).padStart(4, '0')}`);
  });

  test('a run of them collapses to one space; printable text is kept as it is', () => {
    assert.equal(oneLine('Deal\r\n\u2028\u0085Log entry: x'), 'Deal Log entry: x');
    assert.equal(oneLine('  Ümlaut “quotes” <b>&amp;</b> \u00a0nbsp  '), '  Ümlaut “quotes” <b>&amp;</b> \u00a0nbsp  ');
  });
});

describe('oneLineView', () => {
  test('every string at any depth, in objects and arrays; other values untouched; the input not changed', () => {
    const view = {
      a: 'x\ny',
      n: 3,
      b: true,
      z: null,
      list: [{ s: 'p\u2029q', more: ['r\rs'] }],
      nested: { deep: { t: 'u\u0085v' } },
    };
    const out = oneLineView(view);
    assert.deepEqual(out, {
      a: 'x y',
      n: 3,
      b: true,
      z: null,
      list: [{ s: 'p q', more: ['r s'] }],
      nested: { deep: { t: 'u v' } },
    });
    assert.equal(view.a, 'x\ny', 'a copy');
  });

  test('a key named __proto__ stays a plain key', () => {
    const out = oneLineView(JSON.parse('{"__proto__":{"polluted":"a\\nb"}}')) as Record<string, unknown>;
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { polluted: 'a b' });
  });
});
