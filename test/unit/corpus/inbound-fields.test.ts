/**
 * Runs test/corpus/inbound-control-params.tsv (parseControlParams on the raw query) and
 * test/corpus/inbound-env-fields.tsv (toInertEnv, forbiddenSegment). Pure, no I/O.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { HookflowError } from '../../../module/errors.js';
import { parseControlParams } from '../../../module/inbound/control-params.js';
import { canonicalJson, forbiddenSegment, toInertEnv } from '../../../module/inbound/env-fields.js';
import { caseOptions, caseTitle, casesOfKind, loadCorpus, type CorpusCase } from '../../corpus/parse-corpus.js';

const LIMITS = { maxFields: 200, maxDepth: 5, maxNameLength: 128 };

function controlOutcome(query: string): unknown {
  try {
    const p = parseControlParams(query);
    const proto = Object.getPrototypeOf(p.extra);
    assert.ok(proto === Object.prototype || proto === null, 'extra keeps a plain prototype whatever the query says');
    // Own entries only: what a caller can see of the data, with their exact values.
    return { ...p, extra: Object.fromEntries(Object.entries(p.extra)) };
  } catch (err) {
    if (!(err instanceof HookflowError)) throw err;
    return `${err.status} ${Object.keys(err.fields ?? {}).join(',')}`;
  }
}

function expectedControl(c: CorpusCase): unknown {
  return c.expected.startsWith('ok ') ? JSON.parse(c.expected.slice(3)) : c.expected;
}

describe('inbound corpus: control parameters', () => {
  for (const c of loadCorpus('inbound-control-params.tsv', 1)) {
    test(caseTitle(c), caseOptions(c), () => {
      assert.deepStrictEqual(controlOutcome(c.inputs[0]), expectedControl(c), `${c.where} (${c.reason})`);
    });
  }
});

function envOutcome(json: string): string {
  try {
    return `ok ${canonicalJson(toInertEnv(JSON.parse(json), LIMITS))}`;
  } catch (err) {
    if (!(err instanceof HookflowError)) throw err;
    return String(err.status);
  }
}

const envCases = loadCorpus('inbound-env-fields.tsv', 2);

describe('inbound corpus: $env from parsed bodies', () => {
  for (const c of casesOfKind(envCases, 'json')) {
    test(caseTitle(c, c.inputs[1]), caseOptions(c), () => {
      assert.equal(envOutcome(c.inputs[1]), c.expected, `${c.where} (${c.reason})`);
      assert.equal(({} as Record<string, unknown>).admin, undefined, 'nothing polluted Object.prototype');
    });
  }
});

describe('inbound corpus: form field names', () => {
  for (const c of casesOfKind(envCases, 'name')) {
    test(caseTitle(c, c.inputs[1]), caseOptions(c), () => {
      const bad = forbiddenSegment(c.inputs[1]);
      assert.equal(bad === null ? 'ok' : `refuse ${bad}`, c.expected, `${c.where} (${c.reason})`);
    });
  }
});
