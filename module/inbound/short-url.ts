/**
 * PURE: where the short URL lives. The host mounts the inbound router at manifest
 * `routes.inbound` (default `/wf`); the `shortUrlPath` setting (default `/`) is the path below
 * it, optionally followed by one `/<token>` segment.
 */
import { trimTrailingSlashes } from '../text.js';

/** The absolute short URL callers use (host base URL + mount + short path). */
export function shortUrlOf(baseUrl: string, mount: string, shortUrlPath: string): string {
  const path = `${trimTrailingSlashes(mount)}${shortUrlPath === '/' ? '' : shortUrlPath}`;
  return `${trimTrailingSlashes(baseUrl)}${path || '/'}`;
}

/** The token path segment, or null when the path is not the short URL at all. */
export function matchShortPath(path: string, shortUrlPath: string): { token?: string } | null {
  const base = shortUrlPath === '/' ? '' : trimTrailingSlashes(shortUrlPath);
  const clean = trimTrailingSlashes(path);
  if (clean === base) return {};
  if (!clean.startsWith(`${base}/`)) return null;
  const rest = clean.slice(base.length + 1);
  return rest.includes('/') ? null : { token: decodeURIComponent(rest) };
}
