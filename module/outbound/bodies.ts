/**
 * Request body builders for outbound webhooks. Every format starts from the same nested
 * object built from the webhook's params (dot-notation names → `buildNested`), so
 * `contact.name` is `{ contact: { name } }` in JSON, `<contact><name>` in XML and
 * `contact[name]` in form bodies. Bodies are always produced by serialisers
 * (JSON.stringify, xmlbuilder2, qs), never by string concatenation, so a value such as
 * `"}, "admin": true` stays a string.
 */
import qs from 'qs';
import { z } from 'zod';
import { buildNested, pathProblem } from '../paths.js';
import { buildXmlDocument, xmlNameProblem } from './xml-body.js';

export { xmlNameProblem };

export const ContentType = z.enum(['JSON', 'JSONARRAY', 'XML', 'FORM', 'BITRIX24', 'ENVELOPE']);
export type ContentType = z.infer<typeof ContentType>;

export interface BodyEvent {
  /** Hookflow event type, e.g. `deal.updated`. */
  type: string;
  /** Bitrix24 event code, e.g. `ONCRMDEALUPDATE`. Default: derived from `type` (see `bitrixEventName`). */
  bitrixEvent?: string | null;
  /**
   * BITRIX24 only: the Bitrix24 dynamic type (smart process) of the record, sent as
   * `data[FIELDS][ENTITY_TYPE_ID]` after the ID, as Bitrix24 sends dynamic-item events. Default none.
   */
  bitrixEntityTypeId?: number | null;
  module: string;
  recordId: number | null;
  record: Record<string, unknown> | null;
  previous: Record<string, unknown> | null;
  /** When the event happened, ms since the epoch. */
  timeMs: number;
}

export interface BodyInput {
  format: ContentType;
  /** Already rendered values; names in dot notation. */
  params: Array<{ name: string; value: unknown }>;
  event: BodyEvent;
  /**
   * BITRIX24 only: end the body with the token slot `auth[application_token]=********`
   * (APPLICATION_TOKEN_SLOT), which the sender fills with the webhook's token at send time
   * (fillApplicationToken). The token itself never enters a body that is stored. Default false
   * (no `auth` at all).
   */
  applicationTokenSlot?: boolean;
  /** XML only: document element name. Default `request`. */
  xmlRootName?: string;
}

export interface BuiltBody {
  /** Content-Type header value. */
  contentType: string;
  body: string;
}

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const XML_TYPE = 'application/xml; charset=utf-8';

/**
 * qs settings shared by FORM and BITRIX24: `a[b][0][c]=v` with explicit indices (how PHP,
 * Rails and qs read nested fields), brackets percent-encoded like PHP's http_build_query,
 * spaces as `+` (application/x-www-form-urlencoded). Parsing side effects receivers should
 * know: every scalar arrives as a string (`42` → "42", `true` → "true", null → ""), and qs.parse
 * by default only rebuilds 5 levels of nesting and arrays up to index 20.
 */
const FORM_OPTIONS: qs.IStringifyOptions = { arrayFormat: 'indices', format: 'RFC1738', encodeValuesOnly: false };

/** Top-level param names a format keeps for itself. */
const RESERVED_ROOTS: Partial<Record<ContentType, readonly string[]>> = {
  BITRIX24: ['ID', 'ENTITY_TYPE_ID'],
  ENVELOPE: ['record', 'previous', 'changes'],
};

/** Same rule as paths.ts: such a segment becomes an array position, not a key. */
const INDEX = /^(0|[1-9][0-9]{0,5})$/;

function nameProblem(format: ContentType, name: string): string | null {
  const problem = pathProblem(name);
  if (problem) return problem;
  const segments = name.split('.');
  if (RESERVED_ROOTS[format]?.includes(segments[0])) return `"${segments[0]}" is reserved by the ${format} format`;
  if (format !== 'XML') return null;
  for (let i = 0; i < segments.length; i++) {
    // Position segments (below the root) become repeated elements, not element names.
    if (i > 0 && INDEX.test(segments[i])) continue;
    const xmlProblem = xmlNameProblem(segments[i]);
    if (xmlProblem) return `segment "${segments[i]}" ${xmlProblem}`;
  }
  return null;
}

/** A name equal to, or a prefix of, an earlier one would overwrite or run through its value. */
function conflictProblem(names: readonly string[], i: number): string | null {
  for (let j = 0; j < i; j++) {
    if (names[j] === names[i]) return `duplicates params.${j}.name`;
    if (names[i].startsWith(`${names[j]}.`) || names[j].startsWith(`${names[i]}.`)) {
      return `overlaps params.${j}.name: one name cannot be both a value and a group of fields`;
    }
  }
  return null;
}

