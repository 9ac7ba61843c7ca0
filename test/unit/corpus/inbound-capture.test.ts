/**
 * Runs test/corpus/inbound-capture.tsv: what a captured sample request keeps of headers and
 * fields (captureHeaders, captureFields) — secrets are never stored. Pure, no I/O.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { captureFields, captureHeaders } from '../../../module/inbound/capture-sample.js';
import { caseOptions, caseTitle, loadCorpus } from '../../corpus/parse-corpus.js';

const TOKEN = 'hft_corpusTOKENcorpusTOKENcorpusTOKEN12';

function outcome(kind: string, input: string): string {
  const text = input.replaceAll('@token', TOKEN);
  if (kind === 'header') {
    const at = text.indexOf(': ');
    const kept = captureHeaders({ [text.slice(0, at).toLowerCase()]: text.slice(at + 2) }, TOKEN);
    return Object.keys(kept).length === 1 ? 'kept' : 'dropped';
  }
  if (kind === 'field') {
    const at = text.indexOf('=');
    const kept = captureFields({ [text.slice(0, at)]: text.slice(at + 1) }, TOKEN);
    return Object.keys(kept).length === 1 ? 'kept' : 'dropped';
  }
  throw new Error(`unknown kind ${kind}`);
}

describe('inbound corpus: captured requests keep no secret', () => {
  for (const c of loadCorpus('inbound-capture.tsv', 2)) {
    test(caseTitle(c), caseOptions(c), () => {
      assert.equal(outcome(c.inputs[0], c.inputs[1]), c.expected, `${c.where} (${c.reason})`);
    });
  }
});
