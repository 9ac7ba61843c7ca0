/**
 * The one template engine for workflow values (webhook bodies, email text, field updates).
 *
 * Two syntaxes, usable together in any string:
 * - Handlebars: `{{record.amount}}`, `{{#if record.won}}…{{/if}}`, `{{#each record.items}}…{{/each}}`;
 *   only the block helpers if/unless/each/with — no other helpers, partials or decorators.
 * - `$`-references: `$env["lastname"]`, `$env.lastname`, `$record.contact.name`, `$previous.stage`,
 *   `$event.type`, `$user.email`.
 *
 * How data is kept from becoming template (the ordering question): a template string is
 * parsed ONCE by Handlebars; `$`-references are looked for only in the literal-text nodes of
 * that parse, and each becomes a `{{__hf_ref n}}` helper call whose value is looked up with
 * getSegments (own properties, forbidden segments refused). Every `{{path}}` becomes
 * `{{__hf_out path}}`. Handlebars never re-parses helper output and nothing here scans output
 * for `$`, so a value like `{{constructor}}` or `$env.x` is printed literally.
 *
 * Prototype safety, in depth: paths with __proto__/constructor/prototype are refused by check();
 * `lookup`/`log` are unregistered and unknown to the compiler; the root context has a null
 * prototype; rendering runs with allowProto*ByDefault: false.
 */
import Handlebars from 'handlebars';
import { templateSyntaxMessage } from '../validation-messages.js';
import { getSegments } from '../paths.js';
import { findAstProblem, OUT_HELPER, prepareAst, REF_HELPER } from './template-ast.js';
import { MAX_NESTING, nestingProblem, type RefPiece } from './template-refs.js';

/** What templates can see. Reference roots are exactly these keys (REF_ROOTS). */
export interface TemplateContext {
  env: Record<string, unknown>;
  record: Record<string, unknown> | null;
  previous: Record<string, unknown> | null;
  event: Record<string, unknown>;
  user: Record<string, unknown> | null;
  /**
   * What earlier tasks of the run produced, by task id: `{{steps.12.response.invoice.id}}` is the
   * answer of webhook task 12 run in "wait for the answer" mode. Default none.
   */
  steps?: Record<string, unknown>;
}

export interface TemplateEngineOptions {
  /** Longest template accepted, in characters. Default 10000. */
  maxTemplateLength?: number;
  /** Deepest nesting of blocks, `{{else x}}` chains and subexpressions accepted. Default 20. */
  maxNesting?: number;
  /** Compiled templates kept, least recently used dropped first; 0 disables caching. Default 500. */
  cacheSize?: number;
}

export interface RenderOptions {
  /**
   * HTML-escape the output of `{{x}}` and `$`-references (not `{{{x}}}`, not template text).
   * When true, strings always render to strings (no type keeping). Default false.
   */
  escapeHtml?: boolean;
  /**
   * Applied to the text of every inserted value (`{{x}}` and `$`-references), never to the
   * template's own text — e.g. percent-encoding for a URL, so data fills a path segment or a
   * query value and cannot add structure. renderString only. Default none.
   */
  valueFilter?: (text: string) => string;
}

export interface TemplateEngine {
  /** Why `template` cannot be used, or null when it is a valid template string. */
  check(template: unknown): string | null;
  /**
   * Renders every string inside `value` (arrays and plain objects recursively; keys are not
   * templated; other values pass through). A string that is exactly one reference
   * (`{{record.amount}}` or `$record.amount`, whitespace around allowed) returns the value with
   * its type — a copy for objects/arrays, and undefined when missing (so callers can leave the
   * field out rather than overwrite it). Throws TemplateError on a bad template.
   */
  render(value: unknown, ctx: TemplateContext, opts?: RenderOptions): unknown;
  /** Renders one template to text; objects and arrays print as JSON. Throws TemplateError. */
  renderString(template: string, ctx: TemplateContext, opts?: RenderOptions): string;
}

/** A template that cannot be checked, compiled or rendered. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

interface Compiled {
  fn: HandlebarsTemplateDelegate;
  refs: RefPiece[];
  single: string[] | null;
}

/** Deeper nesting than this in a rendered value is refused (guards against runaway recursion). */
const MAX_VALUE_DEPTH = 64;

/** One engine's private state: its Handlebars instance, limits and compiled-template cache. */
interface EngineState {
  hb: typeof Handlebars;
  maxLength: number;
  maxNesting: number;
  cacheSize: number;
  cache: Map<string, Compiled>;
}

export function createTemplateEngine(opts: TemplateEngineOptions = {}): TemplateEngine {
  const state: EngineState = {
    hb: createHandlebars(),
    maxLength: opts.maxTemplateLength ?? 10_000,
    maxNesting: opts.maxNesting ?? MAX_NESTING,
    cacheSize: Math.max(0, Math.floor(opts.cacheSize ?? 500)),
    cache: new Map(),
  };
  return {
    check: (template) => checkTemplate(state, template),
    render: (value, ctx, options = {}) => renderValue(state, value, ctx, options.escapeHtml === true, 0),
    renderString(template, ctx, options = {}) {
      if (typeof template !== 'string') throw new TemplateError('template must be a string');
      return renderText(prepare(state, template, options.escapeHtml === true), ctx, options.valueFilter);
    },
  };
}