/** `a.0` and `a.x` together would make `a` a list in one place and an object in another. */
function kindProblem(kinds: Map<string, boolean>, name: string): string | null {
  const segments = name.split('.');
  const seen: Array<[string, boolean]> = [];
  for (let k = 1; k < segments.length; k++) {
    const parent = segments.slice(0, k).join('.');
    const isIndex = INDEX.test(segments[k]);
    const known = kinds.get(parent);
    if (known !== undefined && known !== isIndex) return `mixes list positions and field names under "${parent}"`;
    seen.push([parent, isIndex]);
  }
  for (const [parent, isIndex] of seen) kinds.set(parent, isIndex);
  return null;
}

/**
 * Save-time check of param names for `format`: errors keyed `params.<index>.name`. Refuses bad
 * paths, names a format reserves (BITRIX24: `ID`, `ENTITY_TYPE_ID`; ENVELOPE: `record`, `previous`, `changes`),
 * duplicates and overlaps, mixed list/field children, and, for XML, invalid element names.
 */
export function validateParamNames(format: ContentType, names: readonly string[]): Record<string, string> {
  const errors: Record<string, string> = {};
  const kinds = new Map<string, boolean>();
  names.forEach((name, i) => {
    const problem = nameProblem(format, name) ?? conflictProblem(names, i) ?? kindProblem(kinds, name);
    if (problem) errors[`params.${i}.name`] = problem;
  });
  return errors;
}

/** JSON with object keys sorted, so key order never counts as a change. */
function stableJson(value: unknown): string {
  const sorted = JSON.stringify(value ?? null, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
  return sorted ?? 'null';
}

function ownValue(source: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(source, key) ? source[key] : null;
}

/**
 * Fields whose values differ between `previous` and `record`, as `{ field: { from, to } }`;
 * a field missing on one side counts as null. Empty when either side is null (creates).
 */
export function diffRecords(
  previous: Record<string, unknown> | null,
  record: Record<string, unknown> | null,
): Record<string, { from: unknown; to: unknown }> {
  if (!previous || !record) return {};
  const keys = new Set([...Object.keys(previous), ...Object.keys(record)]);
  const entries: Array<[string, { from: unknown; to: unknown }]> = [];
  for (const key of keys) {
    const from = ownValue(previous, key) ?? null;
    const to = ownValue(record, key) ?? null;
    if (stableJson(from) !== stableJson(to)) entries.push([key, { from, to }]);
  }
  // fromEntries defines own properties, so a field named "__proto__" cannot touch the prototype.
  return Object.fromEntries(entries);
}

const BITRIX_ACTIONS: Record<string, string> = {
  created: 'ADD',
  create: 'ADD',
  added: 'ADD',
  add: 'ADD',
  updated: 'UPDATE',
  update: 'UPDATE',
  deleted: 'DELETE',
  delete: 'DELETE',
};

/**
 * The Bitrix24 event code: `event.bitrixEvent` when set, else derived from `<entity>.<action>`
 * types: `deal.updated` → `ONCRMDEALUPDATE`, `lead.created` → `ONCRMLEADADD`. Throws otherwise.
 */
export function bitrixEventName(event: Pick<BodyEvent, 'type' | 'bitrixEvent'>): string {
  if (event.bitrixEvent) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,99}$/.test(event.bitrixEvent))
      throw new Error(`Bitrix24 event name "${event.bitrixEvent}" is not valid`);
    return event.bitrixEvent;
  }
  const match = /^([A-Za-z][A-Za-z0-9_]*)\.([a-z]+)$/.exec(event.type);
  const action = match ? BITRIX_ACTIONS[match[2]] : undefined;
  if (!match || !action) throw new Error(`cannot derive a Bitrix24 event name from "${event.type}"; set bitrixEvent`);
  return `ONCRM${match[1].toUpperCase().replace(/_/g, '')}${action}`;
}

/** What stands in a stored BITRIX24 body where the application token goes at send time. */
export const APPLICATION_TOKEN_PLACEHOLDER = '********';

const tokenPair = (token: string) => qs.stringify({ auth: { application_token: token } }, FORM_OPTIONS);

/** `value` as FORM and BITRIX24 bodies encode a value (qs, RFC1738: spaces as `+`). */
export const formEncodeValue = (value: string): string => qs.stringify({ v: value }, FORM_OPTIONS).slice(2);

/** `auth%5Bapplication_token%5D=%2A%2A%2A%2A%2A%2A%2A%2A`: the last pair of a stored BITRIX24 body. */
export const APPLICATION_TOKEN_SLOT = tokenPair(APPLICATION_TOKEN_PLACEHOLDER);

