/**
 * Runs test/corpus/host-fields.tsv against the reference host's field checks (host/fields.ts).
 * Each case asserts the outcome AND that the scanners examined at most value.length characters:
 * the cost bound is counted, never timed, so a backtracking check fails here on any machine.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { ModuleField } from 'hookflow';
import { checkFieldValue, scanEmail, scanNumber, type ScanProbe } from '../../../host/fields.js';
import { DEAL_STAGES } from '../../../host/modules.js';
import { caseOptions, caseTitle, loadCorpus, type CorpusCase } from '../../corpus/parse-corpus.js';

const FIELDS: Record<string, ModuleField> = {
  number: { name: 'amount', label: 'Amount', type: 'number' },
  email: { name: 'email', label: 'Email', type: 'email' },
  date: { name: 'close_date', label: 'Close date', type: 'date' },
  boolean: { name: 'done', label: 'Done', type: 'boolean' },
  text: { name: 'title', label: 'Title', type: 'text' },
  picklist: { name: 'stage', label: 'Sales stage', type: 'picklist', options: [...DEAL_STAGES] },
};

const SCANNERS: Record<string, (text: string, probe: ScanProbe) => boolean> = {
  'scan-number': scanNumber,
  'scan-email': scanEmail,
};

const REPEAT = /⟨([^×⟩]*)×(\d{1,7})⟩/g;

/** Expands `⟨s×N⟩` (see the data file's header). Test-side only; never more than 10 MB. */
function expand(text: string): string {
  const out = text.replace(REPEAT, (_whole, unit: string, count: string) => unit.repeat(Number(count)));
  assert.ok(out.length <= 10_000_000, 'a corpus value stays below 10 MB');
  assert.ok(!out.includes('⟨'), `unexpanded repeat in ${text.slice(0, 40)}`);
  return out;
}

function outcome(c: CorpusCase, value: string, probe: ScanProbe): string {
  const [type] = c.inputs;
  const scanner = SCANNERS[type];
  if (scanner) return scanner(value, probe) ? 'accept' : 'reject';
  const field = FIELDS[type];
  assert.ok(field, `${c.where}: unknown type ${type}`);
  const result = checkFieldValue(field, value, probe);
  return result.ok ? `ok ${JSON.stringify(result.value)}` : `refuse ${result.message}`;
}

describe('host field corpus', () => {
  // First, and on short inputs: guards the probe itself. A check that stopped counting (say, a
  // pattern again) would pass every bound below, so this proves the scanners count what they read.
  test('the scanners count every character they examine', () => {
    for (const [scan, value] of [
      [scanNumber, `${'9'.repeat(1000)}x`],
      [scanEmail, `a@${'b'.repeat(998)}.c`],
    ] as const) {
      const probe: ScanProbe = { examined: 0 };
      scan(value, probe);
      assert.equal(probe.examined, value.length, 'every character once, the last one too');
    }
  });

  for (const c of loadCorpus('host-fields.tsv', 2)) {
    test(caseTitle(c), caseOptions(c), () => {
      const value = expand(c.inputs[1]);
      const probe: ScanProbe = { examined: 0 };
      assert.equal(outcome(c, value, probe), expand(c.expected), `${c.where} (${c.reason})`);
      assert.ok(probe.examined <= value.length, `${c.where}: examined ${probe.examined} characters of ${value.length}`);
    });
  }
});
