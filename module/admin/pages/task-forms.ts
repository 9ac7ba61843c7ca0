/**
 * One form per task type: stored options → form values, form post → options (+ write-only
 * secrets), and the lists the view needs. The task type's own zod schema and checks (run by
 * WorkflowService) stay the only validation; these functions only translate. Pure.
 */
import type { ModuleInfo, HostUser } from '../../host.js';
import type { FieldErrors } from '../../errors.js';
import type { StoredTask, Workflow } from '../../workflows/model.js';
import { text, type FormBody } from './form-values.js';
import { webhookForm } from './task-form-webhook.js';
import { createRecordForm, updateRecordForm } from './task-form-records.js';
import { respondForm, sendEmailForm, setEnvForm } from './task-form-misc.js';

/** What a task form view may use besides its own values. */
export interface TaskFormContext {
  workflow: Pick<Workflow, 'module' | 'requiredEnv'>;
  modules: ModuleInfo[];
  users: HostUser[];
  /** Names of the secrets stored for this task (never their values). */
  secretsSet: string[];
  errors: FieldErrors;
}

export interface ParsedTaskForm {
  options: unknown;
  /** Write-only secrets typed into the form; undefined keeps what is stored. */
  secrets?: Record<string, string>;
  values: Record<string, unknown>;
  /** Form-level problems found before the service sees the options (e.g. JSON that does not parse). */
  errors?: FieldErrors;
}

export interface TaskForm {
  /** Values for a new task of this type. */
  blank(ctx: Pick<TaskFormContext, 'workflow'>): Record<string, unknown>;
  fromOptions(options: any): Record<string, unknown>;
  fromBody(body: FormBody): ParsedTaskForm;
  /** The view model of the type's partial (`task-<type>.hbs`). */
  view(values: Record<string, any>, ctx: TaskFormContext): Record<string, unknown>;
  /** Labels that name a field in its error messages (keys as in errors: `url`, `params.*.name`). */
  labels: Record<string, string>;
  /**
   * Option names set in the posted `values` or in the stored ones (`before`) that this save
   * removes because they do not apply to what is chosen now (the page says so).
   */
  dropped?(values: Record<string, unknown>, before: Record<string, unknown> | null): string[];
}

/** Labels of the fields every task form has. */
export const COMMON_LABELS: Record<string, string> = { title: 'Title', description: 'Description', type: 'Task type' };

export const TASK_FORMS: Record<string, TaskForm> = {
  webhook: webhookForm,
  create_record: createRecordForm,
  update_record: updateRecordForm,
  send_email: sendEmailForm,
  set_env: setEnvForm,
  respond: respondForm,
};

/** Order of the "add a task" menu. */
export const TASK_TYPE_ORDER = ['webhook', 'create_record', 'update_record', 'send_email', 'set_env', 'respond'];

export function taskFormFor(type: string): TaskForm | undefined {
  return Object.hasOwn(TASK_FORMS, type) ? TASK_FORMS[type] : undefined;
}

/** Title and description, common to every task type. */
export function commonFromBody(body: FormBody): { title: string; description: string | null } {
  const description = text(body, 'description').trim();
  return { title: text(body, 'title'), description: description === '' ? null : description };
}

/**
 * Suggestions for value inputs (a `<datalist>`): the workflow module's fields, its required
 * `$env` fields, the record owner and the event. Works without JavaScript.
 */
export function valueReferences(workflow: Pick<Workflow, 'module' | 'requiredEnv'>, modules: ModuleInfo[]): Array<{ value: string; label: string }> {
  const mod = modules.find((m) => m.name === workflow.module);
  return [
    { value: '{{record.id}}', label: `${mod?.label ?? workflow.module}: record id` },
    ...(mod?.fields ?? []).map((f) => ({ value: `{{record.${f.name}}}`, label: `${mod!.label}: ${f.label}` })),
    ...workflow.requiredEnv.map((e) => ({ value: `{{env.${e.name}}}`, label: `$env: ${e.name}` })),
    { value: '{{user.name}}', label: 'Record owner: name' },
    { value: '{{user.email}}', label: 'Record owner: email' },
    { value: '{{event.type}}', label: 'Event type' },
    { value: '{{event.time}}', label: 'Event time' },
  ];
}

/** One line describing a task in the task list. */
export function taskSummary(task: Pick<StoredTask, 'type' | 'options'>): string {
  const o = (task.options ?? {}) as Record<string, any>;
  switch (task.type) {
    case 'webhook': return `${o.method ?? 'POST'} ${o.url ?? ''} · ${o.contentType ?? 'JSON'}${o.auth && o.auth !== 'none' ? ` · ${o.auth} auth` : ''}${o.sign ? ' · signed' : ''}`;
    case 'create_record': return `Creates a ${o.module ?? ''} record (${(o.fields ?? []).length} fields)`;
    case 'update_record': return `Updates ${o.recordId ? `${o.module ?? 'a'} record ${o.recordId}` : 'the record'} (${(o.fields ?? []).length} fields)`;
    case 'send_email': return `Mails ${o.to?.kind === 'address' ? o.to.address : o.to?.kind === 'user' ? `user ${o.to.userId}` : 'the record owner'}: ${o.subject ?? ''}`;
    case 'set_env': return `Sets ${(o.values ?? []).map((v: { name: string }) => `$env.${v.name}`).join(', ')}`;
    case 'respond': return o.redirectUrl ? `Redirects to ${o.redirectUrl}` : `Answers${o.status ? ` ${o.status}` : ''} with JSON`;
    default: return '';
  }
}
