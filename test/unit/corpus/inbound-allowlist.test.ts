/**
 * Runs test/corpus/inbound-allowlist.tsv: allowlist entry syntax, lists, client matching and
 * the trustedProxies setting. Pure decisions, no I/O.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { matchSource, parseSourceEntry, parseSourceList, type SourceEntry } from '../../../module/inbound/allowlist.js';
import { parseTrustedProxies } from '../../../module/inbound/client-address.js';
import { caseOptions, caseTitle, casesOfKind, loadCorpus, type CorpusCase } from '../../corpus/parse-corpus.js';

const cases = loadCorpus('inbound-allowlist.tsv', 3);

function entryOutcome(input: string): string {
  const parsed = parseSourceEntry(input);
  return 'error' in parsed ? 'refuse' : `ok ${parsed.ok.kind} ${parsed.ok.text}`;
}

function listOutcome(input: string): string {
  const { entries, errors } = parseSourceList(input);
  if (errors.length > 0) return `errors ${[...new Set(errors.map((e) => e.line))].join(',')}`;
  return `ok ${entries.map((e) => e.text).join(';')}`;
}

function entriesOf(c: CorpusCase): SourceEntry[] {
  const { entries, errors } = parseSourceList(c.inputs[1]);
  assert.deepEqual(errors, [], `${c.where}: the entries of a match case must parse`);
  return entries;
}

function proxiesOutcome(input: string): string {
  const parsed = parseTrustedProxies(input.split('\n'));
  if ('errors' in parsed) return 'refuse';
  return 'hops' in parsed.ok
    ? `ok hops ${parsed.ok.hops}`
    : `ok entries ${parsed.ok.entries.map((e) => e.text).join(';')}`;
}

const OUTCOMES: Record<string, (c: CorpusCase) => string> = {
  entry: (c) => entryOutcome(c.inputs[1]),
  list: (c) => listOutcome(c.inputs[1]),
  match: (c) => {
    const m = matchSource(c.inputs[2], entriesOf(c));
    return m.allowed ? `allow ${m.entry.text}` : 'deny';
  },
  proxies: (c) => proxiesOutcome(c.inputs[1]),
};

for (const [kind, outcome] of Object.entries(OUTCOMES)) {
  describe(`inbound corpus: ${kind}`, () => {
    for (const c of casesOfKind(cases, kind)) {
      test(
        caseTitle(
          c,
          c.inputs
            .slice(1)
            .filter((s) => s !== '')
            .join(' ← '),
        ),
        caseOptions(c),
        () => {
          assert.equal(outcome(c), c.expected, `${c.where} (${c.reason})`);
        },
      );
    }
  });
}

test('inbound-allowlist.tsv has no unknown check kinds', () => {
  assert.deepEqual(
    cases.filter((c) => !(c.inputs[0] in OUTCOMES)).map((c) => c.where),
    [],
  );
});
