/**
 * Save-time validation of a workflow: schema, module, trigger, conditions, every task's
 * options (its zod schema + its own checks) and every template string. All problems are
 * collected so a 422 lists every bad field at once.
 */
import type { z } from 'zod';
import type { ModuleInfo } from '../host.js';
import type { HookflowSettings } from '../config.js';
import { HookflowError, type FieldErrors } from '../errors.js';
import { fieldsFromZod } from '../validation-messages.js';
import { WorkflowInput, type ParsedWorkflowInput } from './model.js';
import { parseTriggerInput } from './triggers.js';
import { moduleDescriptionProblems } from '../module-check.js';
import { collectStrings, type AnyTaskDefinition } from './task-types.js';
import { checkRelatedTemplates, conditionSetProblems } from './related-checks.js';
import { checkCron, checkTimeZone } from './schedule-policy.js';
import { sweepConditionProblems } from './backfill-policy.js';

export interface ValidatedTask {
  id?: number;
  type: string;
  title: string;
  description: string | null;
  options: unknown;
  secrets: Record<string, string> | null | undefined;
}

export interface ValidatedWorkflow extends Omit<ParsedWorkflowInput, 'tasks' | 'trigger'> {
  trigger: string;
  tasks: ValidatedTask[];
}

export interface ValidationDeps {
  modules: ModuleInfo[];
  taskTypes: Map<string, AnyTaskDefinition>;
  checkTemplate(template: unknown): string | null;
  settings: HookflowSettings;
}

function checkTrigger(input: ParsedWorkflowInput, modules: readonly ModuleInfo[], errors: FieldErrors): string {
  const parsed = parseTriggerInput(input.trigger, modules, input.module);
  if (!parsed) {
    errors.trigger = `unknown trigger ${input.trigger}; use record.created, record.updated, record.saved, record.deleted, http, schedule or a Bitrix24 event name`;
    return input.trigger;
  }
  if (parsed.module && parsed.module !== input.module)
    errors.trigger = `${input.trigger} is an event of ${parsed.module}, not ${input.module}`;
  return parsed.trigger;
}

/** The schedule trigger needs a schedule (and only it takes one): a cron that parses, a zone, a date field. */
function checkSchedule(input: ParsedWorkflowInput, trigger: string, mod: ModuleInfo | undefined, errors: FieldErrors) {
  const s = input.schedule;
  if (trigger !== 'schedule') {
    if (s) errors.schedule = 'applies to the schedule trigger only; remove it or choose the schedule trigger';
    return;
  }
  if (!s) return void (errors.schedule = 'the schedule trigger needs a schedule: a cron expression or a date field');
  const zone = checkTimeZone(s.timeZone);
  if (zone) errors['schedule.timeZone'] = zone;
  if (s.kind === 'cron') {
    const cron = checkCron(s.cron);
    if (cron) errors['schedule.cron'] = cron;
    // A plain cron slot runs with no record, so there is nothing to test; one over every record
    // tests each as it is now, so a condition needing a change could never pass.
    if (!s.forEachRecord && input.conditions.conditions.length > 0)
      errors.conditions =
        'a cron schedule runs with no record; remove the conditions, or tick “for every matching record”';
    if (s.forEachRecord) Object.assign(errors, sweepConditionProblems(input));
    return;
  }
  const field = mod?.fields.find((f) => f.name === s.field);
  if (mod && !field) errors['schedule.field'] = `unknown field ${s.field} of ${mod.name}`;
  else if (field && field.type !== 'date') errors['schedule.field'] = `${s.field} is a ${field.type} field, not a date`;
}

/**
 * One task's options as saving checks them: its schema, every template string, its own checks.
 * Errors are keyed relative to the options (`params.1.value`); `options` is set once the schema passed.
 */
