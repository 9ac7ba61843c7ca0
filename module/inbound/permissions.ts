/**
 * HTTP handler permissions (default deny): who may start which workflow or trigger over the
 * short URL. Sources are parsed strictly at save and stored in their normalised text form;
 * a token is generated here, stored only as its SHA-256 and shown to the admin exactly once.
 */
import { z } from 'zod';
import type { Knex } from 'knex';
import { HookflowError, type FieldErrors } from '../errors.js';
import { parseInput } from '../validation-messages.js';
import { insertReturningId } from '../storage/engine.js';
import { bumpConfigVersion } from '../storage/config-version.js';
import { parseSourceList, type SourceEntry } from './allowlist.js';
import { generateToken, hashToken, MAX_PRESENTED_TOKEN_LENGTH, tokenHint } from './tokens.js';
import { createCaptureSwitch } from './permission-capture-switch.js';
import { ExternalSystemName } from '../external-system.js';

const TRIGGER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export const PermissionInput = z.object({
  title: z.string().trim().min(1, 'is required').max(200),
  /** Exactly one of workflowId / triggerName. */
  workflowId: z.number().int().positive().nullable().optional(),
  triggerName: z.string().regex(TRIGGER_NAME, 'must be 1-64 letters, digits, _ or -').nullable().optional(),
  /** One entry per line (or an array): address, `a.b.c.*`, `a-b` range, CIDR, `0.0.0.0/0`, `::/0`. */
  sources: z.union([z.string().max(20_000), z.array(z.string().max(200)).max(500)]),
  /** `generate` makes a new token (shown once), `remove` drops it; omitted keeps the current one. Default keep. */
  token: z.enum(['generate', 'remove', 'keep']).default('keep'),
  /** Both a matching source AND the token are needed. Default false (either the source list or a valid token). */
  requireIpAndToken: z.boolean().default(false),
  /** The user runs and created records are attributed to. Default null: the workflow's owner. */
  runAsUserId: z.number().int().positive().nullable().default(null),
  /** Default true. */
  enabled: z.boolean().default(true),
  /** Requests per minute for this permission. Default null: only the global per-IP limit. */
  rateLimitPerMinute: z.number().int().min(1).max(100_000).nullable().default(null),
  /** Query parameters other than the control ones become `$env` too. Default false. */
  queryAsEnv: z.boolean().default(false),
  /** Form field that must stay empty (bots fill it). Default null: no honeypot. */
  honeypotField: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
    .nullable()
    .default(null),
  /**
   * The external system this permission admits (`accounting`): runs started through it, and the
   * record changes they make, carry the name, so webhooks to that system skip them. Default null.
   */
  externalSystem: ExternalSystemName.nullable().default(null),
});
export type PermissionInput = z.input<typeof PermissionInput>;

export interface Permission {
  id: number;
  title: string;
  workflowId: number | null;
  triggerName: string | null;
  sources: SourceEntry[];
  hasToken: boolean;
  /** Last characters of the token so an admin can tell tokens apart; never the token. */
  tokenHint: string | null;
  tokenHash: string | null;
  requireIpAndToken: boolean;
  runAsUserId: number | null;
  enabled: boolean;
  rateLimitPerMinute: number | null;
  queryAsEnv: boolean;
  honeypotField: string | null;
  /** The external system the permission admits, as typed (compared case-insensitively); null = none. */
  externalSystem: string | null;
  /** Capture mode (capture-mode.ts): epoch ms until which the next request is recorded, not run. */
  captureUntil: number | null;
  createdAt: number;
  updatedAt: number;
}

/** What a save returns: the permission and, only when one was generated, the token (once). */
export interface SavedPermission {
  permission: Permission;
  token?: string;
}

export type PublicPermission = Omit<Permission, 'tokenHash' | 'sources'> & { sources: string[] };

