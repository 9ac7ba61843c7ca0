/**
 * PURE access decision of the inbound handler: may this client (address + presented token)
 * use any of the target's enabled permissions? Default deny, and refuse when unsure:
 *  - no permission for the target → deny;
 *  - a permission with `requireIpAndToken` needs a matching source AND its token;
 *  - otherwise a matching source OR its token is enough (a token lets a caller in from any
 *    address, WorkflowGen/Stackflows style);
 *  - a token that was presented but is wrong denies that permission even from an allowed
 *    address (a wrong secret is a misconfiguration or an attack, never "good enough").
 */
import { matchSource } from './allowlist.js';
import { verifyToken } from './tokens.js';
import type { Permission } from './permissions.js';

export type AccessDecision =
  | { allowed: true; permission: Permission; via: 'source' | 'token' | 'source+token'; entry: string | null }
  | { allowed: false; reason: string };

function decideOne(p: Permission, clientIp: string, token: string | undefined): AccessDecision {
  const source = matchSource(clientIp, p.sources);
  const tokenOk = p.hasToken && verifyToken(token, p.tokenHash);
  const entry = source.allowed ? source.entry.text : null;
  if (token !== undefined && p.hasToken && !tokenOk) return { allowed: false, reason: 'wrong token' };
  if (p.requireIpAndToken) {
    if (!source.allowed) return { allowed: false, reason: source.reason };
    if (!tokenOk) return { allowed: false, reason: token === undefined ? 'token required' : 'wrong token' };
    return { allowed: true, permission: p, via: 'source+token', entry };
  }
  if (source.allowed) return { allowed: true, permission: p, via: tokenOk ? 'source+token' : 'source', entry };
  if (tokenOk) return { allowed: true, permission: p, via: 'token', entry: null };
  return {
    allowed: false,
    reason: token === undefined && p.hasToken && p.sources.length === 0 ? 'token required' : source.reason,
  };
}

/** The first permission (by id) that lets the client in, or the reason of the last refusal. */
export function decideAccess(
  permissions: readonly Permission[],
  clientIp: string,
  token: string | undefined,
): AccessDecision {
  const enabled = permissions.filter((p) => p.enabled).sort((a, b) => a.id - b.id);
  if (enabled.length === 0) return { allowed: false, reason: 'no permission for this workflow or trigger' };
  let last: AccessDecision = { allowed: false, reason: 'not allowed' };
  for (const p of enabled) {
    last = decideOne(p, clientIp, token);
    if (last.allowed) return last;
  }
  return last;
}
