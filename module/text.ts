/**
 * PURE: small string helpers that must stay linear on hostile input. `/\/+$/` looks harmless but
 * backtracks quadratically on a long run of slashes that is not at the end (`/wf///…///x`): every
 * start position in the run is tried and each scans the rest of the run.
 */

/** `s` without its trailing `/` characters, by index. */
export function trimTrailingSlashes(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x2f) end--;
  return s.slice(0, end);
}
