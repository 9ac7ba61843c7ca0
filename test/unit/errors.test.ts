/**
 * Field messages in plain words: every zod issue kind fieldsFromZod maps (the API's 422 `fields`
 * and the admin pages both show them), a schema's own words kept, and Handlebars parse traces
 * turned into one sentence about the template.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { isPredicate, withSubject } from '../../module/errors.js';
import { fieldsFromZod, templateSyntaxMessage } from '../../module/validation-messages.js';
import { createTemplateEngine } from '../../module/workflows/templates.js';
import { WorkflowInput } from '../../module/workflows/model.js';
import { WebhookOptions } from '../../module/workflows/tasks/webhook/task.js';

/** The field messages zod's error for `value` against `schema` becomes. */
function fields(schema: z.ZodType, value: unknown, prefix = ''): Record<string, string> {
  const r = schema.safeParse(value);
  assert.ok(!r.success, 'the value must be refused');
  return fieldsFromZod(r.error, prefix);
}
const one = (schema: z.ZodType, value: unknown) => Object.values(fields(schema, value))[0];

test('invalid_type: missing is "is required"; a wrong type names the expected one', () => {
  assert.deepEqual(fields(z.object({ title: z.string() }), {}), { title: 'is required' });
  assert.equal(one(z.string(), null), 'is required');
  assert.equal(one(z.string(), 5), 'must be text');
  assert.equal(one(z.number(), 'x'), 'must be a number');
  assert.equal(one(z.number().int(), 1.5), 'must be a whole number');
  assert.equal(one(z.boolean(), 'yes'), 'must be true or false');
  assert.equal(one(z.array(z.string()), 'x'), 'must be a list');
  assert.equal(one(z.object({}), 'x'), 'must be an object');
});

test('too_small / too_big: lengths, counts, numbers and dates', () => {
  assert.equal(one(z.string().trim().min(1), '  '), 'is required');
  assert.equal(one(z.string().min(3), 'a'), 'must be at least 3 characters');
  assert.equal(one(z.string().max(2000), 'x'.repeat(2001)), 'must be at most 2000 characters');
  assert.equal(one(z.string().length(1), 'ab'), 'must be exactly 1 character');
  assert.equal(one(z.array(z.string()).min(1), []), 'must have at least 1 item');
  assert.equal(one(z.array(z.string()).max(50), Array(51).fill('a')), 'must have at most 50 items');
  assert.equal(one(z.number().min(1), 0), 'must be at least 1');
  assert.equal(one(z.number().int().positive(), 0), 'must be greater than 0');
  assert.equal(one(z.number().max(10), 11), 'must be at most 10');
  assert.equal(one(z.number().lt(5), 5), 'must be less than 5');
  assert.equal(one(z.bigint().min(5n), 1n), 'must be at least 5');
  assert.equal(one(z.date().min(new Date(1000)), new Date(0)), 'must be on or after 1970-01-01T00:00:01.000Z');
});

test('invalid_value: enums list their options, a literal names its value', () => {
  assert.equal(
    one(z.enum(['POST', 'PUT', 'PATCH', 'DELETE', 'GET']), 'TRACE'),
    'must be one of POST, PUT, PATCH, DELETE, GET',
  );
  assert.equal(one(z.literal('draft'), 'x'), 'must be draft');
  assert.equal(one(z.literal(true), false), 'must be true');
});

test('invalid_format: regex, named formats and affixes', () => {
  assert.equal(one(z.string().regex(/^a+$/), 'b'), 'is not in the expected format');
  assert.equal(one(z.string().email(), 'b'), 'must be an email address');
  assert.equal(one(z.url(), 'b'), 'must be a URL');
  assert.equal(one(z.string().datetime(), 'b'), 'must be a date and time (ISO 8601)');
  assert.equal(one(z.string().startsWith('hft_'), 'b'), 'must start with "hft_"');
  assert.equal(one(z.string().endsWith('x'), 'b'), 'must end with "x"');
  assert.equal(one(z.string().includes('@'), 'b'), 'must contain "@"');
});

test('not_multiple_of, invalid_key, custom without a message', () => {
  assert.equal(one(z.number().multipleOf(5), 3), 'must be a multiple of 5');
  assert.deepEqual(fields(z.record(z.string().min(2), z.string()), { a: 'x' }), {
    a: 'is not an allowed key (must be at least 2 characters)',
  });
  assert.equal(
    one(
      z.string().refine(() => false),
      'x',
    ),
    'is not valid',
  );
});

