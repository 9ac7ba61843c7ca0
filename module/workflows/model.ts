/**
 * Workflow shapes: the input the management API and import accept (zod), and the stored
 * form the engine reads. Schema and type share a name.
 */
import { z } from 'zod';
import { ConditionSet } from './conditions.js';
import { parseJson } from '../storage/json.js';
import { Schedule } from './schedule-policy.js';

export const WorkflowStatus = z.enum(['draft', 'active', 'inactive']);
export type WorkflowStatus = z.infer<typeof WorkflowStatus>;

export const RunMode = z.enum(['every_event', 'once_per_record']);
export const ExecMode = z.enum(['sync', 'async']);

export const RequiredEnvField = z.object({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
  type: z.enum(['text', 'number', 'datetime', 'email']).default('text'),
  required: z.boolean().default(true),
});
export type RequiredEnvField = z.infer<typeof RequiredEnvField>;

export const TaskInput = z.object({
  /** Id of an existing task of this workflow to keep (its log stays attached). Omit for new tasks. */
  id: z.number().int().positive().optional(),
  type: z.string().min(1).max(32),
  title: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional().nullable(),
  options: z.unknown(),
  /** Write-only credentials; omitted keeps the stored ones, null clears them. */
  secrets: z.record(z.string(), z.string().max(4000)).optional().nullable(),
});
export type TaskInput = z.infer<typeof TaskInput>;

export const WorkflowInput = z.object({
  module: z.string().min(1).max(64),
  title: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional().nullable(),
  status: WorkflowStatus.default('draft'),
  /** A canonical trigger (`record.updated`, `http` …) or a Bitrix24 event name (`ONCRMDEALUPDATE`). */
  trigger: z.string().min(1).max(40),
  /** Name HTTP callers use (`?trigger=leadform`). */
  triggerName: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
    .optional()
    .nullable(),
  conditions: ConditionSet.default({ join: 'all', conditions: [] }),
  /** For the `schedule` trigger: a cron expression, or an offset from a date field. */
  schedule: Schedule.optional().nullable(),
  runMode: RunMode.default('every_event'),
  execMode: ExecMode.default('sync'),
  requiredEnv: z.array(RequiredEnvField).max(100).default([]),
  tasks: z.array(TaskInput).max(50).default([]),
});
export type WorkflowInput = z.input<typeof WorkflowInput>;
export type ParsedWorkflowInput = z.infer<typeof WorkflowInput>;

/** A stored task as the engine uses it (secrets still sealed). */
export interface StoredTask {
  id: number;
  workflowId: number;
  position: number;
  type: string;
  title: string;
  description: string | null;
  options: unknown;
  sealedSecrets: string | null;
  disabledAt: number | null;
  disabledReason: string | null;
}

/** A stored workflow with its tasks in order. */
export interface Workflow {
  id: number;
  module: string;
  title: string;
  description: string | null;
  status: WorkflowStatus;
  trigger: string;
  triggerName: string | null;
  conditions: z.infer<typeof ConditionSet>;
  /** Set for the `schedule` trigger only. */
  schedule?: Schedule | null;
  runMode: z.infer<typeof RunMode>;
  execMode: z.infer<typeof ExecMode>;
  requiredEnv: RequiredEnvField[];
  ownerUserId: number | null;
  createdAt: number;
  updatedAt: number;
  tasks: StoredTask[];
}

/** Public view of a task: secrets never leave, only which ones are set. */
export function publicTask(task: StoredTask, secretNames: string[]) {
  return {
    id: task.id,
    position: task.position,
    type: task.type,
    title: task.title,
    description: task.description,
    options: task.options,
    secretsSet: secretNames,
    disabledAt: task.disabledAt,
    disabledReason: task.disabledReason,
  };
}

export function workflowFromRow(row: Record<string, any>, tasks: StoredTask[]): Workflow {
  return {
    id: Number(row.id),
    module: row.module,
    title: row.title,
    description: row.description ?? null,
    status: row.status,
    trigger: row.trigger,
    triggerName: row.trigger_name ?? null,
    conditions: { join: row.condition_join, conditions: parseJson(row.conditions, []) },
    schedule: parseJson(row.schedule, null),
    runMode: row.run_mode,
    execMode: row.exec_mode,
    requiredEnv: parseJson(row.required_env, []),
    ownerUserId: row.owner_user_id == null ? null : Number(row.owner_user_id),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    tasks,
  };
}

export function taskFromRow(row: Record<string, any>): StoredTask {
  return {
    id: Number(row.id),
    workflowId: Number(row.workflow_id),
    position: Number(row.position),
    type: row.type,
    title: row.title,
    description: row.description ?? null,
    options: parseJson(row.options, {}),
    sealedSecrets: row.secrets ?? null,
    disabledAt: row.disabled_at == null ? null : Number(row.disabled_at),
    disabledReason: row.disabled_reason ?? null,
  };
}
