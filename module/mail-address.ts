/**
 * Mail address and header checks (pure). Refuse when unsure: one plain address per field,
 * no display-name tricks, no line breaks that could inject headers.
 */

// Deliberately stricter than RFC 5322: no quoted local parts, no comments, no IP literals.
const ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Why `value` is not one usable address, or null. */
export function emailAddressProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (/[\r\n\0]/.test(value)) return 'must not contain line breaks';
  // Mail readers decode RFC 2047 words even in local parts ("splitting the email atom"): what
  // a reader shows would differ from where the server delivers.
  if (value.includes('=?')) return 'must not contain an encoded word (=?…?=)';
  const v = value.trim();
  if (v.length === 0) return 'must not be empty';
  if (v.length > 254) return 'must be at most 254 characters';
  if (!ADDRESS.test(v)) return 'is not a single valid email address';
  if (v.includes('..') || v.startsWith('.') || v.split('@')[0].endsWith('.'))
    return 'is not a single valid email address';
  return null;
}

/** A header value made safe: line breaks and control characters become spaces, length capped. */
export function sanitizeHeaderText(value: string, max = 250): string {
  // C0/C1 controls (NEL included) and the Unicode line/paragraph separators are line breaks to
  // some readers; `=?` is broken up so a reader never decodes an encoded word (e.g. one hiding CR LF).
  return value
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/=\?/g, '= ?')
    .trim()
    .slice(0, max);
}
