/**
 * host/fields.ts scanners against the patterns they replaced (issue 14). The old patterns are
 * kept here as oracles and only ever run on short strings, where backtracking costs nothing:
 * every string up to 5 characters over a hostile alphabet, plus random longer ones, must get
 * the same answer, so the rewrite changed the cost and nothing else.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../helpers/wait.js';
import { checkFieldValue, scanEmail, scanNumber, MAX_NUMBER_LENGTH, type ScanProbe } from '../../../host/fields.js';

const OLD_NUMERIC = /^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
const OLD_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Every string of length 0..max over `alphabet`. */
function* allStrings(alphabet: string[], max: number): Generator<string> {
  let layer = [''];
  yield '';
  for (let n = 1; n <= max; n++) {
    const next: string[] = [];
    for (const prefix of layer) for (const ch of alphabet) next.push(prefix + ch);
    yield* next;
    layer = next;
  }
}

function randomStrings(alphabet: string[], count: number, maxLength: number, seed: number): string[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => {
    let s = '';
    const length = Math.floor(next() * (maxLength + 1));
    for (let i = 0; i < length; i++) s += alphabet[Math.floor(next() * alphabet.length)];
    return s;
  });
}

const NUMBER_ALPHABET = ['0', '7', '.', '-', '+', 'e', 'E', ' ', '\u00a0', '\u2028', 'x'];
const EMAIL_ALPHABET = ['a', '@', '.', ' ', '\t', '\u3000'];

describe('scanNumber', () => {
  test('agrees with the old pattern on every short string and on random longer ones', () => {
    const strings = [...allStrings(NUMBER_ALPHABET, 5), ...randomStrings(NUMBER_ALPHABET, 20_000, 30, 14)];
    for (const s of strings) assert.equal(scanNumber(s), OLD_NUMERIC.test(s), JSON.stringify(s));
  });

  test('examines each character at most once, whatever the input (1 MB variants)', () => {
    const mb = 1_000_000;
    const inputs = [
      '9'.repeat(mb),
      `${'9'.repeat(mb)}x`,
      `${' '.repeat(mb)}x`,
      `${'-'.repeat(mb)}`,
      `${'.'.repeat(mb)}`,
      `1${'e'.repeat(mb)}`,
      `${'9'.repeat(mb)}.${'9'.repeat(mb)}e-${'9'.repeat(mb)}x`,
      `${'9.'.repeat(mb / 2)}`,
    ];
    for (const s of inputs) {
      const probe: ScanProbe = { examined: 0 };
      scanNumber(s, probe);
      assert.ok(probe.examined <= s.length, `${probe.examined} > ${s.length}`);
    }
  });

  test('the field check refuses an over-long number before scanning it', () => {
    const probe: ScanProbe = { examined: 0 };
    const result = checkFieldValue(
      { name: 'amount', label: 'Amount', type: 'number' },
      `${'9'.repeat(MAX_NUMBER_LENGTH)}1`,
      probe,
    );
    assert.deepEqual(result, { ok: false, message: `must be a number of at most ${MAX_NUMBER_LENGTH} characters` });
    assert.equal(probe.examined, 0);
  });

  test('real numbers pass through unchanged; non-finite ones are refused', () => {
    const field = { name: 'amount', label: 'Amount', type: 'number' } as const;
    assert.deepEqual(checkFieldValue(field, 12.5), { ok: true, value: 12.5 });
    assert.deepEqual(checkFieldValue(field, Infinity), { ok: false, message: 'must be a number' });
    assert.deepEqual(checkFieldValue(field, true), { ok: false, message: 'must be a number' });
  });
});

describe('scanEmail', () => {
  test('agrees with the old pattern on every short string and on random longer ones', () => {
    const strings = [...allStrings(EMAIL_ALPHABET, 7), ...randomStrings(EMAIL_ALPHABET, 20_000, 30, 41)];
    for (const s of strings) assert.equal(scanEmail(s), OLD_EMAIL.test(s), JSON.stringify(s));
  });

  test('examines each character at most once (1 MB variants)', () => {
    for (const s of [`a@${'a.'.repeat(500_000)} `, '@'.repeat(1_000_000), `a@${'a'.repeat(1_000_000)}`]) {
      const probe: ScanProbe = { examined: 0 };
      scanEmail(s, probe);
      assert.ok(probe.examined <= s.length, `${probe.examined} > ${s.length}`);
    }
  });
});
