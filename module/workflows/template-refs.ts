/**
 * The `$`-reference syntax of the seed documents: `$env["lastname"]`, `$env['lastname']`,
 * `$env.lastname`, `$record.contact.name`, `$previous.stage`, `$event.type`, `$user.email`,
 * `$record.items[0]`. This module only tokenizes TEMPLATE text; values are looked up by the
 * caller and are never fed back through here (data is never scanned for references).
 */
import { FORBIDDEN_SEGMENTS } from './paths.js';

/** The context roots a reference may start from. */
export const REF_ROOTS: readonly string[] = ['env', 'record', 'previous', 'event', 'user'];

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
