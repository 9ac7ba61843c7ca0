/**
 * Idempotent inbound requests: a request carrying `Idempotency-Key`, `webhook-id` or a
 * `clientMutationId` field runs once per permission within 24 h; repeats get the first answer
 * replayed. Invariants: the key is claimed (a row inserted; the primary key arbitrates races
 * between processes) BEFORE the run starts; the same key with a different body is a 422; a
 * key whose first request is still running is a 409; a claim whose request died without an
 * answer (crash, unexpected error) and stored no run is released or, after CLAIM_STALE_MS (30 s,
 * database clock) without a heartbeat, taken over; one that stored its run is answered from that
 * run (a worker finishes it), never run again. The claim's `created_at` is its fence: a live
 * request refreshes it (claim-heartbeat.ts) and writes its run note and answer only where it still
 * holds the value it last wrote, so a request whose claim was taken over writes nothing.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { dbNowMs, nowMsSql } from '../storage/engine.js';
import { HookflowError } from '../errors.js';
import { canonicalJson } from './env-fields.js';

/** How long a key is remembered. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** A claim with no answer and no run, not refreshed for this long (database clock), is taken over. */
export const CLAIM_STALE_MS = 30_000;
const KEY = /^[\x21-\x7e]{1,200}$/;

/** A claim this request holds: its writes are fenced on `createdAt` (refresh moves it). */
export interface HeldClaim {
  permissionId: number;
  key: string;
  createdAt: number;
}

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type ClaimResult =
  | { state: 'new'; held: HeldClaim }
  | { state: 'replay'; response: StoredResponse }
  /** The first request stored its run but has no answer (still running, or its process died): the run decides. */
  | { state: 'stored_run'; runId: number; held: HeldClaim };

/**
 * WorkflowGen's `clientMutationId`: a top-level field, or inside `args.input` (its payloads are
 * `{ operation, args: { input: { clientMutationId, … } } }`). Undefined when absent; anything that
 * is not a string (an array, an object) is returned as is so the key check can refuse it.
 */
export function clientMutationIdOf(env: Record<string, unknown>): unknown {
  if (Object.hasOwn(env, 'clientMutationId')) return env.clientMutationId;
  const args = env.args as { input?: unknown } | undefined;
  const input = args !== null && typeof args === 'object' && Object.hasOwn(args, 'input') ? args.input : undefined;
  return input !== null && typeof input === 'object' && Object.hasOwn(input, 'clientMutationId')
    ? (input as Record<string, unknown>).clientMutationId
    : undefined;
}

/** The caller's key, first of: Idempotency-Key header, webhook-id header, clientMutationId field. */
export function idempotencyKeyOf(
  headers: Record<string, string | string[] | undefined>,
  env: Record<string, unknown>,
): string | null {
  const pick = (v: unknown) => (typeof v === 'string' && v !== '' ? v : Array.isArray(v) ? '' : null);
  const key = pick(headers['idempotency-key']) ?? pick(headers['webhook-id']) ?? pick(clientMutationIdOf(env));
  if (key === null) return null;
  if (!KEY.test(key))
    throw new HookflowError('bad_request', 'The idempotency key must be 1-200 visible ASCII characters');
  return key;
}

export function requestHash(parts: unknown): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

function isDuplicate(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return e?.code === 'ER_DUP_ENTRY' || e?.errno === 1062 || /SQLITE_CONSTRAINT/.test(String(e?.code ?? ''));
}

/**
 * Times are the DATABASE clock (insert and age alike), like every queue: two web hosts with skewed
 * clocks must agree whether a key is still inside its 24 h window, or a repeat would run twice.
 */
