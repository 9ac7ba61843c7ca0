import { test, describe, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createTemplateEngine, TemplateError, type TemplateContext } from '../../../module/workflows/templates.js';
import { nestingProblem, tokenizeRefs } from '../../../module/workflows/template-refs.js';
import Handlebars from 'handlebars';

function makeContext(): TemplateContext {
  return {
    env: {
      lastname: 'Doe',
      'last name': 'Spaced',
      'a.b': 'dotted',
      trap: '{{constructor}}',
      refTrap: '$env.lastname',
      html: '<b>"x"</b>',
      nested: { deep: { value: 7 } },
    },
    record: {
      amount: 1000,
      stage: 'Won',
      won: true,
      note: null,
      contact: { name: 'Ann', email: 'ann@example.com' },
      items: [
        { sku: 'A1', qty: 2 },
        { sku: 'B2', qty: 1 },
      ],
      tags: ['vip', 'new'],
    },
    previous: { stage: 'Open', amount: 900 },
    event: { type: 'deal.updated', time: '2024-06-01T10:00:00.000Z' },
    user: { email: 'admin@example.com', name: 'Admin' },
  };
}

const engine = createTemplateEngine();
const ctx = makeContext();
const render = (value: unknown, escapeHtml = false) => engine.render(value, ctx, { escapeHtml });
const text = (template: string, escapeHtml = false) => engine.renderString(template, ctx, { escapeHtml });

describe('handlebars syntax', () => {
  test('interpolates every root', () => {
    assert.equal(
      text('{{record.stage}} {{previous.stage}} {{env.lastname}} {{event.type}} {{user.email}}'),
      'Won Open Doe deal.updated admin@example.com',
    );
  });

  test('deep paths, array indexes and bracket segments', () => {
    assert.equal(
      text('{{record.contact.name}} / {{record.items.1.sku}} / {{env.[last name]}} / {{env.nested.deep.value}}'),
      'Ann / B2 / Spaced / 7',
    );
  });

  test('missing values and null roots print nothing', () => {
    assert.equal(text('[{{record.nope}}][{{record.note}}][{{nope.x}}]'), '[][][]');
    assert.equal(engine.renderString('[{{record.stage}}]', { ...ctx, record: null }), '[]');
  });

  test('if / unless / else', () => {
    assert.equal(text('{{#if record.won}}yes{{else}}no{{/if}}'), 'yes');
    assert.equal(text('{{#if record.note}}yes{{else}}no{{/if}}'), 'no');
    assert.equal(text('{{#unless record.won}}open{{else}}closed{{/unless}}'), 'closed');
    assert.equal(text('{{#if record.note}}a{{else if record.won}}b{{else}}c{{/if}}'), 'b');
  });

  test('each and with, including @index and block params', () => {
    assert.equal(text('{{#each record.items}}{{@index}}:{{sku}}x{{qty}};{{/each}}'), '0:A1x2;1:B2x1;');
    assert.equal(text('{{#each record.tags as |tag|}}<{{tag}}>{{/each}}'), '<vip><new>');
    assert.equal(text('{{#with record.contact}}{{name}} <{{email}}>{{/with}}'), 'Ann <ann@example.com>');
    assert.equal(text('{{#each record.items}}{{../record.stage}}{{/each}}'), 'WonWon');
  });

  test('numbers and booleans print as text', () => {
    assert.equal(text('{{record.amount}}/{{record.won}}'), '1000/true');
  });

  test('objects and arrays print as JSON, not [object Object]', () => {
    assert.equal(text('Deal: {{record.contact}}'), 'Deal: {"name":"Ann","email":"ann@example.com"}');
    assert.equal(text('Tags: {{record.tags}}'), 'Tags: ["vip","new"]');
    assert.ok(!text('Deal: {{record}}').includes('[object Object]'));
    assert.deepEqual(JSON.parse(text('{{record}} ').trim()), ctx.record);
  });

  test('whitespace control and comments', () => {
    assert.equal(text('a  {{~record.stage~}}  b{{! hidden }}'), 'aWonb');
    assert.equal(text('{{#if record.won}}\nyes\n{{/if}}\n'), 'yes\n');
  });
});

