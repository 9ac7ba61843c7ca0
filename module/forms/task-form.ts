/**
 * What a task type's form is: stored options → form values, form post → options (+ write-only
 * secrets), and the view model of its form.hbs. Each task type has one, in its own folder
 * (workflows/tasks/<type>/form.ts); the type's zod schema and checks (run by WorkflowService)
 * stay the only validation, a form only translates. Pure.
 *
 * This folder is neutral ground: the task types (workflows/) and the admin pages both import it,
 * so it imports neither — the workflow and task shapes it needs are declared structurally here.
 */
import type { ModuleInfo, HostUser } from '../host.js';
import type { FieldErrors } from '../errors.js';
import { text, type FormBody } from './form-values.js';
import { relatedFieldChoices } from '../related-paths.js';

/** What a task form reads of its workflow (a stored Workflow is one). */
export interface TaskFormWorkflow {
  module: string;
  requiredEnv: ReadonlyArray<{ name: string }>;
}

/** What a task form view may use besides its own values. */
export interface TaskFormContext {
  workflow: TaskFormWorkflow;
  modules: ModuleInfo[];
  users: HostUser[];
  /** Names of the secrets stored for this task (never their values). */
  secretsSet: string[];
  errors: FieldErrors;
  /** External systems the HTTP handler permissions name (suggestions for a webhook's destination). Default none. */
  knownSystems?: string[];
}

export interface ParsedTaskForm {
  options: unknown;
  /** Write-only secrets typed into the form; undefined keeps what is stored. */
  secrets?: Record<string, string>;
  values: Record<string, unknown>;
  /** Form-level problems found before the service sees the options (e.g. JSON that does not parse). */
  errors?: FieldErrors;
}

/**
 * A secret the page makes on save instead of the admin typing it (the webhook's signing secret).
 * The new value is stored under `name` and shown once, on its own page.
 */
export interface GeneratedSecret {
  name: string;
  /** Whether this save makes a new one: asked for in the posted values, or needed and none is stored. */
  wanted(values: Record<string, unknown>, storedSecrets: readonly string[]): boolean;
  generate(): string;
}

export interface TaskForm {
  /** Values for a new task of this type. */
  blank(ctx: Pick<TaskFormContext, 'workflow'>): Record<string, unknown>;
  fromOptions(options: any): Record<string, unknown>;
  fromBody(body: FormBody): ParsedTaskForm;
  /** The view model of the type's form.hbs (registered as partial `task-<type id>`). */
  view(values: Record<string, any>, ctx: TaskFormContext): Record<string, unknown>;
  /**
   * Labels that name a field in its error messages (keys as in errors: `url`, `params.*.name`).
   * Their first segments are also the fields the form shows errors beside; an error on any
   * other key is listed at the top of the form.
   */
  labels: Record<string, string>;
  /**
   * Option names set in the posted `values` or in the stored ones (`before`) that this save
   * removes because they do not apply to what is chosen now (the page says so).
   */
  dropped?(values: Record<string, unknown>, before: Record<string, unknown> | null): string[];
  /**
   * True when what the form shows depends on a choice in it (content type, target module):
   * without JavaScript, "Update form" re-renders a post without saving. Default false.
   */
  refreshable?: boolean;
  /** A secret generated on save rather than typed. Default none. */
  generatedSecret?: GeneratedSecret;
}

/** Labels of the fields every task form has. */
export const COMMON_LABELS: Record<string, string> = { title: 'Title', description: 'Description', type: 'Task type' };

/** Title and description, common to every task type. */
export function commonFromBody(body: FormBody): { title: string; description: string | null } {
  const description = text(body, 'description').trim();
  return { title: text(body, 'title'), description: description === '' ? null : description };
}

/**
 * Suggestions for value inputs (a `<datalist>`): the workflow module's fields, its required
 * `$env` fields, the record owner and the event. Works without JavaScript.
 */
export function valueReferences(
  workflow: TaskFormWorkflow,
  modules: ModuleInfo[],
): Array<{ value: string; label: string }> {
  const mod = modules.find((m) => m.name === workflow.module);
  return [
    { value: '{{record.id}}', label: `${mod?.label ?? workflow.module}: record id` },
    ...(mod?.fields ?? []).map((f) => ({ value: `{{record.${f.name}}}`, label: `${mod!.label}: ${f.label}` })),
    // The records it refers to, one or two hops (read when the run starts).
    ...(mod ? relatedFieldChoices(modules, mod) : []).map((r) => ({
      value: `{{record.${r.path}}}`,
      label: `${mod!.label}: ${r.label}`,
    })),
    ...workflow.requiredEnv.map((e) => ({ value: `{{env.${e.name}}}`, label: `$env: ${e.name}` })),
    { value: '{{user.name}}', label: 'Record owner: name' },
    { value: '{{user.email}}', label: 'Record owner: email' },
    { value: '{{event.type}}', label: 'Event type' },
    { value: '{{event.time}}', label: 'Event time' },
  ];
}
