/**
 * The link to a record in the CRM that failure mails carry: what the host's optional
 * `HostContext.recordUrl(module, recordId)` answers, checked. It is the one link a non-admin
 * record owner gets (the admin pages would answer 403), so it must be something a browser can
 * open: an absolute http(s) URL, or a path resolved against the host's `baseUrl`. Anything
 * else — null, a non-string, `javascript:`, an unparseable value, a thrown error — means no
 * link, never a broken or dangerous one.
 */
import type { HostContext, HostLogger } from '../host.js';

/** Longest link a mail carries; a longer one is dropped rather than cut. */
export const MAX_RECORD_LINK_LENGTH = 2000;

/** Pure: `value` as an absolute http(s) URL (a relative one resolved against `baseUrl`), or null. */
export function checkedRecordLink(value: unknown, baseUrl: string): string | null {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_RECORD_LINK_LENGTH) return null;
  try {
    const url = new URL(value.trim(), baseUrl);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** The record's page from the host, or null (no recordUrl, no record, or an unusable answer). */
export function recordLinkOf(
  host: HostContext,
  logger: HostLogger,
  module: string | null,
  recordId: number | null,
): string | null {
  if (!module || !recordId || typeof host.recordUrl !== 'function') return null;
  try {
    return checkedRecordLink(host.recordUrl(module, recordId), host.baseUrl);
  } catch (err) {
    logger.warn(
      { module, recordId, err: String((err as Error)?.message ?? err) },
      'alert: host.recordUrl failed; the mail has no record link',
    );
    return null;
  }
}