export function checkTaskOptions(
  def: AnyTaskDefinition,
  raw: unknown,
  module: string,
  deps: Omit<ValidationDeps, 'taskTypes'>,
): { options?: unknown; errors: FieldErrors } {
  const parsed = def.options.safeParse(raw ?? {});
  if (!parsed.success) return { errors: fieldsFromZod(parsed.error as z.ZodError) };
  const errors: FieldErrors = {};
  const strings = collectStrings(parsed.data, '').map((s) => ({ path: s.path.slice(1), value: s.value }));
  for (const { path, value } of strings) {
    const problem = deps.checkTemplate(value);
    if (problem) errors[path] = problem;
  }
  // `{{record.account.nme}}`: a related record's field that does not exist.
  const mod = deps.modules.find((m) => m.name === module);
  if (mod) for (const [k, v] of Object.entries(checkRelatedTemplates(deps.modules, mod, strings))) errors[k] ??= v;
  const own =
    def.validate?.(parsed.data, {
      workflowModule: module,
      modules: deps.modules,
      checkTemplate: deps.checkTemplate,
      settings: deps.settings,
    }) ?? {};
  for (const [k, v] of Object.entries(own)) errors[k] = v;
  return { options: parsed.data, errors };
}

function checkTask(
  task: ParsedWorkflowInput['tasks'][number],
  i: number,
  input: ParsedWorkflowInput,
  deps: ValidationDeps,
  errors: FieldErrors,
): ValidatedTask | null {
  const prefix = `tasks.${i}`;
  const def = deps.taskTypes.get(task.type);
  if (!def) {
    errors[`${prefix}.type`] = `unknown task type ${task.type}; use one of ${[...deps.taskTypes.keys()].join(', ')}`;
    return null;
  }
  const checked = checkTaskOptions(def, task.options, input.module, deps);
  for (const [k, v] of Object.entries(checked.errors)) errors[`${prefix}.options${k ? `.${k}` : ''}`] = v;
  if (!('options' in checked)) return null;
  const parsed = { data: checked.options };
  if (task.secrets && def.secrets) {
    const s = def.secrets.safeParse(task.secrets);
    if (!s.success) Object.assign(errors, fieldsFromZod(s.error as z.ZodError, `${prefix}.secrets`));
  } else if (task.secrets && Object.keys(task.secrets).length > 0) {
    errors[`${prefix}.secrets`] = `task type ${task.type} takes no secrets`;
  }
  return {
    id: task.id,
    type: task.type,
    title: task.title,
    description: task.description ?? null,
    options: parsed.data,
    secrets: task.secrets,
  };
}

/** Validates raw input; throws a 422 HookflowError naming every bad field. */
export function validateWorkflowInput(raw: unknown, deps: ValidationDeps): ValidatedWorkflow {
  const parsed = WorkflowInput.safeParse(raw);
  if (!parsed.success) {
    // Still check the tasks, so one answer names every bad field.
    const errors = fieldsFromZod(parsed.error);
    // Only what the task checks need (module and tasks): a bad title must not hide bad tasks.
    const lenient = WorkflowInput.pick({ module: true, tasks: true }).safeParse(raw);
    if (lenient.success) {
      const input = { ...(raw as object), ...lenient.data } as ParsedWorkflowInput;
      input.tasks.forEach((t, i) => checkTask(t, i, input, deps, errors));
    }
    throw new HookflowError('validation_failed', 'The workflow is not valid', errors);
  }
  const input = parsed.data;
  const errors: FieldErrors = {};
  const mod = deps.modules.find((m) => m.name === input.module);
  if (!mod) errors.module = `unknown module ${input.module}; use one of ${deps.modules.map((m) => m.name).join(', ')}`;
  else {
    const problems = Object.entries(
      moduleDescriptionProblems(
        mod,
        deps.modules.map((m) => m.name),
      ),
    );
    if (problems.length > 0)
      errors.module = `the host describes ${mod.name} badly: ${problems[0][0]} ${problems[0][1]}`;
  }
  const trigger = checkTrigger(input, deps.modules, errors);
  if (input.triggerName && trigger !== 'http')
    errors.triggerName = 'applies to the http trigger only; remove it or choose the http trigger';
  checkSchedule(input, trigger, mod, errors);
  // A condition on a related record (`account.industry`) is checked against that module.
  if (mod) Object.assign(errors, conditionSetProblems(deps.modules, mod, input.conditions));
  const tasks = input.tasks.map((t, i) => checkTask(t, i, input, deps, errors));
  if (Object.keys(errors).length > 0) throw new HookflowError('validation_failed', 'The workflow is not valid', errors);
  return { ...input, trigger, tasks: tasks as ValidatedTask[] };
}
