/**
 * Runs test/corpus/inbound-redirects.tsv: the respond task's redirect (rendered with a real
 * template engine, on a site whose baseUrl is https://crm.example/crm/) answered to a browser
 * the way the short URL answers it, its save-time check, and the last check where the
 * Location header is written. Pure, no I/O.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { respondTask } from '../../../module/workflows/tasks/respond/task.js';
import { successAnswer } from '../../../module/inbound/responses.js';
import { caseOptions, caseTitle, loadCorpus, type CorpusCase } from '../../corpus/parse-corpus.js';
import { fakeContext } from '../workflows/tasks/fake-context.js';

const cases = loadCorpus('inbound-redirects.tsv', 3);
const BASE_URL = 'https://crm.example/crm/';
const page = () => '<p>thank-you page</p>';

/** What a browser is answered: `303 <Location>`, or `page` when there is no redirect. */
function browserAnswer(redirectUrl: string): string {
  const a = successAnswer({ runId: 1, workflowId: 1, recordId: 0, response: { redirectUrl } }, true, page);
  return a.status === 303 ? `303 ${a.headers.location}` : 'page';
}

async function outcome(c: CorpusCase): Promise<string> {
  const [kind, template, value] = c.inputs;
  if (kind === 'save')
    return Object.keys(respondTask.validate!(respondTask.options.parse({ redirectUrl: template }), null as never))
      .length === 0
      ? 'ok'
      : 'refused';
  if (kind === 'answer') return browserAnswer(template);
  if (kind !== 'run') throw new Error(`${c.where}: unknown kind ${kind}`);
  const { ctx, response } = fakeContext({ env: { page: value }, baseUrl: BASE_URL });
  try {
    await respondTask.run(respondTask.options.parse({ redirectUrl: template }), ctx);
  } catch (err) {
    assert.match((err as Error).message, /^redirect URL /, `${c.where}: the task fails naming the redirect URL`);
    return 'refused';
  }
  return browserAnswer(response()?.redirectUrl ?? '');
}

describe('inbound corpus: redirects of the respond task', () => {
  for (const c of cases) {
    test(caseTitle(c), caseOptions(c), async () => {
      assert.equal(await outcome(c), c.expected, `${c.where} (${c.reason})`);
    });
  }
});
