/**
 * Handlebars AST work for the template engine: finding what a template may not use, and
 * rewriting a checked template so every output goes through our own helpers.
 *
 * Invariant: `prepareAst` is only given ASTs that `findAstProblem` accepted, so every
 * mustache it sees is a plain `{{path}}` / `{{{path}}}` without params or hash.
 */
import { FORBIDDEN_SEGMENTS } from '../paths.js';
import { REF_ROOTS, refProblem, tokenizeRefs, type RefPiece } from './template-refs.js';

/** Internal helper that turns a value into output text (objects → JSON). */
export const OUT_HELPER = '__hf_out';
/** Internal helper that outputs the n-th `$`-reference of the template. */
export const REF_HELPER = '__hf_ref';

/** The only helpers a template may use, and only as blocks with one argument. */
const BLOCK_HELPERS: ReadonlySet<string> = new Set(['if', 'unless', 'each', 'with']);

interface AstNode {
  type: string;
  loc?: unknown;
}
interface ProgramNode extends AstNode {
  body: AstNode[];
}
interface PathNode extends AstNode {
  data: boolean;
  depth: number;
  parts: string[];
  original: string;
}
interface HashNode extends AstNode {
  pairs: Array<{ key: string; value: AstNode }>;
}
interface CallNode extends AstNode {
  path: AstNode;
  params: AstNode[];
  hash?: HashNode;
}
interface MustacheNode extends CallNode {
  escaped: boolean;
  strip: { open: boolean; close: boolean };
}
interface BlockNode extends CallNode {
  program?: ProgramNode;
  inverse?: ProgramNode;
}
interface ContentNode extends AstNode {
  value: string;
  original: string;
}

const ALLOWED_LIST = '{{#if}}, {{#unless}}, {{#each}} and {{#with}}';
const LITERALS: ReadonlySet<string> = new Set([
  'StringLiteral',
  'NumberLiteral',
  'BooleanLiteral',
  'UndefinedLiteral',
  'NullLiteral',
]);

/** The first thing in the template that is not allowed, as a message; null when fine. */
export function findAstProblem(node: AstNode): string | null {
  switch (node.type) {
    case 'Program':
      return firstProblem((node as ProgramNode).body);
    case 'ContentStatement':
      return contentProblem((node as ContentNode).value);
    case 'CommentStatement':
      return null;
    case 'MustacheStatement':
      return mustacheProblem(node as MustacheNode);
    case 'BlockStatement':
      return blockProblem(node as BlockNode);
    case 'PartialStatement':
    case 'PartialBlockStatement':
      return 'partials ({{> name}}) are not allowed';
    case 'Decorator':
    case 'DecoratorBlock':
      return 'decorators ({{* name}}) are not allowed';
    default:
      return `unsupported template syntax (${node.type})`;
  }
}

function firstProblem(nodes: readonly AstNode[]): string | null {
  for (const node of nodes) {
    const problem = findAstProblem(node);
    if (problem) return problem;
  }
  return null;
}

function contentProblem(text: string): string | null {
  for (const piece of tokenizeRefs(text)) {
    const problem = piece.kind === 'ref' ? refProblem(piece) : null;
    if (problem) return problem;
  }
  return null;
}

function nameOf(node: AstNode): string {
  return node.type === 'PathExpression' ? (node as PathNode).original : node.type;
}

function mustacheProblem(node: MustacheNode): string | null {
  if (node.params.length > 0 || node.hash) {
    return `helper "${nameOf(node.path)}" is not allowed; only ${ALLOWED_LIST} blocks`;
  }
  return expressionProblem(node.path);
}

function expressionProblem(node: AstNode): string | null {
  if (LITERALS.has(node.type)) return null;
  if (node.type === 'SubExpression') {
    return `helper "${nameOf((node as CallNode).path)}" is not allowed; only ${ALLOWED_LIST} blocks`;
  }
  if (node.type !== 'PathExpression') return `unsupported template syntax (${node.type})`;
  const path = node as PathNode;
  const bad = path.parts.find((part) => FORBIDDEN_SEGMENTS.has(part));
  return bad === undefined ? null : `path "${path.original}": segment "${bad}" is not allowed`;
}

