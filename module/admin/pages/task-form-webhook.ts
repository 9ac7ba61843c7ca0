/**
 * The webhook action form (the seed's fields: title, description, URL to notify, method,
 * content type, authorization with username/password, parameters as name/value rows) plus
 * headers, bearer token, Bitrix24 application token and the signing secret.
 * Secrets are write-only: an empty input keeps what is stored, and no stored value is ever
 * put back into the page (only whether one is set).
 */
import { checked, rowErrors, rows, text, type FormBody } from './form-values.js';
import type { ParsedTaskForm, TaskForm, TaskFormContext } from './task-forms.js';
import { valueReferences } from './task-forms.js';

export const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'GET'];

export const CONTENT_TYPES = [
  { value: 'JSON', label: 'JSON', hint: '{"contact":{"name":"Ada"}}' },
  { value: 'JSONARRAY', label: 'JSON array', hint: '[{"contact":{"name":"Ada"}}]' },
  { value: 'XML', label: 'XML', hint: '<request><contact><name>Ada</name></contact></request>' },
  { value: 'FORM', label: 'Form (urlencoded)', hint: 'contact[name]=Ada' },
  { value: 'BITRIX24', label: 'Bitrix24 preset', hint: 'event=ONCRMDEALUPDATE&data[FIELDS][ID]=5&auth[application_token]=… (the token is added when each request is sent)' },
  { value: 'ENVELOPE', label: 'Standard envelope preset', hint: '{"type":"deal.updated","timestamp":…,"data":{"record":…,"changes":…}}' },
];

export const AUTH_TYPES = [
  { value: 'none', label: 'No authentication' },
  { value: 'basic', label: 'Basic authentication' },
  { value: 'bearer', label: 'Bearer token' },
];

type Row = { name: string; value: string };

function stringValue(v: unknown): string {
  if (typeof v === 'string') return v;
  return v === undefined || v === null ? '' : JSON.stringify(v);
}

export const webhookForm: TaskForm = {
  blank: () => ({ url: '', method: 'POST', contentType: 'JSON', auth: 'none', username: '', params: [], headers: [], sign: false, xmlRoot: '' }),

  fromOptions(o) {
    return {
      url: o.url ?? '', method: o.method ?? 'POST', contentType: o.contentType ?? 'JSON', auth: o.auth ?? 'none', username: o.username ?? '',
      params: (o.params ?? []).map((p: { name: string; value: unknown }) => ({ name: p.name, value: stringValue(p.value) })),
      headers: (o.headers ?? []).map((h: Row) => ({ name: h.name, value: h.value })), sign: Boolean(o.sign), xmlRoot: o.xmlRoot ?? '',
    };
  },

  fromBody(body: FormBody): ParsedTaskForm {
    const values = {
      url: text(body, 'url').trim(), method: text(body, 'method'), contentType: text(body, 'contentType'), auth: text(body, 'auth') || 'none',
      username: text(body, 'username'), params: rows(body, { name: 'paramName', value: 'paramValue' }), headers: rows(body, { name: 'headerName', value: 'headerValue' }),
      sign: checked(body, 'sign'), rotateSecret: checked(body, 'rotateSecret'), xmlRoot: text(body, 'xmlRoot').trim(),
    };
    const options = {
      url: values.url, method: values.method || undefined, contentType: values.contentType || undefined, auth: values.auth,
      username: values.username === '' ? undefined : values.username,
      params: values.params.map((p) => ({ name: p.name.trim(), value: p.value })),
      headers: values.headers.map((h) => ({ name: h.name.trim(), value: h.value })),
      sign: values.sign, xmlRoot: values.xmlRoot === '' ? undefined : values.xmlRoot,
    };
    const secrets: Record<string, string> = {};
    for (const name of ['password', 'token', 'applicationToken']) {
      const v = text(body, name);
      if (v !== '') secrets[name] = v;
    }
    return { options, values, secrets: Object.keys(secrets).length > 0 ? secrets : undefined };
  },

  view(v, ctx: TaskFormContext) {
    const paramErrors = rowErrors(ctx.errors, /^params\.(\d+)\.?(\w+)?/);
    const headerErrors = rowErrors(ctx.errors, /^headers\.(\d+)\.?(\w+)?/);
    const blank: Row = { name: '', value: '' };
    const set = new Set(ctx.secretsSet);
    return {
      methods: METHODS.map((m) => ({ value: m, selected: m === v.method })),
      contentTypes: CONTENT_TYPES.map((c) => ({ ...c, selected: c.value === v.contentType })),
      auths: AUTH_TYPES.map((a) => ({ ...a, checked: a.value === v.auth })),
      paramRows: [...(v.params as Row[]).map((p, i) => ({ ...p, errors: paramErrors.get(i) ?? {} })), blank, blank, blank],
      headerRows: [...(v.headers as Row[]).map((h, i) => ({ ...h, errors: headerErrors.get(i) ?? {} })), blank],
      refs: valueReferences(ctx.workflow, ctx.modules),
      passwordSet: set.has('password'), tokenSet: set.has('token'), applicationTokenSet: set.has('applicationToken'), signingSecretSet: set.has('signingSecret'),
    };
  },
};
