/**
 * Runs test/corpus/outbound-addresses.tsv against the outbound address guard: checkAddress,
 * checkUrlSyntax, parseAllowlist and the guarded lookup with a fake resolver. Pure: nothing
 * is resolved for real and nothing is sent, not even to the public addresses that must pass.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  BLOCKED_CODE,
  checkAddress,
  checkUrlSyntax,
  createGuardedLookup,
  parseAllowlist,
  type CidrList,
  type Resolver,
} from '../../../module/outbound/url-guard.js';
import {
  caseOptions,
  caseTitle,
  casesOfKind,
  loadCorpus,
  parseDnsInput,
  type CorpusCase,
} from '../../corpus/parse-corpus.js';

const cases = loadCorpus('outbound-addresses.tsv', 3);

function allowlistOf(c: CorpusCase): CidrList {
  const text = c.inputs[2];
  if (text === '') return [];
  const parsed = parseAllowlist(text.split(','));
  if ('error' in parsed) throw new Error(`${c.where}: bad allowlist column: ${parsed.error}`);
  return parsed.ok;
}

async function lookupOutcome(c: CorpusCase): Promise<{ outcome: string; detail: unknown }> {
  const { host, answers, family } = parseDnsInput(c.inputs[1]);
  const asked: string[] = [];
  const resolver: Resolver = async (name) => {
    asked.push(name);
    return answers;
  };
  const lookup = createGuardedLookup(allowlistOf(c), resolver);
  const result = await new Promise<{ outcome: string; detail: unknown }>((resolve) => {
    lookup(host, { all: family === undefined, family }, (err, address) => {
      if (!err) return resolve({ outcome: 'allow', detail: address });
      resolve({
        outcome: err.code === BLOCKED_CODE ? 'block' : err.code === 'ENOTFOUND' ? 'notfound' : `error ${err.code}`,
        detail: err.message,
      });
    });
  });
  assert.deepEqual(asked, [host], 'the resolver is asked exactly once, for the host itself');
  return result;
}

function urlOutcome(c: CorpusCase): string {
  const result = checkUrlSyntax(c.inputs[1], allowlistOf(c));
  if ('error' in result) return /^address not allowed/.test(result.error) ? 'block' : 'invalid';
  const host = result.ok.hostname.replace(/^\[|\]$/g, '');
  // Literal addresses were decided above; a name is left to the guarded lookup at connect time.
  return /^[\d.]+$|:/.test(host) ? 'allow' : `name ${host}`;
}

describe('outbound corpus: checkAddress', () => {
  for (const c of casesOfKind(cases, 'ip')) {
    test(caseTitle(c, c.inputs[1]), caseOptions(c), () => {
      const verdict = checkAddress(c.inputs[1], allowlistOf(c));
      assert.equal(
        verdict.allowed ? 'allow' : 'block',
        c.expected,
        `${c.where} (${c.reason}): ${JSON.stringify(verdict)}`,
      );
    });
  }
});

describe('outbound corpus: checkUrlSyntax', () => {
  for (const c of casesOfKind(cases, 'url')) {
    test(caseTitle(c, c.inputs[1]), caseOptions(c), () => {
      assert.equal(
        urlOutcome(c),
        c.expected,
        `${c.where} (${c.reason}): ${JSON.stringify(checkUrlSyntax(c.inputs[1], allowlistOf(c)))}`,
      );
    });
  }
});

describe('outbound corpus: guarded lookup with a fake resolver', () => {
  for (const c of casesOfKind(cases, 'dns')) {
    test(caseTitle(c, c.inputs[1]), caseOptions(c), async () => {
      const { outcome, detail } = await lookupOutcome(c);
      assert.equal(outcome, c.expected, `${c.where} (${c.reason}): ${JSON.stringify(detail)}`);
      if (outcome === 'allow') {
        // Only checked answers come back, never anything the resolver did not say.
        const { answers } = parseDnsInput(c.inputs[1]);
        const returned = Array.isArray(detail) ? detail.map((a: { address: string }) => a.address) : [detail];
        for (const a of returned)
          assert.ok(
            answers.some((x) => x.address === a),
            `${String(a)} was not a resolver answer`,
          );
      }
    });
  }
});

describe('outbound corpus: allowlist entries', () => {
  for (const c of casesOfKind(cases, 'allowlist')) {
    test(caseTitle(c, c.inputs[1]), caseOptions(c), () => {
      const parsed = parseAllowlist([c.inputs[1]]);
      const got = 'error' in parsed ? 'refuse' : `ok ${parsed.ok[0].range.toString()}/${parsed.ok[0].prefix}`;
      assert.equal(
        got,
        c.expected,
        `${c.where} (${c.reason}): ${JSON.stringify('error' in parsed ? parsed.error : got)}`,
      );
    });
  }
});

test('outbound corpus meets the issue minimums: 60+ refused address cases, 20+ public addresses that pass', () => {
  const addressCases = cases.filter((c) => c.inputs[0] !== 'allowlist' && c.inputs[2] === '');
  const refused = addressCases.filter(
    (c) => c.expected === 'block' || c.expected === 'invalid' || c.expected.startsWith('name '),
  );
  const publicPass = addressCases.filter((c) => c.expected === 'allow');
  assert.ok(refused.length >= 60, `only ${refused.length} refused cases`);
  assert.ok(publicPass.length >= 20, `only ${publicPass.length} public cases`);
});
