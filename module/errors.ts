/**
 * A few coded errors. Routes map them to `{ error: { code, message, fields? } }` with
 * their HTTP status; anything that is not a HookflowError is logged and answered 500.
 */

export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'validation_failed'
  | 'rate_limited'
  | 'unavailable'
  | 'task_failed'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  rate_limited: 429,
  unavailable: 503,
  task_failed: 500,
  internal: 500,
};

/** field path (dot/bracket form) → message */
export type FieldErrors = Record<string, string>;

export class HookflowError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields?: FieldErrors;

  constructor(code: ErrorCode, message: string, fields?: FieldErrors) {
    super(message);
    this.name = 'HookflowError';
    this.code = code;
    this.status = STATUS[code];
    if (fields && Object.keys(fields).length > 0) this.fields = fields;
  }

  toJSON(): { code: ErrorCode; message: string; fields?: FieldErrors } {
    return this.fields
      ? { code: this.code, message: this.message, fields: this.fields }
      : { code: this.code, message: this.message };
  }
}

/**
 * Any error as one line, for command-line tools and logs: the first line of its message (knex and
 * drivers sometimes append SQL or stacks), then each bad field (`workflows.1.module: unknown module`).
 */
export function errorLine(err: unknown): string {
  const message =
    String((err as Error)?.message ?? err)
      .split('\n')[0]
      .trim() || 'failed';
  const fields = (err as { fields?: Record<string, string> } | null)?.fields;
  if (!fields || typeof fields !== 'object') return message;
  return `${message}: ${Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ')}`;
}

export function isHookflowError(err: unknown): err is HookflowError {
  return err instanceof HookflowError;
}

/**
 * Field messages are predicates without their subject, because the key names the field:
 * `{ "title": "is required", "tasks.0.options.method": "must be one of POST, PUT, PATCH, DELETE, GET" }`.
 * Pages put the field's label in front ("Title is required", see withSubject). What cannot be a
 * predicate is a sentence ("Template syntax error: a {{ is not closed").
 */
const PREDICATE = /^(is|are|must|may|has|have|needs|cannot|can|should|does|duplicates|overlaps|mixes|contains)\b/;

export function isPredicate(message: string): boolean {
  return PREDICATE.test(message);
}

/** "Title" + "is required" → "Title is required"; a sentence keeps its own start: "Trigger: unknown …". */
export function withSubject(subject: string, message: string): string {
  return isPredicate(message) ? `${subject} ${message}` : `${subject}: ${message}`;
}
