/**
 * Runs test/corpus/inbound-redirects.tsv: the respond task's redirect (rendered with a real
 * template engine, on a site whose baseUrl is https://crm.example/crm/) answered to a browser
 * the way the short URL answers it, its save-time check, and the last check where the
 * Location header is written. Pure, no I/O.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { respondTask } from '../../../module/workflows/tasks/respond/task.js';
import { createTemplateEngine, type TemplateContext } from '../../../module/workflows/templates.js';
import type { RunResponse, TaskRunContext } from '../../../module/workflows/task-types.js';
import { successAnswer } from '../../../module/inbound/responses.js';
import { resolveSettings } from '../../../module/config.js';
import { caseOptions, caseTitle, loadCorpus, type CorpusCase } from '../../corpus/parse-corpus.js';

const cases = loadCorpus('inbound-redirects.tsv', 3);
const BASE_URL = 'https://crm.example/crm/';
const engine = createTemplateEngine();
const page = () => '<p>thank-you page</p>';

function contextFor(env: Record<string, unknown>): { ctx: TaskRunContext; response: () => RunResponse | null } {
  let response: RunResponse | null = null;
  const tpl: TemplateContext = {
    env,
    record: null,
    previous: null,
    event: { type: 'http', time: '2026-01-01T00:00:00.000Z' },
    user: null,
  } as unknown as TemplateContext;
  const settings = resolveSettings({});
  const ctx = {
    run: {
      id: 1,
      workflowId: 1,
      workflowTitle: 'W',
      module: 'Leads',
      recordId: null,
      source: 'http',
      eventType: 'http',
      chainDepth: 0,
      actorUserId: null,
    },
    task: { id: 1, type: 'respond', title: 'answer' },
    tpl,
    secrets: {},
    services: {
      host: { baseUrl: BASE_URL } as never,
      db: null as never,
      settings: () => settings,
      effects: { find: async () => null, note: async () => undefined },
      render: (v: unknown) => engine.render(v, tpl),
      renderString: (t: string) => engine.renderString(t, tpl),
    },
    setResponse: (r: RunResponse) => {
      response = r;
    },
  } satisfies TaskRunContext;
  return { ctx, response: () => response };
}

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
  const { ctx, response } = contextFor({ page: value });
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
