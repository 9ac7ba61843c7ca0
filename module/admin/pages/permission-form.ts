/**
 * The HTTP handler permission form: form post → the permission store's input, stored
 * permission → form values, values + errors → view. The store validates (sources strictly,
 * per line); this only translates. Pure.
 */
import type { FieldErrors } from '../../errors.js';
import type { HostUser } from '../../host.js';
import type { Permission } from '../../inbound/permissions.js';
import { checked, text, type FormBody } from '../../forms/form-values.js';

export interface PermissionFormValues {
  title: string;
  targetKind: 'workflow' | 'trigger';
  workflowId: string;
  triggerName: string;
  sources: string;
  token: string;
  requireIpAndToken: boolean;
  runAsUserId: string;
  enabled: boolean;
  rateLimitPerMinute: string;
  queryAsEnv: boolean;
  honeypotField: string;
  externalSystem: string;
}

export function blankPermissionValues(workflowId = ''): PermissionFormValues {
  return {
    title: '',
    targetKind: 'workflow',
    workflowId,
    triggerName: '',
    sources: '',
    token: 'keep',
    requireIpAndToken: false,
    runAsUserId: '',
    enabled: true,
    rateLimitPerMinute: '',
    queryAsEnv: false,
    honeypotField: '',
    externalSystem: '',
  };
}

export function valuesFromPermission(p: Permission): PermissionFormValues {
  return {
    title: p.title,
    targetKind: p.triggerName ? 'trigger' : 'workflow',
    workflowId: p.workflowId ? String(p.workflowId) : '',
    triggerName: p.triggerName ?? '',
    sources: p.sources.map((s) => s.text).join('\n'),
    token: 'keep',
    requireIpAndToken: p.requireIpAndToken,
    runAsUserId: p.runAsUserId ? String(p.runAsUserId) : '',
    enabled: p.enabled,
    rateLimitPerMinute: p.rateLimitPerMinute ? String(p.rateLimitPerMinute) : '',
    queryAsEnv: p.queryAsEnv,
    honeypotField: p.honeypotField ?? '',
    externalSystem: p.externalSystem ?? '',
  };
}

export function valuesFromPermissionForm(body: FormBody): PermissionFormValues {
  return {
    title: text(body, 'title'),
    targetKind: text(body, 'targetKind') === 'trigger' ? 'trigger' : 'workflow',
    workflowId: text(body, 'workflowId'),
    triggerName: text(body, 'triggerName').trim(),
    sources: text(body, 'sources'),
    token: text(body, 'token') || 'keep',
    requireIpAndToken: checked(body, 'requireIpAndToken'),
    runAsUserId: text(body, 'runAsUserId'),
    enabled: checked(body, 'enabled'),
    rateLimitPerMinute: text(body, 'rateLimitPerMinute').trim(),
    queryAsEnv: checked(body, 'queryAsEnv'),
    honeypotField: text(body, 'honeypotField').trim(),
    externalSystem: text(body, 'externalSystem').trim(),
  };
}

const idOrNull = (v: string) => (/^[1-9]\d{0,9}$/.test(v) ? Number(v) : null);

/** Form values → PermissionInput (the store names every bad field). */
export function toPermissionInput(v: PermissionFormValues) {
  const rate =
    v.rateLimitPerMinute === ''
      ? null
      : /^\d+$/.test(v.rateLimitPerMinute)
        ? Number(v.rateLimitPerMinute)
        : v.rateLimitPerMinute;
  return {
    title: v.title,
    workflowId: v.targetKind === 'workflow' ? idOrNull(v.workflowId) : null,
    triggerName: v.targetKind === 'trigger' && v.triggerName !== '' ? v.triggerName : null,
    sources: v.sources,
    token: v.token,
    requireIpAndToken: v.requireIpAndToken,
    runAsUserId: idOrNull(v.runAsUserId),
    enabled: v.enabled,
    rateLimitPerMinute: rate,
    queryAsEnv: v.queryAsEnv,
    honeypotField: v.honeypotField || null,
    externalSystem: v.externalSystem || null,
  };
}

/** Source-line errors (`sources.<line>`) as a list, in line order. */
export function sourceErrors(errors: FieldErrors): string[] {
  return Object.entries(errors)
    .filter(([k]) => /^sources\.\d+$/.test(k))
    .sort(([a], [b]) => Number(a.split('.')[1]) - Number(b.split('.')[1]))
    .map(([k, m]) => `Line ${k.split('.')[1]}: ${m}`);
}

export function permissionFormView(
  v: PermissionFormValues,
  ctx: {
    workflows: Array<{ id: number; title: string; module: string }>;
    users: HostUser[];
    isNew: boolean;
    hasToken: boolean;
  },
  errors: FieldErrors = {},
) {
  return {
    values: v,
    errors,
    isNew: ctx.isNew,
    hasToken: ctx.hasToken,
    sourceErrors: sourceErrors(errors),
    workflows: ctx.workflows.map((w) => ({ ...w, selected: String(w.id) === v.workflowId })),
    users: ctx.users
      .filter((u) => u.active)
      .map((u) => ({ id: u.id, label: `${u.name} <${u.email}>`, selected: String(u.id) === v.runAsUserId })),
    tokenModes: ctx.isNew
      ? [
          { value: 'keep', label: 'No token', checked: v.token !== 'generate' },
          { value: 'generate', label: 'Generate a token (shown once)', checked: v.token === 'generate' },
        ]
      : [
          { value: 'keep', label: ctx.hasToken ? 'Keep the current token' : 'No token', checked: v.token === 'keep' },
          {
            value: 'generate',
            label: ctx.hasToken ? 'Generate a new token (the old one stops working)' : 'Generate a token (shown once)',
            checked: v.token === 'generate',
          },
          ...(ctx.hasToken ? [{ value: 'remove', label: 'Remove the token', checked: v.token === 'remove' }] : []),
        ],
  };
}