export function createIdempotencyStore(deps: { db: Knex; staleMs?: number }) {
  const { db } = deps;
  const staleMs = deps.staleMs ?? CLAIM_STALE_MS;
  const table = () => db('hookflow_idempotency');
  const fenced = (held: HeldClaim, q: Knex | Knex.Transaction = db) =>
    q('hookflow_idempotency').where({
      permission_id: held.permissionId,
      idem_key: held.key,
      created_at: held.createdAt,
    });

  async function tryInsert(permissionId: number, key: string, hash: string): Promise<HeldClaim | null> {
    const createdAt = await dbNowMs(db);
    try {
      await table().insert({ permission_id: permissionId, idem_key: key, body_hash: hash, created_at: createdAt });
      return { permissionId, key, createdAt };
    } catch (err) {
      if (isDuplicate(err)) return null;
      throw err;
    }
  }

  return {
    async claim(permissionId: number, key: string, hash: string): Promise<ClaimResult> {
      for (let i = 0; i < 3; i++) {
        const held = await tryInsert(permissionId, key, hash);
        if (held) return { state: 'new', held };
        const row = await table()
          .where({ permission_id: permissionId, idem_key: key })
          .first('*', db.raw(`${nowMsSql(db)} AS db_now_ms`));
        if (!row) continue; // released meanwhile: try again
        const age = Number(row.db_now_ms) - Number(row.created_at);
        const expired = age > IDEMPOTENCY_WINDOW_MS;
        // A claim whose run was stored is never taken over: a worker finishes that run, and a second
        // run would repeat its effects. The caller answers from the run instead.
        if (!expired && row.response_status == null && row.run_id != null) {
          if (row.body_hash !== hash)
            throw new HookflowError(
              'validation_failed',
              'This idempotency key was already used with a different request body',
            );
          const held = { permissionId, key, createdAt: Number(row.created_at) };
          return { state: 'stored_run', runId: Number(row.run_id), held };
        }
        const abandoned = row.response_status == null && age > staleMs;
        if (expired || abandoned) {
          // Conditional delete: only one of several racing takers wins the row.
          await table().where({ permission_id: permissionId, idem_key: key, created_at: row.created_at }).delete();
          continue;
        }
        if (row.body_hash !== hash)
          throw new HookflowError(
            'validation_failed',
            'This idempotency key was already used with a different request body',
          );
        if (row.response_status == null)
          throw new HookflowError(
            'conflict',
            'A request with this idempotency key is still being processed; retry later',
          );
        return {
          state: 'replay',
          response: {
            status: Number(row.response_status),
            headers: JSON.parse(row.response_headers ?? '{}'),
            body: row.response_body ?? '',
          },
        };
      }
      throw new HookflowError('conflict', 'A request with this idempotency key is being processed; retry later');
    },

    /**
     * Stores the answer; false (nothing written) when the claim was taken over. A claim noting
     * `runId` is still this request's whatever its age (a claim with a run is never taken over).
     */
    async complete(
      held: HeldClaim,
      response: StoredResponse,
      runId: number | null,
      trx?: Knex.Transaction,
    ): Promise<boolean> {
      const mine = (q: Knex.QueryBuilder) =>
        runId === null
          ? q.where('created_at', held.createdAt)
          : q.where('created_at', held.createdAt).orWhere('run_id', runId);
      const n = await (trx ?? db)('hookflow_idempotency')
        .where({ permission_id: held.permissionId, idem_key: held.key })
        .where(mine)
        .update({
          response_status: response.status,
          response_headers: JSON.stringify(response.headers),
          response_body: response.body,
          run_id: runId,
        });
      return Number(n) > 0;
    },

    /** Forgets a claim whose request ended without a deliberate answer and stored no run, so a retry can run. */
    async release(held: HeldClaim): Promise<void> {
      await fenced(held).whereNull('response_status').whereNull('run_id').delete();
    },

    /** Notes the run a claim started, through `trx` (the transaction storing the run); false when taken over. */
    async attachRun(held: HeldClaim, runId: number, trx?: Knex.Transaction): Promise<boolean> {
      return Number(await fenced(held, trx).whereNull('run_id').update({ run_id: runId })) > 0;
    },

    /** The heartbeat: moves the claim's fence to the database's now; false when it was taken over. */
    async refresh(held: HeldClaim): Promise<boolean> {
      const now = await dbNowMs(db);
      const n = await fenced(held).whereNull('response_status').whereNull('run_id').update({ created_at: now });
      if (Number(n) === 0) return false;
      held.createdAt = now;
      return true;
    },
  };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;

/** Keys older than `cutoff` (epoch ms, database clock), in bounded batches; returns how many went. */
export async function pruneIdempotencyKeys(
  db: Knex,
  cutoff: number,
  opts: { batchSize?: number; maxBatches?: number } = {},
): Promise<number> {
  const size = opts.batchSize ?? 500;
  let total = 0;
  // A composite primary key: batches delete by (permission_id, idem_key).
  for (let i = 0; i < (opts.maxBatches ?? 200); i++) {
    const keys = await db('hookflow_idempotency')
      .select('permission_id', 'idem_key')
      .where('created_at', '<', cutoff)
      .orderBy('created_at')
      .limit(size);
    if (keys.length === 0) break;
    total += await db('hookflow_idempotency')
      .whereIn(
        ['permission_id', 'idem_key'],
        keys.map((k) => [k.permission_id, k.idem_key]),
      )
      .del();
    if (keys.length < size) break;
  }
  return total;
}