describe('$-reference syntax', () => {
  test('all forms of $env', () => {
    assert.equal(text('$env["lastname"]|$env[\'lastname\']|$env.lastname'), 'Doe|Doe|Doe');
    assert.equal(text('$env["last name"] $env["a.b"]'), 'Spaced dotted');
  });

  test('every root, deeper paths and indexes', () => {
    assert.equal(
      text('$record.amount $previous.stage $event.type $user.email'),
      '1000 Open deal.updated admin@example.com',
    );
    assert.equal(
      text('$record.contact.name $record.items.0.sku $record.items[1]["sku"] $env.nested.deep.value'),
      'Ann A1 B2 7',
    );
  });

  test('prose punctuation and lookalikes stay text', () => {
    assert.equal(text('Total: $record.amount.'), 'Total: 1000.');
    assert.equal(text('Hi $user.name, welcome!'), 'Hi Admin, welcome!');
    assert.equal(text('Price $5, $recordings, $other.x, $ env'), 'Price $5, $recordings, $other.x, $ env');
    assert.equal(
      text('$env["unclosed'),
      '{"lastname":"Doe","last name":"Spaced","a.b":"dotted","trap":"{{constructor}}","refTrap":"$env.lastname","html":"<b>\\"x\\"</b>","nested":{"deep":{"value":7}}}["unclosed',
    );
  });

  test('missing values print nothing', () => {
    assert.equal(text('[$record.nope][$env.missing.deeper][$record.note]'), '[][][]');
  });

  test('mixes with handlebars, including inside blocks', () => {
    assert.equal(text('{{record.stage}} by $user.name'), 'Won by Admin');
    assert.equal(text('{{#each record.items}}{{sku}}@$record.stage,{{/each}}'), 'A1@Won,B2@Won,');
    assert.equal(text('{{#if record.won}}$env.lastname{{else}}none{{/if}}'), 'Doe');
    assert.equal(text('{{#if record.note}}$env.lastname{{else}}none{{/if}}'), 'none');
  });

  test('tokenizer splits text and references', () => {
    assert.deepEqual(tokenizeRefs('a $env["x y"]. b'), [
      { kind: 'text', text: 'a ' },
      { kind: 'ref', source: '$env["x y"]', segments: ['env', 'x y'] },
      { kind: 'text', text: '. b' },
    ]);
    assert.deepEqual(tokenizeRefs('no refs'), [{ kind: 'text', text: 'no refs' }]);
    assert.deepEqual(tokenizeRefs('$record'), [{ kind: 'ref', source: '$record', segments: ['record'] }]);
  });
});

describe('type keeping in render()', () => {
  test('a lone reference keeps its type, in both syntaxes', () => {
    assert.equal(render('{{record.amount}}'), 1000);
    assert.equal(render('$record.amount'), 1000);
    assert.equal(render('  {{ record.amount }}\n'), 1000);
    assert.equal(render(' $record.amount '), 1000);
    assert.equal(render('{{{record.won}}}'), true);
    assert.equal(render('{{record.note}}'), null);
    assert.deepEqual(render('{{record.tags}}'), ['vip', 'new']);
    assert.deepEqual(render('$record.contact'), { name: 'Ann', email: 'ann@example.com' });
    assert.deepEqual(render('$env["nested"]'), { deep: { value: 7 } });
  });

  test('a lone reference to a missing value is undefined', () => {
    assert.equal(render('{{record.nope}}'), undefined);
    assert.equal(render('$env.nope'), undefined);
  });

  test('returned objects are copies', () => {
    const contact = render('{{record.contact}}') as Record<string, unknown>;
    contact.name = 'changed';
    assert.equal((ctx.record!.contact as Record<string, unknown>).name, 'Ann');
  });

  test('anything more than one reference is a string', () => {
    assert.equal(render('{{record.amount}} '), 1000, 'whitespace only is still lone');
    assert.equal(render('{{record.amount}}!'), '1000!');
    assert.equal(render('$record.amount$record.amount'), '10001000');
    assert.equal(render('{{#if record.won}}{{record.amount}}{{/if}}'), '1000');
    assert.equal(render('{{this.record.amount}}x'), '1000x');
    assert.equal(render('plain'), 'plain');
  });

  test('renderString always returns text', () => {
    assert.equal(text('{{record.amount}}'), '1000');
    assert.equal(text('$record.won'), 'true');
    assert.equal(text('{{record.nope}}'), '');
  });

  test('escapeHtml turns type keeping off and escapes', () => {
    assert.equal(render('{{record.amount}}', true), '1000');
    assert.equal(render('{{env.html}}', true), '&lt;b&gt;&quot;x&quot;&lt;/b&gt;');
  });
});