test('unrecognized_keys: each unknown key is named as its own field', () => {
  assert.deepEqual(fields(z.object({ a: z.string() }).strict(), { a: 'x', b: 1, c: 2 }), {
    b: 'is not a known field',
    c: 'is not a known field',
  });
  assert.deepEqual(fields(z.object({ s: z.object({}).strict() }), { s: { nope: 1 } }, 'tasks.0'), {
    'tasks.0.s.nope': 'is not a known field',
  });
  assert.equal(
    JSON.stringify(fields(z.object({}).strict(), JSON.parse('{"__proto__": 1}'))),
    '{"__proto__":"is not a known field"}',
    'even a key named __proto__',
  );
});

test('invalid_union: plain types are named; a discriminator lists its options; the rest is "is not valid"', () => {
  assert.equal(one(z.union([z.string(), z.number()]), true), 'must be text or a number');
  assert.equal(one(z.union([z.string(), z.number()]), undefined), 'is required');
  assert.deepEqual(
    fields(
      z.discriminatedUnion('kind', [z.object({ kind: z.literal('owner') }), z.object({ kind: z.literal('user') })]),
      { kind: 'x' },
    ),
    { kind: 'must be one of owner, user' },
  );
  assert.equal(one(z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]), {}), 'is not valid');
});

test("a schema's own words are kept; prefixes and the first message per field", () => {
  assert.equal(
    one(z.string().regex(/^a+$/, 'must be 1-64 letters, digits, _ or -'), 'b'),
    'must be 1-64 letters, digits, _ or -',
  );
  assert.equal(
    one(
      z.string().refine(() => false, 'is set by Hookflow itself'),
      'x',
    ),
    'is set by Hookflow itself',
  );
  assert.deepEqual(fields(z.string().min(3).regex(/^a+$/), 'b', 'tasks.1.options.url'), {
    'tasks.1.options.url': 'must be at least 3 characters',
  });
  assert.deepEqual(fields(z.string(), 5), { '(root)': 'must be text' });
});

test('real schemas: the workflow and webhook inputs read plainly', () => {
  const wf = fields(WorkflowInput, { module: 'Deals', title: ' ', trigger: 'http', status: 'paused' });
  assert.equal(wf.title, 'is required');
  assert.equal(wf.status, 'must be one of draft, active, inactive');
  const hook = fields(WebhookOptions, { url: `https://a.example/${'x'.repeat(2000)}`, method: 'TRACE' });
  assert.deepEqual(hook, {
    url: 'must be at most 2000 characters',
    method: 'must be one of POST, PUT, PATCH, DELETE, GET',
  });
  assert.ok(
    Object.values({ ...wf, ...hook }).every((m) => !/Too small|Too big|Invalid (input|option)|expected/.test(m)),
    'no library wording',
  );
});

test('Handlebars parse errors become one sentence about the template', () => {
  const engine = createTemplateEngine();
  const cases: Array<[string, string]> = [
    ['{{', 'a {{ is not closed'],
    ['Dear {{record.name}, thanks', 'a {{ is not closed'],
    ['{{#if record.won}}yes', 'a {{#…}} block is not closed with its {{/…}}'],
    ['{{#if a}}x{{/each}}', '{{#if}} is closed by {{/each}}'],
    ['{{/if}}', 'a {{/…}} has no {{#…}} that it closes'],
    ['{{else}}', 'an {{else}} is outside a block, or a block has two'],
    ['{{{record.html}}', 'a {{{ is closed with }} instead of }}}'],
    ['{{record.x}}}', 'a {{ is closed with }}} instead of }}'],
    ['{{}}', 'a {{ }} is empty or incomplete'],
    ['{{!-- note', 'a {{!-- comment is not closed with --}}'],
    ['{{a.[b}}', 'unexpected text at “[b}}”'],
    ['line one\nline two {{record.x', 'a {{ is not closed (line 2)'],
  ];
  for (const [template, sentence] of cases)
    assert.equal(engine.check(template), `Template syntax error: ${sentence}`, JSON.stringify(template));
  const trace =
    "Parse error on line 1:\n{{\n--^\nExpecting 'ID', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA', got 'EOF'";
  assert.equal(templateSyntaxMessage(trace), 'a {{ is not closed');
  assert.equal(
    templateSyntaxMessage('something else\nwith a trace'),
    'something else',
    'unknown text: its first line only',
  );
});

test('pages put the label before a predicate, and before a sentence with a colon', () => {
  assert.equal(withSubject('Title', 'is required'), 'Title is required');
  assert.equal(withSubject('URL', 'must be at most 2000 characters'), 'URL must be at most 2000 characters');
  assert.equal(
    withSubject('URL', 'Template syntax error: a {{ is not closed'),
    'URL: Template syntax error: a {{ is not closed',
  );
  assert.ok(isPredicate('duplicates params.1.name') && !isPredicate('unknown trigger x'));
});
