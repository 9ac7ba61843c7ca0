/** JSON columns: stored text back to values, never throwing on a bad or empty column. */

/** `text` parsed, or `fallback` when it is not a non-empty string holding valid JSON. */
export function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