describe('nested render()', () => {
  test('renders strings inside arrays and objects; keys are not templated', () => {
    const out = render({
      '{{record.stage}}': '{{record.stage}}',
      amount: '$record.amount',
      list: ['{{record.contact.name}}', 5, null, { deep: 'x $env.lastname' }],
      flag: false,
    });
    assert.deepEqual(out, {
      '{{record.stage}}': 'Won',
      amount: 1000,
      list: ['Ann', 5, null, { deep: 'x Doe' }],
      flag: false,
    });
  });

  test('non-string scalars pass through', () => {
    for (const v of [1, 0, true, false, null, undefined]) assert.equal(render(v), v);
  });

  test('does not mutate its input', () => {
    const input = { a: '{{record.stage}}', b: ['$env.lastname'] };
    render(input);
    assert.deepEqual(input, { a: '{{record.stage}}', b: ['$env.lastname'] });
  });

  test('an own "__proto__" key stays a plain key', () => {
    const input = JSON.parse('{"__proto__": {"polluted": "{{record.stage}}"}}');
    const out = render(input) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { polluted: 'Won' });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('refuses runaway nesting', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = [deep];
    assert.throws(() => render(deep), TemplateError);
  });
});

describe('escapeHtml', () => {
  test('escapes {{x}} and $refs but not {{{x}}} or template text', () => {
    assert.equal(
      text('<p>{{env.html}}|$env.html|{{{env.html}}}</p>', true),
      '<p>&lt;b&gt;&quot;x&quot;&lt;/b&gt;|&lt;b&gt;&quot;x&quot;&lt;/b&gt;|<b>"x"</b></p>',
    );
  });

  test('default is no escaping', () => {
    assert.equal(text('{{env.html}}|$env.html'), '<b>"x"</b>|<b>"x"</b>');
  });

  test('JSON of objects is escaped too', () => {
    assert.equal(text('{{record.tags}}', true), '[&quot;vip&quot;,&quot;new&quot;]');
  });
});

describe('data is never template', () => {
  test('values that look like templates print literally', () => {
    assert.equal(text('{{env.trap}}'), '{{constructor}}');
    assert.equal(text('$env.trap'), '{{constructor}}');
    assert.equal(text('{{env.refTrap}} / $env.refTrap'), '$env.lastname / $env.lastname');
    assert.equal(render('$env.refTrap'), '$env.lastname');
    assert.deepEqual(render({ a: '$env.trap' }), { a: '{{constructor}}' });
  });

  test('rendering twice is needed to evaluate data, and we never do it', () => {
    const c = { ...makeContext(), env: { a: '$env.b', b: 'secret' } };
    assert.equal(engine.renderString('$env.a', c), '$env.b');
    assert.equal(engine.renderString('{{env.a}}', c), '$env.b');
  });
});

describe('injection attempts', () => {
  const attempts = [
    '{{constructor.constructor}}',
    '{{constructor}}',
    '{{__proto__}}',
    '{{record.__proto__.polluted}}',
    '{{this.constructor}}',
    '{{[constructor]}}',
    '{{@root.constructor}}',
    '{{lookup this "constructor"}}',
    '{{#with (lookup this "constructor")}}x{{/with}}',
    '{{#each record.constructor}}x{{/each}}',
    '$record.constructor.name',
    '$env.__proto__',
    '$env["prototype"]',
    '{{log "hi"}}',
  ];

  test('are refused by check()', () => {
    for (const t of attempts) assert.notEqual(engine.check(t), null, t);
  });

  test('throw TemplateError at render instead of reaching prototypes', () => {
    for (const t of attempts) assert.throws(() => engine.renderString(t, ctx), TemplateError, t);
  });

  test('inherited methods are not reachable through ordinary paths', () => {
    assert.equal(
      text(
        '[{{record.toString}}][{{record.contact.hasOwnProperty}}][{{record.__lookupGetter__}}][{{record.items.length}}]',
      ),
      '[][][][2]',
    );
    assert.equal(text('[$record.toString][$record.contact.valueOf]'), '[][]');
    assert.equal(render('{{record.toString}}'), undefined);
  });

  test('inherited data properties are not reachable either', () => {
    const record = Object.create({ secret: 'inherited' }) as Record<string, unknown>;
    record.stage = 'Won';
    const c = { ...makeContext(), record };
    assert.equal(engine.renderString('[{{record.stage}}][{{record.secret}}][$record.secret]', c), '[Won][][]');
    assert.equal(engine.render('{{record.secret}}', c), undefined);
    assert.equal(engine.renderString('{{#with record}}[{{secret}}]{{/with}}', c), '[]');
  });
});