function blockProblem(node: BlockNode): string | null {
  const path = node.path as PathNode;
  const name = nameOf(node.path);
  const isHelper = node.path.type === 'PathExpression' && !path.data && path.depth === 0 && path.parts.length === 1;
  if (!isHelper || !BLOCK_HELPERS.has(path.parts[0]))
    return `block "{{#${name}}}" is not allowed; only ${ALLOWED_LIST}`;
  if (node.params.length !== 1) return `{{#${name}}} needs exactly one argument`;
  const expressions = [...node.params, ...(node.hash?.pairs.map((pair) => pair.value) ?? [])];
  for (const expression of expressions) {
    const problem = expressionProblem(expression);
    if (problem) return problem;
  }
  return firstProblem([node.program, node.inverse].filter((p): p is ProgramNode => p !== undefined));
}

/** A checked template rewritten for rendering, with its `$`-references in output order. */
export interface PreparedAst {
  program: ProgramNode;
  refs: RefPiece[];
  /** Root-first path when the whole template is one reference (for type keeping), else null. */
  single: string[] | null;
}

/**
 * Rewrites (in place) a checked, unprocessed AST: `{{x}}` → `{{__hf_out x}}`, and each
 * `$`-reference found in literal text → `{{__hf_ref n}}`. References are only looked for in
 * ContentStatements, i.e. in the template's own text — never in rendered values.
 */
export function prepareAst(program: ProgramNode): PreparedAst {
  const refs: RefPiece[] = [];
  rewriteProgram(program, refs);
  return { program, refs, single: findSingle(program, refs) };
}

function rewriteProgram(program: ProgramNode, refs: RefPiece[]): void {
  program.body = program.body.flatMap((node) => rewriteNode(node, refs));
}

function rewriteNode(node: AstNode, refs: RefPiece[]): AstNode[] {
  if (node.type === 'MustacheStatement') {
    const mustache = node as MustacheNode;
    mustache.params = [mustache.path];
    mustache.path = helperPath(OUT_HELPER, node.loc);
    return [mustache];
  }
  if (node.type === 'BlockStatement') {
    const block = node as BlockNode;
    if (block.program) rewriteProgram(block.program, refs);
    if (block.inverse) rewriteProgram(block.inverse, refs);
    return [block];
  }
  if (node.type !== 'ContentStatement') return [node];
  const pieces = tokenizeRefs((node as ContentNode).value);
  if (!pieces.some((piece) => piece.kind === 'ref')) return [node];
  return pieces.map((piece) => {
    if (piece.kind === 'text')
      return { type: 'ContentStatement', value: piece.text, original: piece.text, loc: node.loc };
    refs.push(piece);
    return refMustache(refs.length - 1, node.loc);
  });
}

function helperPath(name: string, loc: unknown): PathNode {
  return { type: 'PathExpression', data: false, depth: 0, parts: [name], original: name, loc };
}

function refMustache(index: number, loc: unknown): MustacheNode {
  return {
    type: 'MustacheStatement',
    path: helperPath(REF_HELPER, loc),
    params: [{ type: 'NumberLiteral', value: index, original: index, loc } as AstNode],
    escaped: true,
    strip: { open: false, close: false },
    loc,
  };
}

/** The one reference a template consists of, ignoring whitespace and comments; else null. */
function findSingle(program: ProgramNode, refs: readonly RefPiece[]): string[] | null {
  const meaningful = program.body.filter(
    (node) =>
      node.type !== 'CommentStatement' &&
      !(node.type === 'ContentStatement' && /^\s*$/.test((node as ContentNode).value)),
  );
  if (meaningful.length !== 1 || meaningful[0].type !== 'MustacheStatement') return null;
  const mustache = meaningful[0] as MustacheNode;
  const helper = (mustache.path as PathNode).original;
  const arg = mustache.params[0];
  if (helper === REF_HELPER) return refs[(arg as unknown as { value: number }).value].segments;
  if (arg.type !== 'PathExpression') return null;
  const path = arg as PathNode;
  if (path.data || path.depth !== 0 || path.parts.length === 0 || !REF_ROOTS.includes(path.parts[0])) return null;
  return path.parts;
}