function checkTemplate(state: EngineState, template: unknown): string | null {
  if (typeof template !== 'string') return 'template must be a string';
  if (template.length > state.maxLength) return `template is longer than ${state.maxLength} characters`;
  // Before parsing: the parser's cost grows with length × depth, the pre-scan's with length only.
  const nesting = nestingProblem(template, state.maxNesting).problem;
  if (nesting) return nesting;
  let ast: hbs.AST.Program;
  try {
    ast = state.hb.parseWithoutProcessing(template);
  } catch (err) {
    // The parser's own text is a trace (excerpt, caret, token names); admins get one plain sentence.
    return `Template syntax error: ${templateSyntaxMessage(err instanceof Error ? err.message : String(err))}`;
  }
  const problem = findAstProblem(ast);
  if (problem) return problem;
  try {
    state.hb.precompile(prepareAst(ast).program, compileOptions(false));
  } catch (err) {
    return `template does not compile: ${errorText(err)}`;
  }
  return null;
}

/** The compiled form of a template, from the cache or freshly checked and compiled. */
function prepare(state: EngineState, template: string, escape: boolean): Compiled {
  const key = `${escape ? 'h' : 't'}:${template}`;
  const hit = state.cache.get(key);
  if (hit) {
    state.cache.delete(key); // re-insert: Map order is our recency order
    state.cache.set(key, hit);
    return hit;
  }
  const problem = checkTemplate(state, template);
  if (problem) throw new TemplateError(problem);
  // A fresh parse: compile() applies whitespace control to the AST in place, exactly once.
  const prepared = prepareAst(state.hb.parseWithoutProcessing(template));
  const fn = state.hb.compile(prepared.program, compileOptions(escape));
  const entry: Compiled = { fn, refs: prepared.refs, single: prepared.single };
  if (state.cacheSize > 0) {
    state.cache.set(key, entry);
    if (state.cache.size > state.cacheSize) state.cache.delete(state.cache.keys().next().value as string);
  }
  return entry;
}

function renderText(entry: Compiled, ctx: TemplateContext, filter?: (text: string) => string): string {
  const root = rootOf(ctx);
  // Looked up here, printed by the helper: values reach the output without being parsed.
  const values = entry.refs.map((ref) => getSegments(root, ref.segments));
  const out = filter ? (value: unknown) => filter(toOutputText(value)) : toOutputText;
  try {
    return entry.fn(root, {
      helpers: {
        [REF_HELPER]: (index: number) => out(values[index]),
        ...(filter ? { [OUT_HELPER]: (value: unknown) => out(value) } : {}),
      },
      allowProtoPropertiesByDefault: false,
      allowProtoMethodsByDefault: false,
    });
  } catch (err) {
    throw new TemplateError(`template failed: ${errorText(err)}`);
  }
}

function renderTemplate(state: EngineState, template: string, ctx: TemplateContext, escape: boolean): unknown {
  const entry = prepare(state, template, escape);
  if (!escape && entry.single) return copyValue(getSegments(rootOf(ctx), entry.single));
  return renderText(entry, ctx);
}

function renderValue(
  state: EngineState,
  value: unknown,
  ctx: TemplateContext,
  escape: boolean,
  depth: number,
): unknown {
  if (depth > MAX_VALUE_DEPTH) throw new TemplateError(`value is nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (typeof value === 'string') return renderTemplate(state, value, ctx, escape);
  if (Array.isArray(value)) return value.map((item) => renderValue(state, item, ctx, escape, depth + 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const rendered = renderValue(state, item, ctx, escape, depth + 1);
    // defineProperty: an own "__proto__" key stays a key instead of replacing the prototype.
    Object.defineProperty(out, key, { value: rendered, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** One isolated Handlebars instance: only if/unless/each/with plus our output helper. */
function createHandlebars(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.unregisterHelper('lookup');
  hb.unregisterHelper('log');
  hb.registerHelper(OUT_HELPER, (value: unknown) => toOutputText(value));
  return hb;
}

function compileOptions(escape: boolean): CompileOptions {
  return {
    knownHelpersOnly: true,
    knownHelpers: { lookup: false, log: false, [OUT_HELPER]: true, [REF_HELPER]: true },
    strict: false,
    noEscape: !escape,
  };
}

/** The roots on a null-prototype object: nothing inherited is reachable from the top. */
function rootOf(ctx: TemplateContext): Record<string, unknown> {
  const root: Record<string, unknown> = Object.create(null);
  root.env = ctx.env;
  root.record = ctx.record;
  root.previous = ctx.previous;
  root.event = ctx.event;
  root.user = ctx.user;
  root.steps = ctx.steps ?? {};
  return root;
}

/** How a value prints inside text: '' for null/undefined, JSON for objects, ISO for dates. */
export function toOutputText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (typeof value !== 'object') return ''; // functions, symbols: not data
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return ''; // cycles or BigInt inside: print nothing rather than fail the run
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Type-kept objects are copied so a caller changing its result cannot change the run's data. */
function copyValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // Handlebars parse errors span lines (message, excerpt, caret, expectation): keep them all.
  return message.replace(/\s*\n\s*/g, ' ').slice(0, 300);
}