describe('check()', () => {
  test('accepts valid templates and plain text', () => {
    for (const t of [
      '',
      'plain',
      '{{record.stage}}',
      '$env.x',
      '{{#each record.items}}{{sku}}{{/each}}',
      '{{#if a}}x{{else}}y{{/if}}',
      '{{! note }}',
      '\\{{not a tag}}',
    ]) {
      assert.equal(engine.check(t), null, t);
    }
  });

  test('refuses non-strings', () => {
    for (const v of [undefined, null, 1, true, {}, ['{{x}}']])
      assert.equal(engine.check(v), 'template must be a string');
  });

  test('refuses over-long templates', () => {
    const small = createTemplateEngine({ maxTemplateLength: 10 });
    assert.equal(small.check('x'.repeat(10)), null);
    assert.match(small.check('x'.repeat(11)) ?? '', /longer than 10/);
    assert.equal(engine.check('x'.repeat(10_000)), null);
    assert.match(engine.check('x'.repeat(10_001)) ?? '', /longer than 10000/);
    assert.throws(() => small.renderString('x'.repeat(11), ctx), /longer than 10/);
  });

  test('refuses syntax errors', () => {
    for (const t of ['{{', '{{record.stage', '{{#if a}}x', '{{#if a}}x{{/each}}', '{{}}']) {
      assert.match(engine.check(t) ?? '', /syntax error|doesn't match/, t);
    }
  });

  test('refuses partials and partial blocks', () => {
    assert.match(engine.check('{{> header}}') ?? '', /partials/);
    assert.match(engine.check('{{#> layout}}x{{/layout}}') ?? '', /partials/);
  });

  test('refuses decorators', () => {
    assert.match(engine.check('{{* deco}}') ?? '', /decorators/);
    assert.match(engine.check('{{#* inline "p"}}x{{/inline}}') ?? '', /decorators/);
  });

  test('refuses helpers other than the four blocks', () => {
    for (const t of [
      '{{lookup record "stage"}}',
      '{{upper record.stage}}',
      '{{record.stage x=1}}',
      '{{#if (eq a b)}}x{{/if}}',
      '{{#custom a}}x{{/custom}}',
      '{{#record.items}}x{{/record.items}}',
      '{{if record.won "y"}}',
    ]) {
      assert.match(engine.check(t) ?? '', /not allowed/, t);
    }
  });

  test('block helpers need exactly one argument', () => {
    assert.match(engine.check('{{#each}}x{{/each}}') ?? '', /exactly one/);
    assert.match(engine.check('{{#with a b}}x{{/with}}') ?? '', /exactly one/);
  });

  test('render refuses what check refuses', () => {
    assert.throws(() => render('{{> header}}'), TemplateError);
    assert.throws(() => render({ deep: ['{{upper x}}'] }), TemplateError);
    assert.throws(() => engine.renderString(5 as unknown as string, ctx), TemplateError);
  });
});

describe('nesting limit (20), checked before the parser', () => {
  const nest = (open: string, close: string, n: number, inner = 'x') => open.repeat(n) + inner + close.repeat(n);
  // Longer than 10000 characters for some: `roomy` shows that depth alone refuses them.
  const roomy = createTemplateEngine({ maxTemplateLength: 100_000 });
  const deep = {
    if: nest('{{#if record.won}}', '{{/if}}', 600),
    unless: nest('{{#unless record.won}}', '{{/unless}}', 600),
    each: nest('{{#each record.items}}', '{{/each}}', 600),
    with: nest('{{#with record}}', '{{/with}}', 600),
    inverse: nest('{{^record.won}}', '{{/record.won}}', 600),
    tilde: nest('{{~#if record.won~}}', '{{~/if~}}', 600),
    elseIf: `{{#if record.won}}${'{{else if record.won}}x'.repeat(600)}{{/if}}`,
    subexpression: `{{#if ${nest('(', ')', 600, 'a')}}}x{{/if}}`,
    partialBlock: nest('{{#> layout}}', '{{/layout}}', 600),
  };
  /** Counts calls of Handlebars' (shared) parser for the length of one test. */
  function parserSpy(t: TestContext) {
    const parser = (Handlebars as unknown as { Parser: { parse(input: string): unknown } }).Parser;
    const spy = t.mock.method(parser, 'parse');
    t.after(() => spy.mock.restore());
    return spy.mock;
  }

  test('600-deep templates of every nesting construct are refused without being parsed', (t) => {
    const parser = parserSpy(t);
    const plain = nest('{{#if a}}', '{{/if}}', 600);
    assert.ok(plain.length <= 10_000, 'within the default length limit');
    assert.match(engine.check(plain) ?? '', /^templates may nest blocks at most 20 deep/);
    assert.throws(() => text(plain), TemplateError);
    for (const [name, template] of Object.entries(deep)) {
      assert.match(roomy.check(template) ?? '', /^templates may nest blocks at most 20 deep/, name);
      assert.throws(() => roomy.renderString(template, ctx), /at most 20 deep/, name);
    }
    assert.equal(parser.callCount(), 0, 'the handlebars parser never saw a too-deep template');
  });

  test('the refusal costs at most one lexer token per character, and stops at level 21', () => {
    for (const [name, template] of Object.entries(deep)) {
      const scan = nestingProblem(template);
      assert.ok(scan.problem, name);
      assert.ok(scan.tokens <= template.length + 1, `${name}: ${scan.tokens} tokens`);
      assert.ok(scan.tokens < 200, `${name}: stopped early (${scan.tokens} tokens)`);
    }
  });

  test('20 deep is accepted and renders (and does reach the parser)', (t) => {
    const parser = parserSpy(t);
    assert.equal(engine.check(nest('{{#if record.won}}', '{{/if}}', 20)), null);
    assert.equal(text(nest('{{#if record.won}}', '{{/if}}', 20, '{{record.stage}}')), 'Won');
    assert.equal(engine.check(`{{#if record.won}}${'{{else if record.won}}x'.repeat(19)}{{/if}}`), null);
    assert.ok(parser.callCount() > 0);
    assert.match(engine.check(nest('{{#if record.won}}', '{{/if}}', 21)) ?? '', /at most 20 deep/);
  });

  test('only real nesting counts: siblings, comments, escapes, strings and raw text do not', () => {
    const ifs = '{{#if a}}'.repeat(30);
    assert.equal(engine.check('{{#if a}}x{{/if}}'.repeat(500)), null, 'siblings');
    assert.equal(text(`{{!-- ${ifs} --}}ok`), 'ok', 'comment');
    assert.equal(text('\\{{#if a}}'.repeat(30)), '{{#if a}}'.repeat(30), 'escaped mustaches');
    assert.equal(text(`{{#if "${'('.repeat(30)}"}}ok{{/if}}`), 'ok', 'parentheses in a string literal');
    assert.equal(text(`{{{{if record.won}}}}${ifs}{{{{/if}}}}`), ifs, 'raw block content');
  });

  test('the limit is an engine option', () => {
    const strict = createTemplateEngine({ maxNesting: 2 });
    assert.equal(strict.check('{{#if a}}{{#if b}}x{{/if}}{{/if}}'), null);
    assert.match(strict.check('{{#if a}}{{#if b}}{{#if c}}x{{/if}}{{/if}}{{/if}}') ?? '', /at most 2 deep/);
  });
});

describe('cache', () => {
  test('repeated renders give the same output and see fresh data', () => {
    const t = 'Deal {{record.stage}} for $env.lastname';
    assert.equal(text(t), 'Deal Won for Doe');
    assert.equal(text(t), 'Deal Won for Doe');
    const other = { ...makeContext(), env: { lastname: 'Roe' }, record: { stage: 'Lost' } };
    assert.equal(engine.renderString(t, other), 'Deal Lost for Roe');
  });

  test('escaped and raw compilations are kept apart', () => {
    const t = '{{env.html}}';
    assert.equal(text(t, true), '&lt;b&gt;&quot;x&quot;&lt;/b&gt;');
    assert.equal(text(t, false), '<b>"x"</b>');
    assert.equal(text(t, true), '&lt;b&gt;&quot;x&quot;&lt;/b&gt;');
  });

  test('a tiny or disabled cache still renders correctly', () => {
    for (const cacheSize of [0, 1, 2]) {
      const e = createTemplateEngine({ cacheSize });
      const templates = ['{{record.stage}}', '$env.lastname', 'x{{record.amount}}'];
      const first = templates.map((t) => e.renderString(t, ctx));
      const second = templates.map((t) => e.renderString(t, ctx));
      assert.deepEqual(first, ['Won', 'Doe', 'x1000']);
      assert.deepEqual(second, first, `cacheSize ${cacheSize}`);
    }
  });

  test('engines do not share helpers or state', () => {
    const a = createTemplateEngine();
    const b = createTemplateEngine();
    assert.equal(a.renderString('{{record.stage}}', ctx), b.renderString('{{record.stage}}', ctx));
  });
});
