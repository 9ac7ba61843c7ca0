/**
 * One-line values for the plain-text alert mail. Pure.
 *
 * The text part is not escaped (it is plain text), so a value with a line break in it — a
 * record title `Deal\nLog entry: https://evil.example/x` — would add a line of its own that
 * looks like Hookflow wrote it. Every value the text template interpolates therefore has each
 * run of line-breaking characters collapsed to ONE space: CR, LF and every other C0 control
 * (\t, \v, \f …), DEL and the C1 controls (NEL \u0085 included), and the Unicode line and
 * paragraph separators \u2028 / \u2029 — all of which some mail reader treats as a new line.
 *
 * Invariant: `oneLineView` returns a copy in which no string, however deeply nested, contains
 * one of those characters; the text template only ever sees that copy, so a field added to
 * the view later is covered without anyone remembering to.
 */

const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** `value` with each run of control / line-separator characters replaced by one space. */
export function oneLine(value: string): string {
  return value.replace(LINE_BREAKING, ' ');
}

/** A deep copy of a plain view (objects, arrays, scalars) with every string made `oneLine`. */
export function oneLineView<T>(view: T): T {
  if (typeof view === 'string') return oneLine(view) as T;
  if (Array.isArray(view)) return view.map((v) => oneLineView(v)) as T;
  if (view !== null && typeof view === 'object') {
    // fromEntries defines own properties: a key named "__proto__" stays a plain key.
    return Object.fromEntries(Object.entries(view).map(([k, v]) => [k, oneLineView(v)])) as T;
  }
  return view;
}
