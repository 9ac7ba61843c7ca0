/**
 * CRM records: the `HostRecords` contract. Every write runs in ONE knex transaction that also
 * runs the bound lifecycle hook, so a hook error or a rollback leaves no trace, and a commit
 * carries whatever the hook queued (Hookflow's outbox).
 *
 * Ownership (the host's policy for its own API): a call that names a `caller` is checked —
 * admins may read and change any record, other users only records they own, and only an admin
 * may create a record owned by someone else. A record someone may not read is answered exactly
 * like a missing one (404), so ids cannot be probed. Calls without a `caller` are the
 * `HostRecords` contract as Hookflow uses it and are trusted: workflows are written by admins,
 * and `actorUserId` only says whom a change is attributed to (and who owns what a task creates).
 * The check runs inside the write's transaction, on the row it locked, so it cannot go stale.
 */
import type { Knex } from 'knex';
import {
  HookflowError,
  type ChangeOrigin,
  type CrmRecord,
  type Db,
  type HostRecords,
  type ModuleInfo,
  type RecordChangeOptions,
  type RecordPageRequest,
  type RecordEvent,
  type RecordHooks,
} from 'hookflow';
import { validateFields } from './fields.js';
import { CustomModuleStore } from './custom-modules.js';
import { cloneModules, findFixedModule } from './modules.js';
import {
  MAX_LIST_LIMIT,
  isMysql,
  mayAccess,
  notFound,
  toRecord,
  visibleTo,
  type CheckedChangeOptions,
  type ListOptions,
  type RecordCaller,
  type RecordPage,
} from './record-rows.js';

export { MAX_LIST_LIMIT, type CheckedChangeOptions, type ListOptions, type RecordCaller, type RecordPage };

export class RecordService implements HostRecords {
  private hooks: RecordHooks | null = null;
  readonly customModules: CustomModuleStore;
  /** Custom module names as last read; only for the synchronous isKnownModule. */
  private customNames = new Set<string>();

  constructor(
    private readonly db: Knex,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.customModules = new CustomModuleStore(db, now);
  }

  /** Binds Hookflow's hooks after install (install itself needs this service). Null unbinds. */
  setHooks(hooks: RecordHooks | null): void {
    this.hooks = hooks;
  }

  /** The fixed modules, then the admin-defined ones (oldest first). */
  async listModules(db: Db = this.db): Promise<ModuleInfo[]> {
    const custom = await this.customModules.list(db);
    this.customNames = new Set(custom.map((m) => m.name));
    return [...cloneModules(), ...custom];
  }

  /** Defines a custom module (admins only; the API checks that): 422 naming each bad field. */
  async createModule(raw: unknown): Promise<ModuleInfo> {
    const created = await this.customModules.create(raw, await this.listModules());
    this.customNames.add(created.name);
    return created;
  }

  /** The module definition by exact name, or undefined. */
  async findModule(name: string, db: Db = this.db): Promise<ModuleInfo | undefined> {
    return findFixedModule(name) ?? (await this.listModules(db)).find((m) => m.name === name);
  }

  /** Synchronous and possibly stale for custom modules (as last read here): for links only. */
  isKnownModule(name: string): boolean {
    return findFixedModule(name) !== undefined || this.customNames.has(name);
  }

  /** The module definition, or a 404 naming the known modules. */
  async requireModule(name: string): Promise<ModuleInfo> {
    const module = await this.findModule(name);
    if (!module) {
      const known = (await this.listModules()).map((m) => m.name).join(', ');
      throw new HookflowError('not_found', `unknown module ${name}; known modules: ${known}`);
    }
    return module;
  }

  async get(module: string, id: number, db: Db = this.db): Promise<CrmRecord | null> {
    if (!Number.isSafeInteger(id) || id <= 0 || !(await this.findModule(module, db))) return null;
    const row = await db('crm_records').where({ id, module }).first();
    return row ? toRecord(row) : null;
  }

  /** The record if `caller` may read it; otherwise not_found, the same answer as for a missing record. */
  async getFor(caller: RecordCaller, module: string, id: number): Promise<CrmRecord> {
    const record = await this.get(module, id);
    if (!record || !mayAccess(caller, record)) throw notFound(module, id);
    return record;
  }

  /** One page of a module's records (only the caller's own for a non-admin caller), oldest first. */
  async list(module: string, opts: ListOptions = {}): Promise<RecordPage> {
    await this.requireModule(module);
    const limit = Math.min(Math.max(Math.trunc(opts.limit ?? 50), 1), MAX_LIST_LIMIT);
    const offset = Math.max(Math.trunc(opts.offset ?? 0), 0);
    const where = visibleTo(opts.caller, module);
    const rows = await this.db('crm_records').where(where).orderBy('id').limit(limit).offset(offset);
    const [{ total }] = await this.db('crm_records').where(where).count({ total: '*' });
    return { records: rows.map(toRecord), total: Number(total), limit, offset };
  }

  /** `HostRecords.listAfter`: records with an id above `afterId`, ascending, at most `limit` (≤ 500). */
  async listAfter(module: string, page: RecordPageRequest, db: Db = this.db): Promise<CrmRecord[]> {
    if (!(await this.findModule(module, db))) return [];
    const limit = Math.min(Math.max(Math.trunc(page.limit), 1), MAX_LIST_LIMIT);
    const rows = await db('crm_records')
      .where({ module })
      .andWhere('id', '>', Math.max(Math.trunc(page.afterId), 0))
      .orderBy('id')
      .limit(limit);
    return rows.map(toRecord);
  }

