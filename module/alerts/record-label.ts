/**
 * How a failure mail names the record of a failure, pure: `Deals #5 “Big deal”`, `Deals #5`,
 * `Deals #5 (deleted)` or `no record` — the words in the recipient's language (messages/), the
 * module name and the record's own name as data.
 */
import { formatMessage } from './alert-format.js';
import { en, type AlertMessages } from './messages/en.js';

/** What a label is made of; null when the failure has no record. */
export type RecordRef = { module: string; id: number; name: string | null; deleted: boolean } | null;

/** The record of a failure from its module, id and fields (null = deleted); its name is the first of title, name, subject, company. */
export function recordRefOf(
  module: string | null,
  recordId: number | null,
  fields: Record<string, unknown> | null | undefined,
): RecordRef {
  if (!module || !recordId) return null;
  if (fields === null) return { module, id: recordId, name: null, deleted: true };
  const name = ['title', 'name', 'subject', 'company']
    .map((k) => fields?.[k])
    .find((v) => typeof v === 'string' && v.trim() !== '') as string | undefined;
  return { module, id: recordId, name: name ? name.trim().slice(0, 120) : null, deleted: false };
}

/** The label in the language of `t`. */
export function formatRecordLabel(ref: RecordRef, t: AlertMessages): string {
  if (ref === null) return t.noRecord;
  const base = `${ref.module} #${ref.id}`;
  if (ref.deleted) return formatMessage(t.recordDeleted, { record: base });
  return ref.name ? `${base} “${ref.name}”` : base;
}

/** `Deals #5 “Big deal”`: the English label. */
export function recordLabelOf(
  module: string | null,
  recordId: number | null,
  fields: Record<string, unknown> | null | undefined,
): string {
  return formatRecordLabel(recordRefOf(module, recordId, fields), en);
}

/** A failure's label for a reader of `t`: from its `record` when known, else its stored English label. */
export function recordLabelFor(f: { recordLabel: string; record?: RecordRef }, t: AlertMessages): string {
  return f.record === undefined ? f.recordLabel : formatRecordLabel(f.record, t);
}