export function toPublicPermission(p: Permission): PublicPermission {
  const { tokenHash: _hidden, sources, ...rest } = p;
  return { ...rest, sources: sources.map((s) => s.text) };
}

function permissionFromRow(r: Record<string, any>): Permission {
  const lines = (() => {
    try {
      return JSON.parse(r.sources) as string[];
    } catch {
      return [];
    }
  })();
  // Stored text is re-parsed; a hand-edited bad line grants nothing (parseSourceList drops it).
  const parsed = parseSourceList(Array.isArray(lines) ? lines : []);
  return {
    id: Number(r.id),
    title: r.title,
    workflowId: r.workflow_id == null ? null : Number(r.workflow_id),
    triggerName: r.trigger_name ?? null,
    sources: parsed.entries,
    hasToken: !!r.token_hash,
    tokenHint: r.token_hint ?? null,
    tokenHash: r.token_hash ?? null,
    requireIpAndToken: !!r.require_ip_and_token,
    runAsUserId: r.run_as_user_id == null ? null : Number(r.run_as_user_id),
    enabled: !!r.enabled,
    rateLimitPerMinute: r.rate_limit_per_minute == null ? null : Number(r.rate_limit_per_minute),
    queryAsEnv: !!r.query_as_env,
    honeypotField: r.honeypot_field ?? null,
    externalSystem: r.external_system ?? null,
    captureUntil: r.capture_until == null ? null : Number(r.capture_until),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** Validates input; 422 naming each bad field (each bad source line by its line number). */
export function validatePermission(raw: unknown): { input: z.infer<typeof PermissionInput>; sources: SourceEntry[] } {
  const input = parseInput(PermissionInput, raw, 'Invalid permission');
  const fields: FieldErrors = {};
  const hasWorkflow = input.workflowId != null;
  const hasTrigger = input.triggerName != null && input.triggerName !== '';
  if (hasWorkflow === hasTrigger) fields.workflowId = 'choose exactly one: a workflow or a trigger name';
  const list = parseSourceList(input.sources);
  for (const e of list.errors) fields[`sources.${e.line}`] = `${JSON.stringify(e.text)}: ${e.error}`;
  if (list.entries.length === 0 && input.token === 'remove')
    fields.sources = 'add at least one address or keep a token; otherwise nobody can call';
  if (input.requireIpAndToken && input.token === 'remove') fields.requireIpAndToken = 'needs a token';
  if (Object.keys(fields).length > 0) throw new HookflowError('validation_failed', 'Invalid permission', fields);
  return { input, sources: list.entries };
}

/** "Require IP and token" needs a token: the one kept, or one generated now. */
function requireTokenWhenNeeded(input: z.infer<typeof PermissionInput>, hasToken: boolean): void {
  const willHaveToken = input.token === 'generate' || (input.token === 'keep' && hasToken);
  if (input.requireIpAndToken && !willHaveToken)
    throw new HookflowError('validation_failed', 'Invalid permission', {
      requireIpAndToken: 'needs a token: choose "generate"',
    });
}

export type PermissionStore = ReturnType<typeof createPermissionStore>;

export interface PermissionStoreDeps {
  db: Knex;
  now(): number;
  /** Called after every committed change (this process's caches forget what they hold). */
  changed?(): void;
}

export function createPermissionStore(deps: PermissionStoreDeps) {
  const { db } = deps;

  /** Every change commits with a new configuration version, so other processes' caches notice it. */
  async function change<R>(write: (trx: Knex.Transaction) => Promise<R>): Promise<R> {
    const result = await db.transaction(async (trx) => {
      const r = await write(trx);
      await bumpConfigVersion(trx, deps.now());
      return r;
    });
    deps.changed?.();
    return result;
  }

  async function get(id: number): Promise<Permission | null> {
    const row = await db('hookflow_http_permissions').where({ id }).first();
    return row ? permissionFromRow(row) : null;
  }

  function rowOf(input: z.infer<typeof PermissionInput>, sources: SourceEntry[]) {
    return {
      title: input.title,
      workflow_id: input.workflowId ?? null,
      trigger_name: input.triggerName || null,
      sources: JSON.stringify(sources.map((s) => s.text)),
      require_ip_and_token: input.requireIpAndToken,
      run_as_user_id: input.runAsUserId,
      enabled: input.enabled,
      rate_limit_per_minute: input.rateLimitPerMinute,
      query_as_env: input.queryAsEnv,
      honeypot_field: input.honeypotField,
      external_system: input.externalSystem,
      updated_at: deps.now(),
    };
  }

  function tokenColumns(mode: 'generate' | 'remove' | 'keep'): { cols: Record<string, unknown>; token?: string } {
    if (mode === 'remove') return { cols: { token_hash: null, token_hint: null } };
    if (mode !== 'generate') return { cols: {} };
    const token = generateToken();
    return { cols: { token_hash: hashToken(token), token_hint: tokenHint(token) }, token };
  }

  return {
    ...createCaptureSwitch(deps),
    get,
    async require(id: number): Promise<Permission> {
      const p = await get(id);
      if (!p) throw new HookflowError('not_found', `permission ${id} not found`);
      return p;
    },
    async list(): Promise<Permission[]> {
      return (await db('hookflow_http_permissions').orderBy('id')).map(permissionFromRow);
    },
    async create(raw: unknown): Promise<SavedPermission> {
      const { input, sources } = validatePermission(raw);
      requireTokenWhenNeeded(input, false);
      const { cols, token } = tokenColumns(input.token);
      const id = await change((trx) =>
        insertReturningId(trx, 'hookflow_http_permissions', {
          ...rowOf(input, sources),
          ...cols,
          created_at: deps.now(),
        }),
      );
      return { permission: (await get(id)) as Permission, token };
    },
    async update(id: number, raw: unknown): Promise<SavedPermission> {
      const current = await this.require(id);
      const { input, sources } = validatePermission(raw);
      requireTokenWhenNeeded(input, current.hasToken);
      const { cols, token } = tokenColumns(input.token);
      await change((trx) =>
        trx('hookflow_http_permissions')
          .where({ id })
          .update({ ...rowOf(input, sources), ...cols }),
      );
      return { permission: (await get(id)) as Permission, token };
    },
    async remove(id: number): Promise<void> {
      const n = await change((trx) => trx('hookflow_http_permissions').where({ id }).delete());
      if (n === 0) throw new HookflowError('not_found', `permission ${id} not found`);
    },
    /**
     * The enabled permission a token belongs to (token-only URLs: the token selects the target).
     * Looked up by the token's SHA-256; null when no enabled permission has it.
     */
    async forToken(token: string): Promise<Permission | null> {
      if (token.length > MAX_PRESENTED_TOKEN_LENGTH) return null;
      const row = await db('hookflow_http_permissions')
        .where({ enabled: true, token_hash: hashToken(token) })
        .orderBy('id')
        .first();
      return row ? permissionFromRow(row) : null;
    },
    /** Every enabled permission, parsed once (what the handler's cache holds; inbound/permission-catalog.ts). */
    async listEnabled(q: Knex | Knex.Transaction = db): Promise<Permission[]> {
      return (await q('hookflow_http_permissions').where({ enabled: true }).orderBy('id')).map(permissionFromRow);
    },
    /** Enabled permissions for a target, read from the database (one indexed query). */
    async forTarget(target: { workflowId?: number; triggerName?: string }): Promise<Permission[]> {
      const q = db('hookflow_http_permissions').where({ enabled: true });
      const rows =
        target.workflowId !== undefined
          ? await q.andWhere({ workflow_id: target.workflowId })
          : await q.andWhere({ trigger_name: target.triggerName ?? '' });
      return rows.map(permissionFromRow);
    },
  };
}