  async create(
    module: string,
    fields: Record<string, unknown>,
    opts: CheckedChangeOptions & { ownerUserId?: number } = {},
  ): Promise<CrmRecord> {
    const values = validateFields(await this.requireModule(module), fields);
    if (opts.caller && !opts.caller.isAdmin && opts.ownerUserId !== undefined && opts.ownerUserId !== opts.caller.id) {
      throw new HookflowError('forbidden', 'Only an admin can create a record owned by another user', {
        ownerUserId: 'only an admin can set another owner',
      });
    }
    return this.db.transaction(async (trx) => {
      await this.holdModule(module, trx);
      // An API caller owns what they create unless an admin named another owner.
      const ownerUserId = await this.resolveOwner(trx, opts.ownerUserId ?? opts.caller?.id ?? opts.actorUserId ?? null);
      const at = this.now().getTime();
      const result = await trx('crm_records').insert({
        module,
        owner_user_id: ownerUserId,
        fields: JSON.stringify(values),
        created_at: at,
        updated_at: at,
      });
      const recordId = Number(Array.isArray(result) ? result[0] : result);
      const record = await this.mustGet(module, recordId, trx);
      await this.hooks?.recordCreated(this.event(record, null, opts), trx);
      return record;
    });
  }

  async update(
    module: string,
    id: number,
    fields: Record<string, unknown>,
    opts: CheckedChangeOptions = {},
  ): Promise<CrmRecord> {
    const values = validateFields(await this.requireModule(module), fields);
    return this.db.transaction(async (trx) => {
      const previous = await this.lockForWrite(module, id, trx, opts.caller);
      await trx('crm_records')
        .where({ id, module })
        .update({
          fields: JSON.stringify({ ...previous.fields, ...values }),
          updated_at: Math.max(this.now().getTime(), Date.parse(previous.updatedAt)),
        });
      const record = await this.mustGet(module, id, trx);
      await this.hooks?.recordUpdated(this.event(record, previous, opts), trx);
      return record;
    });
  }

  async delete(module: string, id: number, opts: CheckedChangeOptions = {}): Promise<void> {
    await this.requireModule(module);
    await this.db.transaction(async (trx) => {
      const previous = await this.lockForWrite(module, id, trx, opts.caller);
      await trx('crm_records').where({ id, module }).delete();
      // For deletes the event carries the last values as both `record` and `previous`.
      await this.hooks?.recordDeleted(this.event(previous, previous, opts), trx);
    });
  }

  private event(record: CrmRecord, previous: CrmRecord | null, opts: RecordChangeOptions): RecordEvent {
    const origin: ChangeOrigin | undefined = opts.origin;
    return {
      module: record.module,
      recordId: record.id,
      record,
      previous,
      actorUserId: opts.actorUserId ?? null,
      origin,
    };
  }

  /**
   * Reads the record inside the transaction, row-locked on MySQL (SQLite serialises writers),
   * and refuses it (as missing) when `caller` may not change it.
   */
  private async lockForWrite(
    module: string,
    id: number,
    trx: Knex.Transaction,
    caller?: RecordCaller,
  ): Promise<CrmRecord> {
    if (!Number.isSafeInteger(id) || id <= 0) throw notFound(module, id);
    const query = trx('crm_records').where({ id, module }).first();
    const row = await (isMysql(trx) ? query.forUpdate() : query);
    const record = row ? toRecord(row) : null;
    if (!record || (caller && !mayAccess(caller, record))) throw notFound(module, id);
    return record;
  }

  /**
   * A custom module must still exist when its record is inserted: its row is read again inside
   * the write's transaction, share-locked on MySQL (SQLite serialises writers), so a module
   * delete either waits for this record (and then finds it) or wins (and this save is a 404).
   */
  private async holdModule(module: string, trx: Knex.Transaction): Promise<void> {
    if (findFixedModule(module)) return;
    const query = trx('crm_modules').where({ name: module }).first('name');
    if (!(await (isMysql(trx) ? query.forShare() : query)))
      throw new HookflowError('not_found', `unknown module ${module}`);
  }

  private async mustGet(module: string, id: number, trx: Knex.Transaction): Promise<CrmRecord> {
    const record = await this.get(module, id, trx);
    if (!record) throw new Error(`${module} record ${id} vanished inside its own transaction`);
    return record;
  }

  /**
   * The owner of a new record: the given user, which must exist, or (for changes with no
   * known actor, e.g. a workflow without a run-as user) the first active admin.
   */
  private async resolveOwner(trx: Knex.Transaction, userId: number | null): Promise<number> {
    if (userId !== null) {
      const exists =
        Number.isSafeInteger(userId) && userId > 0 && (await trx('crm_users').where({ id: userId }).first('id'));
      if (!exists)
        throw new HookflowError('validation_failed', `owner user ${userId} does not exist`, {
          ownerUserId: 'no such user',
        });
      return userId;
    }
    const admin = await trx('crm_users').where({ active: true, is_admin: true }).orderBy('id').first('id');
    if (!admin)
      throw new HookflowError('validation_failed', 'no owner given and no active admin to default to', {
        ownerUserId: 'required',
      });
    return Number(admin.id);
  }
}