/**
 * Bitrix24's outbound event handler shape, form-encoded (brackets percent-encoded, as PHP sends):
 *   event=ONCRMDEALUPDATE
 *   &data[FIELDS][ID]=<recordId>
 *   &data[FIELDS][ENTITY_TYPE_ID]=<type id>    (dynamic items, ONCRMDYNAMICITEM*, only)
 *   &data[FIELDS][<PARAM>]=<value>…
 *   &ts=<unix seconds of the event>
 *   &auth[application_token]=********          (the slot; only when asked for)
 * The slot is always the LAST pair; the sender puts the token there (or drops the pair) when it
 * sends, so deliveries, logs and resends never hold the token. Bitrix24 also sends
 * event_handler_id and auth[domain|member_id|access_token…]; those describe a Bitrix24 portal
 * and OAuth session we do not have, so they are omitted rather than faked.
 */
function buildBitrixBody(input: BodyInput, fields: Record<string, unknown>): string {
  if (input.event.recordId === null) throw new Error('the BITRIX24 format needs a record id');
  const typeId = input.event.bitrixEntityTypeId;
  const ids = typeId
    ? { ID: String(input.event.recordId), ENTITY_TYPE_ID: String(typeId) }
    : { ID: String(input.event.recordId) };
  const payload: Record<string, unknown> = {
    event: bitrixEventName(input.event),
    data: { FIELDS: { ...ids, ...fields } },
    ts: String(Math.floor(input.event.timeMs / 1000)),
  };
  const body = qs.stringify(payload, FORM_OPTIONS);
  return input.applicationTokenSlot ? `${body}&${APPLICATION_TOKEN_SLOT}` : body;
}

/**
 * The body as sent: one ending with `&` + the slot gets `token` (form-encoded as Bitrix24 sends
 * it) in the placeholder's place, or loses the pair when there is no token; any other body is
 * returned as it is. Record data cannot fake the slot: names and values are form-encoded (`&`,
 * `=` become %26, %3D) and a BITRIX24 body's own `ts` pair follows every parameter; only an admin
 * who names a FORM webhook's last parameter `auth.application_token` with the value `********`
 * gets the same shape, and then the same filling. Sign the result.
 */
export function fillApplicationToken(body: string | null, token: string | null | undefined): string | null {
  if (body === null || !body.endsWith(`&${APPLICATION_TOKEN_SLOT}`)) return body;
  const rest = body.slice(0, body.length - APPLICATION_TOKEN_SLOT.length - 1);
  return token ? `${rest}&${tokenPair(token)}` : rest;
}

/**
 * Standard envelope: `{ type, timestamp (ISO-8601 of event.timeMs), data: { record, previous,
 * changes, ...params } }`. Params are merged into `data` after the three fixed keys, which they
 * may not reuse (validateParamNames refuses them).
 */
function buildEnvelope(event: BodyEvent, fields: Record<string, unknown>): string {
  const data = {
    record: event.record,
    previous: event.previous,
    changes: diffRecords(event.previous, event.record),
    ...fields,
  };
  return JSON.stringify({ type: event.type, timestamp: new Date(event.timeMs).toISOString(), data });
}

/**
 * Builds the request body for `input.format`. Throws an Error naming the param when a name is
 * unusable for the format (see validateParamNames); an undefined value is sent as null.
 */
export function buildBody(input: BodyInput): BuiltBody {
  const format = ContentType.parse(input.format);
  const names = input.params.map((p) => p.name);
  const errors = validateParamNames(format, names);
  const firstKey = Object.keys(errors)[0];
  if (firstKey !== undefined) {
    const index = Number(firstKey.split('.')[1]);
    throw new Error(`param "${names[index]}" (${firstKey}) ${errors[firstKey]}`);
  }
  const fields = buildNested(
    input.params.map((p) => ({ name: p.name, value: p.value === undefined ? null : p.value })),
  );
  switch (format) {
    case 'JSON':
      return { contentType: JSON_TYPE, body: JSON.stringify(fields) };
    case 'JSONARRAY':
      return { contentType: JSON_TYPE, body: JSON.stringify([fields]) };
    case 'XML':
      return { contentType: XML_TYPE, body: buildXmlDocument(input.xmlRootName ?? 'request', fields) };
    case 'FORM':
      return { contentType: FORM_TYPE, body: qs.stringify(fields, FORM_OPTIONS) };
    case 'BITRIX24':
      return { contentType: FORM_TYPE, body: buildBitrixBody(input, fields) };
    case 'ENVELOPE':
      return { contentType: JSON_TYPE, body: buildEnvelope(input.event, fields) };
  }
}
