/**
 * The host contract: everything a CRM provides to Hookflow, in one place.
 *
 * Hookflow never imports host code. A CRM integrates Hookflow by building one
 * `HostContext` and passing it to `install(host)` from `module/index.ts`, then
 * calling the returned `hooks` inside its record-save transactions and mounting
 * the returned routers where `manifest.json` says.
 */
import type { Knex } from 'knex';
import type { RequestHandler } from 'express';

/** A knex transaction or the knex instance itself. */
export type Db = Knex | Knex.Transaction;

/** One field of a CRM module, as shown in field pickers and checked by conditions. */
export interface ModuleField {
  /** Field key as stored in `CrmRecord.fields`, e.g. `stage`. */
  name: string;
  /** Human label, e.g. `Sales stage`. */
  label: string;
  /**
   * Value type; used for condition comparisons and form widgets. `reference`: the id of a record
   * of another module (`references`), which templates and conditions can follow
   * (`account_id.name`).
   */
  type: 'text' | 'number' | 'date' | 'email' | 'boolean' | 'picklist' | 'reference';
  /** Allowed values for `picklist` fields. */
  options?: string[];
  /** For `reference` fields: the name of the module the stored id points at, e.g. `Accounts`. Required for them. */
  references?: string;
}

/** Other names a module goes by outside the CRM. */
export interface ModuleAliases {
  /**
   * Its Bitrix24 entity name, e.g. `DEAL`, `LEAD`, `CONTACT`, `COMPANY`: Bitrix24 event names
   * (`ONCRMDEALUPDATE`) are accepted as triggers for it, and BITRIX24 bodies name its events so.
   * Default none (its events have no Bitrix24 name).
   */
  bitrix24?: string;
  /**
   * Its Bitrix24 dynamic type (smart process) `ENTITY_TYPE_ID`, a positive integer, e.g. 31 for
   * smart invoices: `ONCRMDYNAMICITEMADD/UPDATE/DELETE` and the per-type `ONCRMDYNAMICITEMADD_31`
   * are accepted as triggers for it (the generic names only when it is the workflow's module or
   * the only module with a type id), and BITRIX24 bodies name its events `ONCRMDYNAMICITEM…` and
   * carry `data[FIELDS][ENTITY_TYPE_ID]`. Takes precedence over `bitrix24` in bodies. Default none.
   */
  bitrix24EntityTypeId?: number;
  /** The singular noun in envelope event types (`deal` → `deal.updated`). Default: the name lower-cased, less a trailing `s`. */
  event?: string;
}

/** A CRM module (Leads, Deals …) and its fields, as the host describes it; Hookflow knows no module by name. */
export interface ModuleInfo {
  /** Module key used everywhere in Hookflow, e.g. `Deals`. */
  name: string;
  /** Human label for menus. */
  label: string;
  fields: ModuleField[];
  /** Default none. */
  aliases?: ModuleAliases;
}

/** A CRM record as the host exposes it. */
export interface CrmRecord {
  id: number;
  module: string;
  /** The user that owns the record; failure alerts go to this user. */
  ownerUserId: number;
  /** The record's values by field name. */
  fields: Record<string, unknown>;
  /** ISO-8601 times. */
  createdAt: string;
  updatedAt: string;
}

/**
 * Who/what caused a record change. Hookflow passes this to `records.create/update/delete`
 * when a workflow task changes a record, and the host MUST hand it back unchanged in the
 * `RecordEvent` it gives the hooks, so that workflow chains can be depth-limited.
 */
export interface ChangeOrigin {
  /** Set when a Hookflow run made the change. */
  runId?: number;
  /** How many workflow runs led to this change (0 = a person or API client). */
  chainDepth?: number;
  /**
   * Names the task effect this change is (`run:<id>:task:<id>`): Hookflow notes it in the hook,
   * inside the host's transaction, so a resumed run never makes the change twice. Opaque to the host.
   */
  effectKey?: string;
  /**
   * The external system the change came from: the name an inbound permission gives the system
   * it admits (e.g. `accounting`), set on changes made by runs started through it. Webhooks to
   * that same system skip events carrying it (echo suppression). Opaque to the host. Default none.
   */
  system?: string;
}

export interface RecordChangeOptions {
  /** The user the change is attributed to. */
  actorUserId?: number | null;
  origin?: ChangeOrigin;
}

/** Record access. Every method that writes MUST run the hooks inside its own transaction. */
export interface HostRecords {
  /** All modules Hookflow may attach workflows to, with their fields. */
  listModules(): Promise<ModuleInfo[]>;
  /** One record, or null when it does not exist. Reads through `db` when given. */
  get(module: string, id: number, db?: Db): Promise<CrmRecord | null>;
  /** Creates a record; `ownerUserId` defaults to the actor. Fires `hooks.recordCreated`. */
  create(
    module: string,
    fields: Record<string, unknown>,
    opts?: RecordChangeOptions & { ownerUserId?: number },
  ): Promise<CrmRecord>;
  /** Merges `fields` into the record. Fires `hooks.recordUpdated`. Throws if the record is missing. */
  update(module: string, id: number, fields: Record<string, unknown>, opts?: RecordChangeOptions): Promise<CrmRecord>;
  /** Deletes the record. Fires `hooks.recordDeleted`. */
  delete(module: string, id: number, opts?: RecordChangeOptions): Promise<void>;
  /**
   * OPTIONAL. One page of a module's records: those with `id > afterId`, in ascending id order,
   * at most `limit` (Hookflow asks for 1–500). Hookflow walks a module with it, page after page,
   * to run a workflow for existing records (backfill) and for cron schedules over every matching
   * record. Without it those two features are refused with a message saying the CRM lacks it;
   * everything else works. Reads through `db` when given.
   */
  listAfter?(module: string, page: RecordPageRequest, db?: Db): Promise<CrmRecord[]>;
}

