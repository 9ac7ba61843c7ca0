/** Runs test/corpus/inbound-client-address.tsv against resolveClientAddress. Pure, no I/O. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseTrustedProxies,
  resolveClientAddress,
  type TrustedProxies,
} from '../../../module/inbound/client-address.js';
import { caseOptions, caseTitle, loadCorpus, type CorpusCase } from '../../corpus/parse-corpus.js';

const cases = loadCorpus('inbound-client-address.tsv', 3);

function trustedOf(c: CorpusCase): TrustedProxies {
  const text = c.inputs[2];
  if (text === '') return { entries: [] };
  const hops = /^hops=(\d+)$/.exec(text);
  if (hops) return { hops: Number(hops[1]) };
  const parsed = parseTrustedProxies(text.split(','));
  if ('errors' in parsed) throw new Error(`${c.where}: bad trusted column: ${JSON.stringify(parsed.errors)}`);
  return parsed.ok;
}

/** `-` (decoded to '') is "no such value"; `\n` separates header lines. */
function forwardedFor(text: string): string | string[] | undefined {
  if (text === '') return undefined;
  return text.includes('\n') ? text.split('\n') : text;
}

describe('inbound corpus: client address', () => {
  for (const c of cases) {
    test(caseTitle(c), caseOptions(c), () => {
      const result = resolveClientAddress({
        socketAddress: c.inputs[0] === '' ? undefined : c.inputs[0],
        forwardedFor: forwardedFor(c.inputs[1]),
        trusted: trustedOf(c),
      });
      assert.equal(
        'ok' in result ? `ok ${result.ok}` : 'error',
        c.expected,
        `${c.where} (${c.reason}): ${JSON.stringify(result)}`,
      );
    });
  }
});
