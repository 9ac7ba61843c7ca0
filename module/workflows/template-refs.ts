/**
 * Scans of TEMPLATE text that run apart from Handlebars' parser:
 * - the `$`-reference syntax of the seed documents: `$env["lastname"]`, `$env['lastname']`,
 *   `$env.lastname`, `$record.contact.name`, `$previous.stage`, `$event.type`, `$user.email`,
 *   `$record.items[0]`. Values are looked up by the caller and are never fed back through here
 *   (data is never scanned for references);
 * - the nesting-depth pre-scan (nestingProblem), which must run BEFORE the parser.
 */
import Handlebars from 'handlebars';
import { FORBIDDEN_SEGMENTS } from '../paths.js';

/** The context roots a reference may start from. */
export const REF_ROOTS: readonly string[] = ['env', 'record', 'previous', 'event', 'user', 'steps'];

export interface TextPiece {
  kind: 'text';
  text: string;
}

export interface RefPiece {
  kind: 'ref';
  /** The reference as written, e.g. `$env["last name"]`. */
  source: string;
  /** Root first: `$record.contact.name` → ['record', 'contact', 'name']. Segments may contain dots. */
  segments: string[];
}

export type Piece = TextPiece | RefPiece;

/** A root not followed by an identifier character: `$recordings` is plain text. */
const REF_START = /\$(env|record|previous|event|user)(?![A-Za-z0-9_])/g;
/** Dotted segments are plain identifiers so prose punctuation (`$record.amount.`) stays text. */
const DOT_SEGMENT = /^\.([A-Za-z0-9_]+)/;
const BRACKET_SEGMENT = /^\[(?:"([^"\]\\]*)"|'([^'\]\\]*)'|(\d{1,6}))\]/;

/** Reads the accessors after a root; returns the segments and how many characters they used. */
function readAccessors(text: string): { segments: string[]; length: number } {
  const segments: string[] = [];
  let rest = text;
  let length = 0;
  for (;;) {
    const dot = DOT_SEGMENT.exec(rest);
    const bracket = dot ? null : BRACKET_SEGMENT.exec(rest);
    const match = dot ?? bracket;
    if (!match) return { segments, length };
    segments.push(dot ? dot[1] : (bracket![1] ?? bracket![2] ?? bracket![3]));
    length += match[0].length;
    rest = rest.slice(match[0].length);
  }
}

/** Splits template text into literal text and references; adjacent text is merged, '' dropped. */
export function tokenizeRefs(text: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  const start = new RegExp(REF_START.source, 'g'); // own lastIndex: no shared regex state
  for (let m = start.exec(text); m !== null; m = start.exec(text)) {
    const after = m.index + m[0].length;
    const { segments, length } = readAccessors(text.slice(after));
    if (m.index > last) pieces.push({ kind: 'text', text: text.slice(last, m.index) });
    pieces.push({ kind: 'ref', source: text.slice(m.index, after + length), segments: [m[1], ...segments] });
    last = after + length;
    start.lastIndex = last;
  }
  if (last < text.length) pieces.push({ kind: 'text', text: text.slice(last) });
  return pieces;
}

/** Why a reference is unusable (a forbidden segment), or null. */
export function refProblem(ref: RefPiece): string | null {
  const bad = ref.segments.find((segment) => FORBIDDEN_SEGMENTS.has(segment));
  return bad === undefined ? null : `reference ${ref.source}: segment "${bad}" is not allowed`;
}

/** Deepest block / subexpression nesting a template may use (see nestingProblem). */
export const MAX_NESTING = 20;

/** Handlebars' own jison lexer (undocumented but stable since 4.0): the one its parser uses. */
interface HbLexer {
  yy: object;
  setInput(input: string): void;
  lex(): number | string;
}
const PARSER = (Handlebars as unknown as { Parser?: { lexer?: HbLexer; terminals_?: Record<number, string> } }).Parser;
/** Tokens that open one nesting level; a `{{else x}}` adds a level that its block's close ends too. */
const OPENERS: ReadonlySet<string> = new Set(['OPEN_BLOCK', 'OPEN_INVERSE', 'OPEN_PARTIAL_BLOCK', 'OPEN_RAW_BLOCK']);
const CLOSERS: ReadonlySet<string> = new Set(['OPEN_ENDBLOCK', 'END_RAW_BLOCK']);

/** A private lexer instance: its state lives on the instance, the shared parser is never touched. */
function newLexer(): HbLexer {
  if (typeof PARSER?.lexer?.lex !== 'function' || !PARSER.terminals_) {
    throw new Error('handlebars has no Parser.lexer: the template nesting check needs updating');
  }
  const lexer = Object.create(PARSER.lexer) as HbLexer;
  lexer.yy = {}; // no parser attached: a lexical error throws instead of calling into one
  return lexer;
}

/** The next token's name; null at the end, on a lexical error or an INVALID token. */
function nextToken(lexer: HbLexer): string | null {
  let raw: number | string;
  try {
    raw = lexer.lex();
  } catch {
    return null;
  }
  const name = typeof raw === 'number' ? PARSER!.terminals_![raw] : raw;
  return name === undefined || name === 'EOF' || name === 'INVALID' ? null : name;
}

interface Frame {
  sexpr: boolean;
  levels: number;
}

/** Applies one token to the open frames: the change in depth, or null when it cannot parse. */
function depthChange(frames: Frame[], token: string): number | null {
  if (OPENERS.has(token) || token === 'OPEN_SEXPR') {
    frames.push({ sexpr: token === 'OPEN_SEXPR', levels: 1 });
    return 1;
  }
  if (token === 'OPEN_INVERSE_CHAIN') {
    const top = frames.at(-1);
    if (!top || top.sexpr) return null;
    top.levels++;
    return 1;
  }
  if (!CLOSERS.has(token) && token !== 'CLOSE_SEXPR') return 0;
  const top = frames.pop();
  return top && top.sexpr === (token === 'CLOSE_SEXPR') ? -top.levels : null;
}

/** What nestingProblem found; `tokens` is its work: at most one per template character, plus one. */
export interface NestingScan {
  problem: string | null;
  tokens: number;
}

/**
 * Refuses nesting deeper than `max` BEFORE the template reaches Handlebars' parser, whose every
 * reduction copies its whole stack (so parsing costs O(length × depth): seconds for 600 nested
 * `{{#if}}`). The scan runs the very lexer the parser uses, so comments, raw blocks, `\{{`
 * escapes, string literals and `{{~` are read exactly as the parser reads them, and only counts
 * levels: one step per token, stopping at the first level too many. Where the token stream
 * cannot parse (a lexical error, a mismatched close) the scan stops without a problem: the
 * parser refuses the template at that same point, having nested at most `max` deep.
 */
export function nestingProblem(template: string, max = MAX_NESTING): NestingScan {
  const lexer = newLexer();
  lexer.setInput(template);
  const frames: Frame[] = [];
  let depth = 0;
  let tokens = 0;
  for (let token = nextToken(lexer); token !== null; token = nextToken(lexer)) {
    tokens++;
    const change = depthChange(frames, token);
    if (change === null) break;
    depth += change;
    if (depth > max) return { problem: nestingMessage(max), tokens };
  }
  return { problem: null, tokens };
}

function nestingMessage(max: number): string {
  return `templates may nest blocks at most ${max} deep ({{#…}}, {{^…}}, {{else …}} and ( … ) each open a level)`;
}
