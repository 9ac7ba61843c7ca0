/**
 * The webhook action form (the seed's fields: title, description, URL to notify, method,
 * content type, authorization with username/password, parameters as name/value rows) plus
 * headers, bearer token, Bitrix24 application token and the signing secret.
 * Secrets are write-only: an empty input keeps what is stored, and no stored value is ever
 * put back into the page (only whether one is set). What applies only to one content type or
 * authorization (XML root, Bitrix24 token, Basic username/password, bearer token) is shown only
 * for it and never saved for another.
 */
import { checked, isSet, rowErrors, rows, text, type FormBody } from '../../../forms/form-values.js';
import { valueReferences, type ParsedTaskForm, type TaskForm, type TaskFormContext } from '../../../forms/task-form.js';
import { generateSigningSecret } from '../../../outbound/sign.js';
import { fieldChoices } from '../field-map-form.js';
import { CONTENT_TYPES } from './content-types.js';

export { CONTENT_TYPES };

export const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'GET'];

export const AUTH_TYPES = [
  { value: 'none', label: 'No authentication' },
  { value: 'basic', label: 'Basic authentication' },
  { value: 'bearer', label: 'Bearer token' },
];

type Row = { name: string; value: string };
type SaveRow = { path: string; field: string };

/** "Save from the response" rows: a path and a field of the workflow's module (from a list), plus one blank row. */
function saveRowsView(values: SaveRow[], ctx: TaskFormContext) {
  const errs = rowErrors(ctx.errors, /^saveResponse\.(\d+)\.?(\w+)?/);
  const mod = ctx.modules.find((m) => m.name === ctx.workflow.module);
  return [
    ...(values ?? []).map((r, i) => ({ ...r, errors: errs.get(i) ?? {} })),
    { path: '', field: '', errors: {} },
  ].map((r) => ({ ...r, choices: fieldChoices(mod, r.field) }));
}

/** Labels that name a field in its error messages ("URL must use http or https"). */
export const WEBHOOK_LABELS: Record<string, string> = {
  url: 'URL',
  method: 'Method',
  contentType: 'Content type',
  xmlRoot: 'XML root element',
  auth: 'Authorization',
  username: 'Username',
  params: 'Parameters',
  headers: 'Headers',
  sign: 'Signing',
  'params.*.name': 'Parameter name',
  'params.*.value': 'Parameter value',
  'headers.*.name': 'Header name',
  'headers.*.value': 'Header value',
  'secrets.password': 'Password',
  'secrets.token': 'Bearer token',
  'secrets.applicationToken': 'Bitrix24 application token',
  'secrets.signingSecret': 'Signing secret',
  saveResponse: 'Save from the response',
  waitForAnswer: 'Wait for the answer',
  answerTimeoutMs: 'Answer timeout',
  'saveResponse.*.path': 'Path in the answer',
  'saveResponse.*.field': 'Record field',
  system: 'Destination system',
  skipEchoes: 'Skip changes that came from it',
};

/** Option and secret names that do not apply to the chosen content type and authorization. */
function inapplicable(v: Record<string, unknown>): string[] {
  const contentType = v.contentType || 'JSON';
  const auth = v.auth || 'none';
  return [
    ...(contentType === 'XML' ? [] : ['xmlRoot']),
    ...(contentType === 'BITRIX24' ? [] : ['applicationToken']),
    ...(auth === 'basic' ? [] : ['username', 'password']),
    ...(auth === 'bearer' ? [] : ['token']),
  ];
}

/** What the form shows for `v`: a part that has an error stays visible, whatever is chosen. */
function shown(v: Record<string, unknown>, errors: Record<string, string>) {
  const off = new Set(inapplicable(v));
  const on = (name: string, ...errorKeys: string[]) => !off.has(name) || errorKeys.some((k) => k in errors);
  return {
    xmlRoot: on('xmlRoot', 'xmlRoot'),
    applicationToken: on('applicationToken', 'secrets.applicationToken'),
    basic: on('username', 'username', 'secrets.password'),
    bearer: on('token', 'secrets.token'),
  };
}

function stringValue(v: unknown): string {
  if (typeof v === 'string') return v;
  return v === undefined || v === null ? '' : JSON.stringify(v);
}