/** Which page `HostRecords.listAfter` returns. */
export interface RecordPageRequest {
  /** Records with a greater id; 0 for the first page. */
  afterId: number;
  /** The most records to return. */
  limit: number;
}

/** A CRM user as Hookflow needs it. */
export interface HostUser {
  id: number;
  name: string;
  email: string;
  active: boolean;
  isAdmin: boolean;
  /**
   * OPTIONAL. The user's language as a BCP 47 tag, e.g. `de-DE`, `de-AT`, `en-GB`. Failure-alert
   * mails are written in it (catalogues: English and German; `de-AT` gets German) and its numbers
   * formatted so. Default (absent, empty): English. An unknown or unsupported tag means English,
   * with a warning in the log.
   */
  locale?: string | null;
  /**
   * OPTIONAL. The user's time zone as an IANA id, e.g. `Europe/Berlin`: times in failure-alert
   * mails are shown in it, with the zone's name. Default (absent, empty): UTC. An invalid id means
   * UTC, with a warning in the log.
   */
  timeZone?: string | null;
}

export interface HostUsers {
  get(id: number): Promise<HostUser | null>;
  /** Every user that is both active and an admin (failure-alert recipients). */
  listActiveAdmins(): Promise<HostUser[]>;
  /** All users (run-as pickers, send_email targets). */
  list(): Promise<HostUser[]>;
}

/** The subset of a nodemailer transporter Hookflow uses. */
export interface HostMailer {
  sendMail(message: {
    from?: string;
    to: string | string[];
    subject: string;
    text?: string;
    html?: string;
    headers?: Record<string, string>;
  }): Promise<unknown>;
}

/** A pino-compatible logger: (object, message) call style. */
export interface HostLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child?(bindings: object): HostLogger;
}

/** The lifecycle event the host passes to the hooks. */
export interface RecordEvent {
  module: string;
  recordId: number;
  /** Values after the change (for deletes: the values just before deletion). */
  record: CrmRecord;
  /** Values before the change; null on create. */
  previous: CrmRecord | null;
  /** The user who made the change, when known. */
  actorUserId: number | null;
  /** Passed through from `RecordChangeOptions.origin`. */
  origin?: ChangeOrigin;
}

/**
 * The lifecycle hooks Hookflow gives the host. Call the matching one from every record write,
 * INSIDE the write's own transaction and with that transaction: a rolled-back save then starts
 * nothing and a committed save loses nothing (Hookflow's outbox). They only insert rows.
 */
export interface RecordHooks {
  recordCreated(event: RecordEvent, trx: Knex.Transaction): Promise<void>;
  recordUpdated(event: RecordEvent, trx: Knex.Transaction): Promise<void>;
  recordDeleted(event: RecordEvent, trx: Knex.Transaction): Promise<void>;
}

export interface HostContext {
  /** knex instance on the host's database; Hookflow only touches `hookflow_*` tables. */
  db: Knex;
  records: HostRecords;
  users: HostUsers;
  /** A nodemailer transport (or anything with the same `sendMail`). */
  mailer: HostMailer;
  /** Sender address for Hookflow's mails, e.g. `"CRM" <crm@example.com>`. */
  mailFrom: string;
  /**
   * Express middleware from the host's auth: lets admins through (setting `res.locals.user`
   * to a `HostUser`), answers 403 to logged-in non-admins, redirects or 401s anonymous callers.
   */
  requireAdmin: RequestHandler;
  logger: HostLogger;
  /** The host's clock; tests inject a fixed one. Queue times come from the database clock instead. */
  now(): Date;
  /** Public base URL of the host, e.g. `https://crm.example`; used for links in emails. */
  baseUrl: string;
  /**
   * OPTIONAL. The page of one record in the CRM, e.g. `https://crm.example/records/Deals/5`
   * (absolute, or a path resolved against `baseUrl`), that the record's owner can open with
   * their own login; null when there is none. Failure-alert mails link it: it is the only link
   * a non-admin owner gets (the admin pages would answer 403 to them); admins get the log entry
   * as well. Without it, an owner's mail carries no link at all. Called while mails are built,
   * so keep it cheap and synchronous; anything but an http(s) URL (or a throw) means no link.
   */
  recordUrl?(module: string, recordId: number): string | null;
  /**
   * Hookflow calls this inside `install()` — before its worker starts, so a workflow task that
   * saves a record already fires the hooks — with the hooks every record write must call, and
   * with `null` from `uninstall()` once the worker has stopped. Keep the object; see RecordHooks.
   */
  attachHooks(hooks: RecordHooks | null): void;
}
