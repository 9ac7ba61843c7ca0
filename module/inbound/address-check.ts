/**
 * PURE: would a client address pass the source lists of these HTTP handler permissions? The
 * "check an address" helper of the permissions API and the admin page.
 */
import { matchSource, normaliseClientAddress } from './allowlist.js';
import type { Permission } from './permissions.js';

export interface AddressCheck {
  allowed: boolean;
  permissionId: number | null;
  entry: string | null;
  reason: string;
}

/** PURE: would this client address pass the source list of any of these permissions? */
export function checkAddress(ip: string, permissions: readonly Permission[]): AddressCheck {
  if (permissions.length === 0)
    return { allowed: false, permissionId: null, entry: null, reason: 'no enabled permission for this target' };
  let reason = 'no allowed sources';
  for (const p of permissions) {
    const m = matchSource(ip, p.sources);
    if (m.allowed)
      return {
        allowed: true,
        permissionId: p.id,
        entry: m.entry.text,
        reason: `matches ${m.entry.text}${p.requireIpAndToken ? ' (a token is also required)' : ''}`,
      };
    reason = m.reason;
  }
  return { allowed: false, permissionId: null, entry: null, reason };
}

/**
 * PURE: the "check an address" helper of the API and the admin page — normalises typed text
 * (null when it is no address) and checks it against the enabled permissions `filter` keeps.
 */
export function checkClientAddress(
  ipText: string,
  permissions: readonly Permission[],
  filter: (p: Permission) => boolean = () => true,
): ({ ip: string } & AddressCheck) | null {
  const ip = normaliseClientAddress(ipText.trim());
  if (ip === null) return null;
  return {
    ip,
    ...checkAddress(
      ip,
      permissions.filter((p) => p.enabled && filter(p)),
    ),
  };
}
