/**
 * The rows of `crm_records` as the records service reads them, and the small rules around them:
 * the ownership check, what a caller may list, the not-found answer. Split from records.ts.
 */
import type { Knex } from 'knex';
import { HookflowError, type CrmRecord, type Db, type RecordChangeOptions } from 'hookflow';

export interface RecordRow {
  id: number;
  module: string;
  owner_user_id: number;
  fields: string;
  created_at: number | string;
  updated_at: number | string;
}

export interface ListOptions {
  /** Page size, 1-500. Default 50. */
  limit?: number;
  /** Rows to skip. Default 0. */
  offset?: number;
  /** Only what this caller may read (non-admins: their own records). Default: every record. */
  caller?: RecordCaller;
}

/** Someone calling through the host's API; their rights are checked (see the file comment). */
export interface RecordCaller {
  id: number;
  isAdmin: boolean;
}

/** Options of the host's own writes: the contract's, plus the API caller to check. */
export type CheckedChangeOptions = RecordChangeOptions & { caller?: RecordCaller };

export interface RecordPage {
  records: CrmRecord[];
  total: number;
  limit: number;
  offset: number;
}

export const MAX_LIST_LIMIT = 500;

export function toRecord(row: RecordRow): CrmRecord {
  return {
    id: Number(row.id),
    module: row.module,
    ownerUserId: Number(row.owner_user_id),
    fields: JSON.parse(row.fields) as Record<string, unknown>,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
}

/** The ownership rule: admins any record, everyone else their own. */
export function mayAccess(caller: RecordCaller, record: CrmRecord): boolean {
  return caller.isAdmin || record.ownerUserId === caller.id;
}

/** The rows of `module` a caller may read (no caller: all of them). */
export function visibleTo(caller: RecordCaller | undefined, module: string): Record<string, unknown> {
  return caller && !caller.isAdmin ? { module, owner_user_id: caller.id } : { module };
}

export function notFound(module: string, id: number): HookflowError {
  return new HookflowError('not_found', `${module} record ${id} not found`);
}

export function isMysql(db: Db): boolean {
  return String((db as Knex).client?.config?.client ?? '').includes('mysql');
}