export const webhookForm: TaskForm = {
  blank: () => ({
    url: '',
    urlFromData: false,
    method: 'POST',
    contentType: 'JSON',
    auth: 'none',
    username: '',
    params: [],
    headers: [],
    sign: false,
    xmlRoot: '',
    saveResponse: [],
    waitForAnswer: false,
    answerTimeoutMs: '',
    system: '',
    skipEchoes: true,
  }),

  fromOptions(o) {
    return {
      url: o.url ?? '',
      urlFromData: Boolean(o.urlFromData),
      method: o.method ?? 'POST',
      contentType: o.contentType ?? 'JSON',
      auth: o.auth ?? 'none',
      username: o.username ?? '',
      params: (o.params ?? []).map((p: { name: string; value: unknown }) => ({
        name: p.name,
        value: stringValue(p.value),
      })),
      headers: (o.headers ?? []).map((h: Row) => ({ name: h.name, value: h.value })),
      sign: Boolean(o.sign),
      xmlRoot: o.xmlRoot ?? '',
      saveResponse: (o.saveResponse ?? []).map((r: SaveRow) => ({ path: r.path, field: r.field })),
      waitForAnswer: Boolean(o.waitForAnswer),
      answerTimeoutMs: o.answerTimeoutMs === undefined ? '' : String(o.answerTimeoutMs),
      system: o.system ?? '',
      skipEchoes: o.skipEchoes !== false,
    };
  },

  fromBody(body: FormBody): ParsedTaskForm {
    const values = {
      url: text(body, 'url').trim(),
      urlFromData: checked(body, 'urlFromData'),
      method: text(body, 'method'),
      contentType: text(body, 'contentType'),
      auth: text(body, 'auth') || 'none',
      username: text(body, 'username'),
      params: rows(body, { name: 'paramName', value: 'paramValue' }),
      headers: rows(body, { name: 'headerName', value: 'headerValue' }),
      sign: checked(body, 'sign'),
      rotateSecret: checked(body, 'rotateSecret'),
      xmlRoot: text(body, 'xmlRoot').trim(),
      saveResponse: rows(body, { path: 'savePath', field: 'saveField' }),
      waitForAnswer: checked(body, 'waitForAnswer'),
      answerTimeoutMs: text(body, 'answerTimeoutMs').trim(),
      system: text(body, 'system').trim(),
      skipEchoes: checked(body, 'skipEchoes'),
    };
    // Values posted for another content type or authorization are not saved (the page says so).
    const off = new Set(inapplicable(values));
    const options = {
      url: values.url,
      urlFromData: values.urlFromData,
      method: values.method || undefined,
      contentType: values.contentType || undefined,
      auth: values.auth,
      username: values.username === '' || off.has('username') ? undefined : values.username,
      params: values.params.map((p) => ({ name: p.name.trim(), value: p.value })),
      headers: values.headers.map((h) => ({ name: h.name.trim(), value: h.value })),
      sign: values.sign,
      xmlRoot: values.xmlRoot === '' || off.has('xmlRoot') ? undefined : values.xmlRoot,
      saveResponse: values.saveResponse.map((r) => ({ path: r.path.trim(), field: r.field.trim() })),
      waitForAnswer: values.waitForAnswer,
      // Kept as typed when it is not a number, so the schema's message names the field.
      answerTimeoutMs:
        values.answerTimeoutMs === ''
          ? undefined
          : /^\d+$/.test(values.answerTimeoutMs)
            ? Number(values.answerTimeoutMs)
            : values.answerTimeoutMs,
      // Skipping echoes is the default; only a webhook that names its system stores the choice.
      system: values.system === '' ? undefined : values.system,
      skipEchoes: values.system === '' || values.skipEchoes ? undefined : false,
    };
    const secrets: Record<string, string> = {};
    for (const name of ['password', 'token', 'applicationToken']) {
      const v = text(body, name);
      if (v !== '' && !off.has(name)) secrets[name] = v;
    }
    return { options, values, secrets: Object.keys(secrets).length > 0 ? secrets : undefined };
  },

  labels: WEBHOOK_LABELS,
  refreshable: true,

  // Signing needs a secret: one is made when signing is switched on without one, or on "rotate".
  generatedSecret: {
    name: 'signingSecret',
    wanted: (v, stored) => Boolean(v.rotateSecret || (v.sign && !stored.includes('signingSecret'))),
    generate: generateSigningSecret,
  },

  dropped(v, before) {
    return inapplicable(v).filter((k) => (k === 'xmlRoot' || k === 'username') && (isSet(v[k]) || isSet(before?.[k])));
  },

  view(v, ctx: TaskFormContext) {
    const paramErrors = rowErrors(ctx.errors, /^params\.(\d+)\.?(\w+)?/);
    const headerErrors = rowErrors(ctx.errors, /^headers\.(\d+)\.?(\w+)?/);
    const blank: Row = { name: '', value: '' };
    const set = new Set(ctx.secretsSet);
    return {
      methods: METHODS.map((m) => ({ value: m, selected: m === v.method })),
      contentTypes: CONTENT_TYPES.map((c) => ({ ...c, selected: c.value === v.contentType })),
      show: shown(v, ctx.errors),
      bodyHints: CONTENT_TYPES.map((c) => ({
        value: c.value,
        body: c.body,
        example: c.example,
        shown: c.value === (v.contentType || 'JSON'),
      })),
      auths: AUTH_TYPES.map((a) => ({ ...a, checked: a.value === v.auth })),
      paramRows: [
        ...(v.params as Row[]).map((p, i) => ({ ...p, errors: paramErrors.get(i) ?? {} })),
        blank,
        blank,
        blank,
      ],
      headerRows: [...(v.headers as Row[]).map((h, i) => ({ ...h, errors: headerErrors.get(i) ?? {} })), blank],
      refs: valueReferences(ctx.workflow, ctx.modules),
      saveRows: saveRowsView(v.saveResponse as SaveRow[], ctx),
      passwordSet: set.has('password'),
      tokenSet: set.has('token'),
      applicationTokenSet: set.has('applicationToken'),
      signingSecretSet: set.has('signingSecret'),
      // The systems existing permissions name: the usual destination systems (a suggestion list).
      systems: ctx.knownSystems ?? [],
    };
  },
};
