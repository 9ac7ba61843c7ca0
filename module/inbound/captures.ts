/**
 * Captured sample requests (`hookflow_http_captures`, owner of its SQL): what a permission in
 * capture mode recorded instead of running (capture-mode.ts decides; this file stores). A capture
 * holds the fields, content type, source address and the headers WITHOUT secrets (capture-sample.ts
 * strips them before anything is written) and is pruned by retention once `expires_at` passes.
 */
import type { Knex } from 'knex';
import { pruneInBatches, type PruneOptions } from '../storage/prune.js';
import { insertReturningId } from '../storage/engine.js';

export interface CaptureSample {
  source: string;
  contentType: string | null;
  fields: Record<string, unknown>;
  headers: Record<string, string>;
}

export interface CapturedRequest extends CaptureSample {
  id: number;
  permissionId: number;
  capturedAt: number;
  expiresAt: number;
}

const TABLE = 'hookflow_http_captures';

function parseObject(text: unknown): Record<string, any> {
  try {
    const v = JSON.parse(String(text));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

function captureFromRow(r: Record<string, any>): CapturedRequest {
  return {
    id: Number(r.id),
    permissionId: Number(r.permission_id),
    capturedAt: Number(r.captured_at),
    expiresAt: Number(r.expires_at),
    source: String(r.source),
    contentType: r.content_type ?? null,
    fields: parseObject(r.fields),
    headers: parseObject(r.headers),
  };
}

export type CaptureStore = ReturnType<typeof createCaptureStore>;

export function createCaptureStore(deps: { db: Knex; now(): number }) {
  return {
    /** Stores one capture through `trx` (the transaction that ended capture mode). */
    async insert(trx: Knex.Transaction, permissionId: number, sample: CaptureSample, keepMs: number) {
      const now = deps.now();
      return insertReturningId(trx, TABLE, {
        permission_id: permissionId,
        captured_at: now,
        expires_at: now + keepMs,
        source: sample.source.slice(0, 64),
        content_type: sample.contentType?.slice(0, 200) ?? null,
        fields: JSON.stringify(sample.fields),
        headers: JSON.stringify(sample.headers),
      });
    },
    /** Deletes every capture of a permission (it was deleted: its samples go with it). */
    async removeFor(permissionId: number): Promise<number> {
      return deps.db(TABLE).where({ permission_id: permissionId }).delete();
    },
    /** The newest capture of a permission that has not expired, or null. */
    async latest(permissionId: number): Promise<CapturedRequest | null> {
      const row = await deps
        .db(TABLE)
        .where({ permission_id: permissionId })
        .andWhere('expires_at', '>', deps.now())
        .orderBy('captured_at', 'desc')
        .orderBy('id', 'desc')
        .first();
      return row ? captureFromRow(row) : null;
    },
  };
}

/** Deletes captures whose `expires_at` is at or before `now` (retention); returns how many went. */
export async function pruneCaptures(db: Knex, now: number, opts: PruneOptions = {}): Promise<number> {
  return pruneInBatches(
    {
      select: async (afterId, limit) =>
        (
          await db(TABLE)
            .select('id')
            .where('id', '>', afterId)
            .andWhere('expires_at', '<=', now)
            .orderBy('id')
            .limit(limit)
        ).map((r: { id: number }) => Number(r.id)),
      remove: (ids) => db(TABLE).whereIn('id', ids).delete(),
    },
    opts,
  );
}
