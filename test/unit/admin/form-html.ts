/**
 * Reads our own rendered admin HTML the way a browser without JavaScript would: which form
 * controls are live (not inside a `hidden` or `disabled` element, not disabled themselves), which
 * `data-show-when` parts show, and the text of field errors. A small tag-stack walk over the
 * markup our templates write — not a general HTML parser.
 */
const VOID = new Set(['input', 'br', 'meta', 'link', 'img', 'hr']);

export interface Control {
  tag: string;
  name: string;
  id: string;
  type: string;
  live: boolean;
}
export interface Part {
  rule: string;
  shown: boolean;
}

const attr = (attrs: string, name: string) => new RegExp(`\\s${name}(?:="([^"]*)")?(?=[\\s>/]|$)`).exec(attrs);

function walk(html: string, visit: (tag: string, attrs: string, offAbove: boolean) => void): void {
  const stack: Array<{ tag: string; off: boolean }> = [];
  for (const m of html.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^>]*)>/g)) {
    const [, closing, rawTag, attrs] = m;
    const tag = rawTag.toLowerCase();
    if (closing) {
      const at = stack.map((s) => s.tag).lastIndexOf(tag);
      if (at >= 0) stack.length = at;
      continue;
    }
    const offAbove = stack.some((s) => s.off);
    visit(tag, attrs, offAbove);
    // A hidden element hides what is inside; a disabled fieldset disables what is inside.
    const off = attr(attrs, 'hidden') !== null || (tag === 'fieldset' && attr(attrs, 'disabled') !== null);
    if (!VOID.has(tag) && !attrs.endsWith('/')) stack.push({ tag, off });
  }
}

/** Every input, select and textarea, live or not. */
export function controls(html: string): Control[] {
  const out: Control[] = [];
  walk(html, (tag, attrs, offAbove) => {
    if (tag !== 'input' && tag !== 'select' && tag !== 'textarea') return;
    const off = offAbove || attr(attrs, 'disabled') !== null || attr(attrs, 'hidden') !== null;
    out.push({
      tag,
      name: attr(attrs, 'name')?.[1] ?? '',
      id: attr(attrs, 'id')?.[1] ?? '',
      type: attr(attrs, 'type')?.[1] ?? '',
      live: !off,
    });
  });
  return out;
}

/** Names of the live controls (what the browser shows and posts), deduplicated. */
export function liveNames(html: string): Set<string> {
  return new Set(
    controls(html)
      .filter((c) => c.live && c.name !== '')
      .map((c) => c.name),
  );
}

/** Every `data-show-when` part and whether it shows. */
export function parts(html: string): Part[] {
  const out: Part[] = [];
  walk(html, (_tag, attrs, offAbove) => {
    const rule = attr(attrs, 'data-show-when')?.[1];
    if (rule) out.push({ rule, shown: !offAbove && attr(attrs, 'hidden') === null });
  });
  return out;
}

/** The text of each field error, tags removed ("Title is required"). */
export function fieldErrors(html: string): string[] {
  return [...html.matchAll(/<p class="field-error"[^>]*>([\s\S]*?)<\/p>/g)].map((m) =>
    m[1]
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}
