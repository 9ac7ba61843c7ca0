/**
 * Runs test/corpus/templates.tsv against the template engine: every injection attempt is
 * refused by check() (and rendering it throws), or renders to exactly the inert text given.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createTemplateEngine, TemplateError, type TemplateContext } from '../../../module/workflows/templates.js';
import { caseOptions, caseTitle, loadCorpus, type CorpusCase } from '../../corpus/parse-corpus.js';

/** The context the data file's header describes. */
function makeContext(): TemplateContext {
  return {
    env: {
      secret: 's3cr3t',
      trap: '{{constructor.constructor "return process"}}',
      ref: '$env.secret',
      html: '<script>alert(1)</script>',
      triple: '{{{env.html}}}',
      partial: '{{> x}}',
      nested: { a: 1 },
    },
    record: { title: 'Deal', items: [{ sku: 'A1' }] },
    previous: null,
    event: { type: 'deal.updated' },
    user: { email: 'u@example.com' },
  };
}

const engine = createTemplateEngine();
const MODES = ['text', 'html', 'value'];

function renderCase(c: CorpusCase, ctx: TemplateContext): string {
  const [mode, template] = c.inputs;
  if (mode === 'value') return JSON.stringify(engine.render(JSON.parse(template), ctx));
  return engine.renderString(template, ctx, { escapeHtml: mode === 'html' });
}

/** The strings of a case that are compiled as templates (for value mode: the string leaves). */
function templatesOf(c: CorpusCase): string[] {
  if (c.inputs[0] !== 'value') return [c.inputs[1]];
  const out: string[] = [];
  JSON.parse(c.inputs[1], (_k, v) => {
    if (typeof v === 'string') out.push(v);
    return v;
  });
  return out;
}

describe('template corpus', () => {
  for (const c of loadCorpus('templates.tsv', 2)) {
    test(caseTitle(c), caseOptions(c), () => {
      assert.ok(MODES.includes(c.inputs[0]), `${c.where}: unknown mode`);
      const ctx = makeContext();
      const what = `${c.where} (${c.reason})`;
      if (c.expected.startsWith('refuse')) {
        // Value mode: the refusal must come from one of the value's strings, not its JSON text.
        const problems = templatesOf(c)
          .map((t) => engine.check(t))
          .filter((p): p is string => p !== null);
        assert.ok(problems.length > 0, `${what}: check() accepted it`);
        assert.ok(
          problems.some((p) => p.includes(c.expected.slice('refuse '.length))),
          `${what}: check() said ${JSON.stringify(problems)}`,
        );
        assert.throws(() => renderCase(c, ctx), TemplateError, `${what}: rendering must throw`);
      } else {
        assert.match(c.expected, /^render( |$)/, `${c.where}: expected must start with refuse or render`);
        for (const t of templatesOf(c))
          assert.equal(engine.check(t), null, `${what}: check() refused ${JSON.stringify(t)}`);
        assert.equal(renderCase(c, ctx), c.expected.slice('render '.length), what);
      }
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was not polluted');
      assert.deepEqual(ctx, makeContext(), 'rendering did not change its data');
    });
  }
});
