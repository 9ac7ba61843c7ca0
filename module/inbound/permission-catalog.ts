/**
 * The enabled HTTP handler permissions as the short URL reads them: held in memory, parsed once
 * per configuration version (storage/versioned-snapshot.ts states the bound after which another
 * process's change — a permission deleted, disabled or its token rotated — is honoured here).
 * The same answers as the store's forTarget / forToken, without a query per request.
 */
import type { Knex } from 'knex';
import { createVersionedSnapshot, freezeDeep, type ConfigWatch } from '../storage/versioned-snapshot.js';
import { hashToken, MAX_PRESENTED_TOKEN_LENGTH } from './tokens.js';
import type { Permission } from './permissions.js';

/** What the handler asks about permissions (the catalog, or the store itself). */
export interface PermissionLookup {
  forTarget(target: { workflowId?: number; triggerName?: string }): Promise<Permission[]>;
  forToken(token: string): Promise<Permission | null>;
}

interface PermissionIndex {
  byWorkflow: Map<number, Permission[]>;
  byTrigger: Map<string, Permission[]>;
  /** Token hash → the enabled permission with the lowest id holding it. */
  byTokenHash: Map<string, Permission>;
}

function pushTo<K>(map: Map<K, Permission[]>, key: K, p: Permission): void {
  const list = map.get(key);
  if (list) list.push(p);
  else map.set(key, [p]);
}

/** PURE: indexes enabled permissions (given in id order) by target and by token hash. */
export function indexPermissions(enabled: readonly Permission[]): PermissionIndex {
  const index: PermissionIndex = { byWorkflow: new Map(), byTrigger: new Map(), byTokenHash: new Map() };
  for (const p of enabled) {
    if (!p.enabled) continue;
    freezeDeep(p);
    if (p.workflowId !== null) pushTo(index.byWorkflow, p.workflowId, p);
    if (p.triggerName !== null) pushTo(index.byTrigger, p.triggerName, p);
    if (p.tokenHash !== null && !index.byTokenHash.has(p.tokenHash)) index.byTokenHash.set(p.tokenHash, p);
  }
  return index;
}

export function createPermissionCatalog(deps: {
  watch: ConfigWatch;
  listEnabled(q: Knex | Knex.Transaction): Promise<Permission[]>;
}): PermissionLookup {
  const snapshot = createVersionedSnapshot(deps.watch, async (q) => indexPermissions(await deps.listEnabled(q)));
  return {
    async forTarget(target) {
      const index = await snapshot.get();
      const list =
        target.workflowId !== undefined
          ? index.byWorkflow.get(target.workflowId)
          : index.byTrigger.get(target.triggerName ?? '');
      return list ? [...list] : [];
    },
    async forToken(token) {
      if (token.length > MAX_PRESENTED_TOKEN_LENGTH) return null;
      const index = await snapshot.get();
      return index.byTokenHash.get(hashToken(token)) ?? null;
    },
  };
}
