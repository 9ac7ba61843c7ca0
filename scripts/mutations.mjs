/**
 * The invariants the mutation check (scripts/mutation-check.mjs) proves are guarded: for each, a
 * small textual change to the product code that removes the feature, and the tests (file and
 * test name) that must fail on every engine when it is gone. `find` must occur exactly once in
 * `file`, so a refactoring that moves the code makes the check fail loudly instead of proving
 * nothing; then update `find` here.
 */
const ENGINE = 'test/integration/workflows/engine.test.ts';
const RECOVERY = 'test/integration/workflows/run-recovery.test.ts';
const DELIVERY = 'test/integration/outbound/delivery.test.ts';
const DISABLE = 'test/integration/outbound/webhook-disable.test.ts';
const RESEND = 'test/integration/outbound/resend.test.ts';
const WRITE_BACK = 'test/integration/outbound/write-back.test.ts';
const CONFIG_CACHE = 'test/integration/inbound/config-cache.test.ts';

export const MUTATIONS = [
  {
    name: 'resume-after-crash',
    what: 'a re-claimed run re-runs the tasks it had finished',
    file: 'module/workflows/executor.ts',
    find: "const done = new Map(run.taskResults.filter((r) => r.status !== 'failed').map((r) => [r.taskId, r]));",
    replace: 'const done = new Map<number, TaskResult>();',
    tests: [{ file: RECOVERY, name: 'a re-claimed run resumes after its last finished task: nothing finished runs again' }],
  },
  {
    name: 'origin-key-idempotence',
    what: 'enqueueing the same (run, task) again queues a second delivery',
    file: 'module/outbound/queue/enqueue.ts',
    find: 'if (d.originKey) {',
    replace: 'if (false && d.originKey) {',
    tests: [
      { file: RECOVERY, name: 'enqueuing the same (run, task) twice yields one delivery, with the first webhook-id' },
      { file: RECOVERY, name: 'a run repeating its webhook task after a crash finds the delivery it queued; its log names that webhook-id' },
    ],
  },
  {
    name: 'lease-lost-check',
    what: 'a worker whose run lease was taken over keeps executing and writing',
    file: 'module/workflows/executor.ts',
    find: 'if (!kept) throw new Error(',
    replace: 'if (false) throw new Error(',
    tests: [{ file: RECOVERY, name: 'a worker whose lease was taken between two tasks stops: the next task never runs and nothing more is written' }],
  },
  {
    name: 'chain-depth-limit',
    what: 'record changes made by runs start further runs without limit',
    file: 'module/workflows/hooks.ts',
    find: 'const limitReached = depth >= settings.chainDepthLimit;',
    replace: 'const limitReached = false;',
    tests: [{ file: ENGINE, name: 'a self-updating workflow stops at the chain depth limit and says why' }],
  },
  {
    name: 'run-once-per-record',
    what: 'a once-per-record workflow runs on every matching event',
    file: 'module/workflows/hooks.ts',
    find: "if (wf.runMode === 'once_per_record' && !(await claimOncePerRecord(trx, wf, e, runId, now))) {",
    replace: 'if (false) {',
    tests: [{ file: ENGINE, name: 'run once per record: only the first matching event runs' }],
  },
  {
    name: 'honeypot',
    what: 'a request with the trap field filled runs the workflow',
    file: 'module/inbound/inbound-handler.ts',
    find: 'if (honeypotFilled(ctx.permission, env)) {',
    replace: 'if (false) {',
    tests: [{ file: 'test/integration/inbound/access-and-modes.test.ts', name: 'honeypot: a filled trap field gets a 200, runs nothing, and is logged' }],
  },
  {
    name: 'per-record-event-order',
    what: 'a later run of a record is claimed while an earlier one is unfinished',
    file: 'module/workflows/runs.ts',
    find: "\n    AND NOT EXISTS (SELECT 1 FROM hookflow_runs p WHERE p.order_key = r.order_key AND p.id < r.id AND p.status IN ('queued', 'running'))",
    replace: '',
    tests: [{ file: ENGINE, name: 'runs of one record are claimed strictly in event order; other records are not held up' }],
  },
  {
    name: 'gone-disables-webhook',
    what: 'a 410 Gone from a static URL leaves the webhook task enabled',
    file: 'module/outbound/delivery-processor.ts',
    find: "if (decision.action === 'fail' && decision.disableWebhook && target) await disable(target.taskId, d.url);",
    replace: '',
    tests: [{ file: DISABLE, name: '410 on a static URL disables; queued and new deliveries are held; re-enable sends each once, in order' }],
  },
  {
    name: 'failed-delivery-queues-alert',
    what: 'a delivery that fails writes no alert row',
    file: 'module/outbound/queue/record-attempts.ts',
    find: 'if (failed.length > 0 && onFinalFailure) await onFinalFailure(trx, failed);',
    replace: '',
    tests: [
      { file: DELIVERY, name: 'retries exhausted: failed, with an alert queued; 410 on a templated URL fails that delivery only' },
      { file: 'test/integration/outbound/per-host-cap.test.ts', name: 'attempts are written together, but only by the lease holder: a late writer whose lease was re-taken changes nothing' },
    ],
  },
  {
    name: 'failed-delivery-alert-state',
    what: "a failed delivery's alert_state stays 'none' instead of 'pending'",
    file: 'module/outbound/queue/record-attempts.ts',
    find: "next.status === 'failed' ? 'pending' : 'none',",
    replace: "'none',",
    tests: [{ file: 'test/integration/outbound/per-host-cap.test.ts', name: 'attempts are written together, but only by the lease holder: a late writer whose lease was re-taken changes nothing' }],
  },
  {
    name: 'failed-run-queues-alert',
    what: 'a run that fails writes no alert row with its failure',
    file: 'module/workflows/runs.ts',
    find: '    await onFailed(trx, { runId: run.id, workflowId: run.workflowId });\n',
    replace: '',
    tests: [
      { file: 'test/integration/alerts/run-alerts.test.ts', name: 'a failed run: one alert row; the owner and each active admin mailed once, naming task, field and reason' },
      { file: 'test/integration/alerts/run-alerts.test.ts', name: 'the failure and its alert row commit together: a rollback leaves neither, a failed alert write fails nothing' },
    ],
  },
  {
    name: 'alert-recipient-mailed-once',
    what: 'an alert retried after a partial send mails again everyone who already got it',
    file: 'module/alerts/alert-queue.ts',
    find: "const rows = await db('hookflow_alert_recipients').whereIn('alert_id', ids).select('alert_id', 'address');",
    replace: 'const rows: Array<Record<string, any>> = [];',
    tests: [{ file: 'test/integration/alerts/alert-retry.test.ts', name: 'a recipient refused temporarily: the others are not mailed twice when the alert is retried' }],
  },
  {
    name: 'delivery-lease-holder-only',
    what: 'a worker whose delivery lease was re-taken still writes its attempt and outcome',
    file: 'module/outbound/queue/record-attempts.ts',
    find: 'const kept = writes.map((w) => owners.get(w.delivery.id) === w.workerId);',
    replace: 'const kept = writes.map(() => true);',
    tests: [{ file: 'test/integration/outbound/per-host-cap.test.ts', name: 'attempts are written together, but only by the lease holder: a late writer whose lease was re-taken changes nothing' }],
  },
  {
    name: 'disabled-webhook-holds',
    what: 'events of a disabled webhook queue deliveries that are sent at once instead of held',
    file: 'module/workflows/executor.ts',
    find: 'if (!queue || task.disabledAt == null) return queue;',
    replace: 'return queue;',
    tests: [{ file: DISABLE, name: '410 on a static URL disables; queued and new deliveries are held; re-enable sends each once, in order' }],
  },
  {
    name: 'templated-410-fails-one',
    what: 'a 410 from a templated URL disables the webhook for every record',
    file: 'module/outbound/delivery-processor.ts',
    find: 'urlCarriesRecordData: target?.options ? urlCarriesRecordData(target.options) : false,',
    replace: 'urlCarriesRecordData: false,',
    tests: [{ file: DISABLE, name: '410 on a templated URL fails that delivery only; the webhook stays on for other records' }],
  },
  {
    name: 'resend-reopens-only-finished',
    what: 'a resend of a delivery still on its way queues it a second time',
    file: 'module/outbound/queue/resend.ts',
    find: ".where({ id: d.id }).whereIn('status', FINISHED)",
    replace: '.where({ id: d.id })',
    tests: [{ file: RESEND, name: 'a resend is a new attempt of the same message: same id and body, fresh timestamp and signature, who asked' }],
  },
  {
    name: 'bulk-resend-skips-handled',
    what: 'bulk resend sends again what a resend already delivered or is delivering',
    file: 'module/outbound/log-api.ts',
    find: '    if (skip.has(d.id)) continue;',
    replace: '',
    tests: [{ file: RESEND, name: 'bulk resend honours copies made by an earlier release (resend_of_id)' }],
  },
  {
    name: 'write-back-saves-answer',
    what: 'a webhook answer is thrown away instead of written onto the record',
    file: 'module/outbound/save-answer.ts',
    find: "if (!d.writeBack || sent.outcome !== 'success') return null;",
    replace: 'return null;',
    tests: [{ file: WRITE_BACK, name: "a 2xx answer fills invoice_id, as the run's actor, and starts workflows one chain step deeper" }],
  },
  {
    name: 'write-back-no-overwrite',
    what: 'a write-back overwrites a field a person changed after the delivery was queued',
    file: 'module/workflows/answer-writer.ts',
    find: 'if (conflicts.length > 0) return',
    replace: 'if (false) return',
    tests: [{ file: WRITE_BACK, name: 'an edit made while the request was out is reported, not overwritten, and alerts' }],
  },
  {
    name: 'permission-change-bumps-version',
    what: 'a permission changed through one process keeps being honoured from another process\'s cache',
    file: 'module/inbound/permissions.ts',
    find: 'await bumpConfigVersion(trx, deps.now());',
    replace: 'void trx;',
    tests: [
      { file: CONFIG_CACHE, name: 'a rotated token is refused at once by the install that rotated it and by the other once the bound has passed' },
      { file: CONFIG_CACHE, name: 'a permission disabled, then deleted, on one install is refused by the other once the bound has passed' },
    ],
  },
  {
    name: 'workflow-change-bumps-version',
    what: 'a workflow deactivated through one process keeps starting runs from another process\'s cache',
    file: 'module/workflows/store.ts',
    find: 'await bumpConfigVersion(trx, deps.now());\n      return r;',
    replace: 'return r;',
    tests: [{ file: CONFIG_CACHE, name: 'a workflow deactivated on one install starts no run on the other once the bound has passed: short URL and record save' }],
  },
  {
    name: 'config-watch-rechecks',
    what: 'a cached version is trusted forever: no other process\'s change is ever seen',
    file: 'module/storage/versioned-snapshot.ts',
    find: 'if (seen && seen.generation === generation && youngerThanBound(seen.startedAt))',
    replace: 'if (seen && seen.generation === generation)',
    tests: [
      { file: CONFIG_CACHE, name: 'a rotated token is refused at once by the install that rotated it and by the other once the bound has passed' },
      { file: CONFIG_CACHE, name: 'a workflow deactivated on one install starts no run on the other once the bound has passed: short URL and record save' },
    ],
  },
  {
    name: 'local-change-invalidates',
    what: 'a permission changed through this process is still served from its cache',
    file: 'module/inbound/permissions.ts',
    find: 'deps.changed?.();',
    replace: '',
    tests: [{ file: CONFIG_CACHE, name: 'an install honours its own changes at once, however long its bound' }],
  },
  {
    name: 'local-workflow-change-invalidates',
    what: 'a workflow switched off through this process is still started from its cache',
    file: 'module/workflows/store.ts',
    find: 'deps.changed?.();',
    replace: '',
    tests: [{ file: CONFIG_CACHE, name: 'an install honours its own changes at once, however long its bound' }],
  },
];
