/** Runs test/corpus/outbound-url-templates.tsv through renderWebhookUrl with the real template engine. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createTemplateEngine, type TemplateContext } from '../../../module/workflows/templates.js';
import { renderWebhookUrl, urlTemplateProblem } from '../../../module/outbound/webhook-url.js';
import { caseOptions, caseTitle, loadCorpus } from '../../corpus/parse-corpus.js';

const engine = createTemplateEngine();
const cases = loadCorpus('outbound-url-templates.tsv', 3);

describe('corpus: templated webhook URLs', () => {
  test('the file has cases of every kind', () => {
    for (const kind of ['url ', 'save ', 'run '])
      assert.ok(
        cases.some((c) => c.expected.startsWith(kind)),
        kind,
      );
  });
  for (const c of cases) {
    test(caseTitle(c), caseOptions(c), () => {
      const [mode, template, value] = c.inputs;
      const fromData = mode === 'data';
      const ctx: TemplateContext = {
        env: { v: value },
        record: { title: value },
        previous: null,
        event: {},
        user: null,
      };
      const [kind, ...rest] = c.expected.split(' ');
      const expected = rest.join(' ');
      const saveProblem = urlTemplateProblem(template, fromData);
      if (kind === 'save') {
        assert.ok(saveProblem?.includes(expected), `${c.reason}: save-time ${JSON.stringify(saveProblem)}`);
        return;
      }
      assert.equal(saveProblem, null, `${c.reason}: accepted at save`);
      const render = (tpl: string, opts?: { valueFilter?: (t: string) => string }) =>
        engine.renderString(tpl, ctx, opts);
      if (kind === 'run') {
        assert.throws(
          () => renderWebhookUrl(template, fromData, render),
          (err: Error) => err.message.includes(expected),
          c.reason,
        );
        return;
      }
      const url = renderWebhookUrl(template, fromData, render);
      assert.equal(url, expected, c.reason);
      if (!fromData)
        assert.equal(
          new URL(url).origin,
          new URL(template.split(/\{\{|\$/)[0]).origin,
          'the origin is the one written out',
        );
    });
  }
});
