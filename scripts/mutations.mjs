/**
 * The invariants the mutation check (scripts/mutation-check.mjs) proves are guarded: for each, a
 * small textual change to the product code that removes the feature, and the tests (file and
 * test name) that must fail on every engine when it is gone (or on the `engines` listed). `find` must occur exactly once in
 * `file`, so a refactoring that moves the code makes the check fail loudly instead of proving
 * nothing; then update `find` here.
 */
const ENGINE = 'test/integration/workflows/engine.test.ts';
const RECOVERY = 'test/integration/workflows/run-recovery.test.ts';
const DELIVERY = 'test/integration/outbound/delivery.test.ts';
const DISABLE = 'test/integration/outbound/webhook-disable.test.ts';
const RESEND = 'test/integration/outbound/resend.test.ts';
const WRITE_BACK = 'test/integration/outbound/write-back.test.ts';
const WAIT = 'test/integration/outbound/wait-for-answer.test.ts';
const EFFECTS = 'test/integration/workflows/crash-safe-effects.test.ts';
const HOLD = 'test/integration/outbound/destination-hold.test.ts';
const HOLD_TEST = 'down, held, probed with the oldest, back: each delivered once, in per-record order, none exhausted';
const ALERT_LEASE = 'test/integration/alerts/alert-lease.test.ts';
const CONFIG_CACHE = 'test/integration/inbound/config-cache.test.ts';
const RATE = 'test/integration/outbound/rate-limit.test.ts';
const RELATED = 'test/integration/workflows/related-records.test.ts';
const SCHEDULES = 'test/integration/workflows/schedules.test.ts';
const ECHO = 'test/integration/workflows/echo-suppression.test.ts';
const BACKFILL = 'test/integration/workflows/backfill.test.ts';
const BACKFILL_ONCE = '2,000 records, 3 workers, a worker lost mid-way: every matching record is queued exactly once';

export const MUTATIONS = [
  {
    name: 'resume-after-crash',
    what: 'a re-claimed run re-runs the tasks it had finished',
    file: 'module/workflows/executor.ts',
    find: "const done = new Map(run.taskResults.filter((r) => r.status !== 'failed').map((r) => [r.taskId, r]));",
    replace: 'const done = new Map<number, TaskResult>();',
    tests: [
      { file: RECOVERY, name: 'a re-claimed run resumes after its last finished task: nothing finished runs again' },
    ],
  },
  {
    name: 'origin-key-idempotence',
    what: 'enqueueing the same (run, task) again queues a second delivery',
    file: 'module/outbound/queue/enqueue.ts',
    find: 'if (d.originKey) {',
    replace: 'if (false && d.originKey) {',
    tests: [
      { file: RECOVERY, name: 'enqueuing the same (run, task) twice yields one delivery, with the first webhook-id' },
      {
        file: RECOVERY,
        name: 'a run repeating its webhook task after a crash finds the delivery it queued; its log names that webhook-id',
      },
    ],
  },
  {
    name: 'lease-lost-check',
    what: 'a worker whose run lease was taken over keeps executing and writing',
    file: 'module/workflows/executor.ts',
    find: 'if (!kept) throw new Error(',
    replace: 'if (false) throw new Error(',
    tests: [
      {
        file: RECOVERY,
        name: 'a worker whose lease was taken between two tasks stops: the next task never runs and nothing more is written',
      },
    ],
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
    tests: [
      {
        file: 'test/integration/inbound/access-and-modes.test.ts',
        name: 'honeypot: a filled trap field gets a 200, runs nothing, and is logged',
      },
    ],
  },
  {
    name: 'per-record-event-order',
    what: 'a later run of a record is claimed while an earlier one is unfinished',
    file: 'module/workflows/runs-lease.ts',
    find: "\n    AND NOT EXISTS (SELECT 1 FROM hookflow_runs p WHERE p.order_key = r.order_key AND p.id < r.id AND p.status IN ('queued', 'running'))",
    replace: '',
    tests: [
      { file: ENGINE, name: 'runs of one record are claimed strictly in event order; other records are not held up' },
    ],
  },
  {
    name: 'gone-disables-webhook',
    what: 'a 410 Gone from a static URL leaves the webhook task enabled',
    file: 'module/outbound/delivery-processor.ts',
    find: "if (decision.action === 'fail' && decision.disableWebhook && target) await disable(target.taskId, d.url);",
    replace: '',
    tests: [
      {
        file: DISABLE,
        name: '410 on a static URL disables; queued and new deliveries are held; re-enable sends each once, in order',
      },
    ],
  },
  {
    name: 'failed-delivery-queues-alert',
    what: 'a delivery that fails writes no alert row',
    file: 'module/outbound/queue/record-attempts.ts',
    find: 'if (failed.length > 0 && onFinalFailure) await onFinalFailure(trx, failed);',
    replace: '',
    tests: [
      {
        file: DELIVERY,
        name: 'retries exhausted: failed, with an alert queued; 410 on a templated URL fails that delivery only',
      },
      {
        file: 'test/integration/outbound/per-host-cap.test.ts',
        name: 'attempts are written together, but only by the lease holder: a late writer whose lease was re-taken (by its own worker id too) changes nothing',
      },
    ],
  },
  {
    name: 'failed-delivery-alert-state',
    what: "a failed delivery's alert_state stays 'none' instead of 'pending'",
    file: 'module/outbound/queue/record-attempts.ts',
    find: "next.status === 'failed' ? 'pending' : 'none',",
    replace: "'none',",
    tests: [
      {
        file: 'test/integration/alerts/alert-retry.test.ts',
        name: 'SMTP server down: the alert is retried later and delivered once it is back; the delivery stays failed',
      },
    ],
  },
  {
    name: 'failed-run-queues-alert',
    what: 'a run that fails writes no alert row with its failure',
    file: 'module/workflows/runs-lease.ts',
    find: '    await onFailed(trx, { runId: run.id, workflowId: run.workflowId });\n',
    replace: '',
    tests: [
      {
        file: 'test/integration/alerts/run-alerts.test.ts',
        name: 'a failed run: one alert row; the owner and each active admin mailed once, naming task, field and reason',
      },
      {
        file: 'test/integration/alerts/run-alerts.test.ts',
        name: 'the failure and its alert row commit together: a rollback leaves neither, a failed alert write fails nothing',
      },
    ],
  },
  {
    name: 'alert-recipient-mailed-once',
    what: 'an alert retried after a partial send mails again everyone who already got it',
    file: 'module/alerts/alert-queue.ts',
    find: "const rows = await db('hookflow_alert_recipients').whereIn('alert_id', ids).select('alert_id', 'address');",
    replace: 'const rows: Array<Record<string, any>> = [];',
    tests: [
      {
        file: 'test/integration/alerts/alert-retry.test.ts',
        name: 'a recipient refused temporarily: the others are not mailed twice when the alert is retried',
      },
    ],
  },
  {
    name: 'lease-heartbeat',
    what: "a run's or a delivery's lease is not renewed while its task or request is in flight",
    file: 'module/storage/lease-heartbeat.ts',
    find: '() => (controller.signal.aborted ? undefined : tick()),',
    replace: '() => undefined,',
    tests: [
      {
        file: 'test/integration/workflows/lease-heartbeat.test.ts',
        name: 'a mail slower than the lease, two workers: the lease is renewed meanwhile, one mail, the run claimed once',
      },
      {
        file: 'test/integration/outbound/lease-heartbeat.test.ts',
        name: 'a receiver slower than the lease, two workers: the lease is renewed meanwhile, one request, one attempt',
      },
    ],
  },
  {
    name: 'alert-lease-heartbeat',
    what: "an alert group's lease is not renewed while its mail is in flight",
    file: 'module/alerts/alert-lane.ts',
    find: 'return withLeaseHeartbeat(heartbeat, work);',
    replace: 'return work(new AbortController().signal);',
    tests: [
      {
        file: ALERT_LEASE,
        name: 'an alert mail slower than the lease, two workers: the lease is renewed meanwhile, each recipient mailed once',
      },
      {
        file: ALERT_LEASE,
        name: 'a lost alert lease stops the group at once: no further mail, nothing recorded by the worker that lost it',
      },
    ],
  },
  {
    name: 'delivery-lease-holder-only',
    what: 'a worker whose delivery lease was re-taken still writes its attempt and outcome',
    file: 'module/outbound/queue/record-attempts.ts',
    find: 'const kept = writes.map((w) => owners.get(w.delivery.id) === w.leaseOwner);',
    replace: 'const kept = writes.map(() => true);',
    tests: [
      {
        file: 'test/integration/outbound/per-host-cap.test.ts',
        name: 'attempts are written together, but only by the lease holder: a late writer whose lease was re-taken (by its own worker id too) changes nothing',
      },
    ],
  },
  {
    name: 'disabled-webhook-holds',
    what: 'events of a disabled webhook queue deliveries that are sent at once instead of held',
    file: 'module/workflows/executor.ts',
    find: 'if (!queue || task.disabledAt == null) return queue;',
    replace: 'return queue;',
    tests: [
      {
        file: DISABLE,
        name: '410 on a static URL disables; queued and new deliveries are held; re-enable sends each once, in order',
      },
    ],
  },
  {
    name: 'templated-410-fails-one',
    what: 'a 410 from a templated URL disables the webhook for every record',
    file: 'module/outbound/delivery-processor.ts',
    find: 'urlCarriesRecordData: target?.options ? urlCarriesRecordData(target.options) : false,',
    replace: 'urlCarriesRecordData: false,',
    tests: [
      {
        file: DISABLE,
        name: '410 on a templated URL fails that delivery only; the webhook stays on for other records',
      },
    ],
  },
  {
    name: 'resend-reopens-only-finished',
    what: 'a resend of a delivery still on its way queues it a second time',
    file: 'module/outbound/queue/resend.ts',
    find: ".whereIn('status', FINISHED)",
    replace: '',
    tests: [
      {
        file: RESEND,
        name: 'a resend is a new attempt of the same message: same id and body, fresh timestamp and signature, who asked',
      },
    ],
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
    tests: [
      {
        file: WRITE_BACK,
        name: "a 2xx answer fills invoice_id, as the run's actor, and starts workflows one chain step deeper",
      },
    ],
  },
  {
    name: 'write-back-no-overwrite',
    what: 'a write-back overwrites a field a person changed after the delivery was queued',
    file: 'module/workflows/answer-writer.ts',
    find: 'if (conflicts.length > 0) return',
    replace: 'if (false) return',
    tests: [
      { file: WRITE_BACK, name: 'an edit made while the request was out is reported, not overwritten, and alerts' },
    ],
  },
  {
    name: 'wait-for-answer',
    what: 'a webhook set to wait for its answer is only queued, so later tasks get no answer',
    file: 'module/workflows/tasks/webhook/task.ts',
    find: 'return o.waitForAnswer ? { ...queued, ...(await waitForAnswer(o, stored.id, ctx)) } : queued;',
    replace: 'return queued;',
    tests: [{ file: WAIT, name: 'a later task uses the answer; the delivery is one ordinary, logged attempt' }],
  },
  {
    name: 'resumed-run-keeps-answers',
    what: 'a run resumed after a crash forgets the answers its finished tasks got',
    file: 'module/workflows/run-context.ts',
    find: "run.taskResults.filter((r) => r.status === 'succeeded').map((r) => [String(r.taskId), r.output ?? null]),",
    replace: '[],',
    tests: [{ file: WAIT, name: 'a run resumed after a crash uses the answer it already got: nothing is sent twice' }],
  },
  {
    name: 'effect-noted-in-host-transaction',
    what: 'a record change a task made is not noted, so a resumed run makes it again',
    file: 'module/workflows/hooks.ts',
    find: 'if (e.origin?.effectKey) await noteTaskEffect(',
    replace: 'if (false) await noteTaskEffect(',
    tests: [
      {
        file: EFFECTS,
        name: 'create_record: the resumed run finds the record it created, creates no second one, and later tasks get its id',
      },
      { file: EFFECTS, name: 'update_record: not applied twice, so the workflows it starts start once' },
    ],
  },
  {
    name: 'mail-noted-once-sent',
    what: 'a resumed run sends a mail its crashed predecessor already sent',
    file: 'module/workflows/tasks/send-email/task.ts',
    find: 'if (await ctx.services.effects.find(effectKey))',
    replace: 'if (false)',
    tests: [
      {
        file: EFFECTS,
        name: 'send_email: the resumed run sends no second mail; the mail carries a Message-ID from run and task',
      },
    ],
  },
  {
    name: 'destination-hold',
    what: 'a destination that keeps failing is never held: its deliveries use up their retries and fail',
    file: 'module/outbound/destination-policy.ts',
    find: 'return s.pauseAfterFailures > 0 && consecutiveFailures >= s.pauseAfterFailures;',
    replace: 'return false;',
    tests: [
      { file: HOLD, name: HOLD_TEST },
      {
        file: 'test/integration/admin/pages-destination-held.test.ts',
        name: 'the overview lists a failing destination with what it holds and the next probe; Try now gets through and clears it',
      },
    ],
  },
  {
    name: 'held-destination-not-claimed',
    what: "a held destination's deliveries are claimed as usual instead of only its probe",
    file: 'module/outbound/queue/claim-read.ts',
    find: "const notHeld = hold ? ` AND destination_host NOT IN (${heldHostsSql()})` : '';",
    replace: "const notHeld = '';",
    tests: [{ file: HOLD, name: HOLD_TEST }],
  },
  {
    name: 'one-probe-at-a-time',
    what: 'a leased probe leaves the next probe due: many claimers probe a held destination with many deliveries at once',
    file: 'module/outbound/queue/destinations.ts',
    find: 'update({ probe_delivery_id: p.id, next_probe_at: trx.raw(`${now} + ?`, [leaseMs]), updated_at: trx.raw(now) });',
    replace: 'update({ probe_delivery_id: p.id, updated_at: trx.raw(now) });',
    tests: [
      {
        file: 'test/integration/outbound/destination-claim.test.ts',
        name: 'a held destination yields one probe, its oldest delivery even if not due, to one of many claimers',
      },
    ],
  },
  {
    name: 'permission-change-bumps-version',
    what: "a permission changed through one process keeps being honoured from another process's cache",
    file: 'module/inbound/permissions.ts',
    find: 'await bumpConfigVersion(trx, deps.now());',
    replace: 'void trx;',
    tests: [
      {
        file: CONFIG_CACHE,
        name: 'a rotated token is refused at once by the install that rotated it and by the other once the bound has passed',
      },
      {
        file: CONFIG_CACHE,
        name: 'a permission disabled, then deleted, on one install is refused by the other once the bound has passed',
      },
    ],
  },
  {
    name: 'workflow-change-bumps-version',
    what: "a workflow deactivated through one process keeps starting runs from another process's cache",
    file: 'module/workflows/store.ts',
    find: 'await bumpConfigVersion(trx, deps.now());\n      return r;',
    replace: 'return r;',
    tests: [
      {
        file: CONFIG_CACHE,
        name: 'a workflow deactivated on one install starts no run on the other once the bound has passed: short URL and record save',
      },
    ],
  },
  {
    name: 'config-watch-rechecks',
    what: "a cached version is trusted forever: no other process's change is ever seen",
    file: 'module/storage/versioned-snapshot.ts',
    find: 'if (seen && seen.generation === generation && youngerThanBound(seen.startedAt))',
    replace: 'if (seen && seen.generation === generation)',
    tests: [
      {
        file: CONFIG_CACHE,
        name: 'a rotated token is refused at once by the install that rotated it and by the other once the bound has passed',
      },
      {
        file: CONFIG_CACHE,
        name: 'a workflow deactivated on one install starts no run on the other once the bound has passed: short URL and record save',
      },
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
  {
    name: 'stored-run-never-taken-over',
    what: 'a repeat of an idempotent sync request whose run was stored starts a second run once the claim is stale',
    file: 'module/inbound/idempotency.ts',
    find: 'if (!expired && row.response_status == null && row.run_id != null) {',
    replace: 'if (false) {',
    tests: [
      {
        file: 'test/integration/inbound/idempotency-clock.test.ts',
        name: 'a request whose process died after storing its run is answered from that run, never run again',
      },
    ],
  },
  {
    name: 'held-sweep',
    what: 'a delivery held after its webhook was re-enabled stays held for good',
    file: 'module/outbound/held-sweep.ts',
    find: 'else if (target.disabledAt === null) released += await releaseHeldDeliveries(deps.db, taskId);',
    replace: '',
    tests: [
      {
        file: 'test/integration/outbound/webhook-disable.test.ts',
        name: 'the sweep releases what an enabled webhook still holds (a hold that lost the race with re-enable) and discards what a deleted one holds',
      },
    ],
  },
  {
    name: 'stale-alert-not-mailed',
    what: 'a failure alert still pending when its delivery was resent is mailed anyway',
    file: 'module/alerts/alert-facts.ts',
    find: 'if (!delivery || isStale(row, delivery)) continue;',
    replace: 'if (!delivery) continue;',
    tests: [
      {
        file: 'test/integration/alerts/alert-stale.test.ts',
        name: 'a pending alert of a delivery resent since: no mail, the alert ends sent',
      },
    ],
  },
  {
    name: 'rate-limit-tokens',
    what: "a claim leases past a destination's rate-limit tokens",
    file: 'module/outbound/queue/claim-allot.ts',
    find: 'if (room !== undefined && room < 1) continue;',
    replace: 'if (false) continue;',
    tests: [
      {
        file: RATE,
        name: 'a claim takes no more than each destination has tokens for; the rest waits queued, using no retry',
      },
      {
        file: RATE,
        name: '10/s holds across two workers: every delivery sent once, none failed, never faster than the limit',
      },
    ],
  },
  {
    name: 'too-many-requests-pause',
    what: "a receiver's 429 with Retry-After does not pause its destination",
    file: 'module/outbound/delivery-processor.ts',
    find: 'if (result.statusCode === 429) {',
    replace: 'if (false) {',
    tests: [
      {
        file: RATE,
        name: "a receiver's 429 with Retry-After: its other deliveries wait it out instead of burning retries",
      },
    ],
  },
  {
    name: 'alert-recipient-locale',
    what: "failure mails ignore the recipient's locale and time zone: everyone gets English in UTC",
    file: 'module/alerts/alert-compose.ts',
    find: 'resolveAlertLocale(mail, logger,',
    replace: 'resolveAlertLocale({}, logger,',
    tests: [
      {
        file: 'test/integration/alerts/alert-locale.test.ts',
        name: 'a German owner in Europe/Berlin gets a German mail with the Berlin failure time; an English/UTC admin gets English',
      },
    ],
  },
  {
    name: 'preview-same-request',
    what: "a webhook preview is built without the worker's credentials and signature (not what the worker sends)",
    file: 'module/admin/task-preview.ts',
    find: 'const sent = requestToSend(snapshot, parsed.success ? parsed.data : null, secrets);',
    replace: 'const sent = requestToSend(snapshot, null, secrets);',
    tests: [
      {
        file: 'test/integration/admin/task-preview.test.ts',
        name: 'the preview for a record and for its run is byte for byte what the worker sends, and stores nothing',
      },
    ],
  },
  {
    name: 'related-records-loaded',
    what: 'a run renders without the related records its templates follow',
    file: 'module/workflows/executor.ts',
    find: 'const related = await addRelatedRecords(deps.host.records, run.module, tpl.record, wf);',
    replace: 'const related = { relatedConditions: false };',
    tests: [
      {
        file: RELATED,
        name: "the webhook sends the related records' values as they are when the run starts; the condition filters",
      },
    ],
  },
  {
    name: 'related-conditions-at-run-start',
    what: 'a condition on a related record is never checked (the save let it wait for the run)',
    file: 'module/workflows/executor.ts',
    find: 'const unmet = related.relatedConditions &&',
    replace: 'const unmet = false &&',
    tests: [
      {
        file: RELATED,
        name: "the webhook sends the related records' values as they are when the run starts; the condition filters",
      },
    ],
  },
  {
    name: 'related-conditions-wait-for-run',
    what: 'the save judges a condition on a related record without reading it (it never passes)',
    file: 'module/workflows/hooks.ts',
    find: '(i) => followsReference(conditions[i].field, e.record.fields)',
    replace: '() => false',
    tests: [
      {
        file: RELATED,
        name: "the webhook sends the related records' values as they are when the run starts; the condition filters",
      },
    ],
  },
  {
    name: 'bitrix-dynamic-item-type-id',
    what: 'BITRIX24 bodies of a dynamic item (smart process) leave out data[FIELDS][ENTITY_TYPE_ID]',
    file: 'module/workflows/tasks/webhook/task.ts',
    find: 'bitrixEntityTypeId: bitrixEntityTypeIdOf(ctx.run.moduleInfo ?? undefined),',
    replace: 'bitrixEntityTypeId: null,',
    tests: [
      {
        file: 'test/integration/host/custom-modules.test.ts',
        name: 'an admin-defined module with workflows sends ONCRMDYNAMICITEMADD/UPDATE/DELETE bodies that a PHP handler reads',
      },
    ],
  },
  {
    name: 'lane-fairness-stuck-lanes',
    what: 'requests stuck at hanging receivers hold every lane of a worker: receivers that answer wait',
    file: 'module/outbound/delivery-lane.ts',
    find: 'concurrency: () => laneConcurrency(deps.settings().maxConcurrency, inFlight.values(), now()),',
    replace: 'concurrency: () => deps.settings().maxConcurrency,',
    tests: [
      {
        file: 'test/integration/outbound/lane-fairness.test.ts',
        name: 'four hanging receivers cannot take every lane: a receiver that answers is served meanwhile',
      },
    ],
  },
  {
    name: 'schedule-moves-with-date',
    what: "a relative schedule keeps its first planned slot when the record's date field changes",
    file: 'module/workflows/schedules.ts',
    find: 'if (existing && Number(existing.due_at) === plan.dueAt && existing.plan_key === plan.planKey) return;',
    replace: 'if (existing) return;',
    tests: [
      {
        file: SCHEDULES,
        name: 'a relative schedule fires once at the planned time with 3 workers, and moves when the date changes',
      },
    ],
  },
  {
    name: 'capture-next-request',
    what: 'a permission in capture mode runs the next request instead of recording it (202, nothing run)',
    file: 'module/inbound/capture-mode.ts',
    find: 'if (!isOpen(r.permission)) return false;',
    replace: 'return false;',
    tests: [
      {
        file: 'test/integration/inbound/capture.test.ts',
        name: 'capture on: the next form post is recorded and answered 202 without running; the next one runs',
      },
      {
        file: 'test/integration/admin/pages-capture.test.ts',
        name: 'a captured form post becomes required $env fields in two clicks',
      },
    ],
  },
  {
    name: 'backfill-conditions-current-values',
    what: "a backfill runs every record of the module, whatever the workflow's conditions",
    file: 'module/workflows/backfill-policy.ts',
    find: '  return mayPassConditions(wf.conditions, { record: record.fields, previous: null }, (i) =>',
    replace: '  return true || mayPassConditions(wf.conditions, { record: record.fields, previous: null }, (i) =>',
    tests: [{ file: BACKFILL, name: BACKFILL_ONCE }],
  },
  {
    name: 'backfill-stale-step-writes-nothing',
    what: 'a sweep step by a worker that lost its lease (or a stale cursor) still queues its runs',
    file: 'module/workflows/backfills.ts',
    find: ".where({ id: sweep.id, lease_owner: sweep.leaseOwner, status: 'running', cursor_id: sweep.cursorId })",
    replace: '.where({ id: sweep.id })',
    tests: [{ file: BACKFILL, name: BACKFILL_ONCE }],
  },
  {
    name: 'backfill-rate',
    what: 'a backfill queues every matching record at once instead of at backfillRatePerMinute',
    file: 'module/workflows/backfill-policy.ts',
    find: '  return Math.max(0, Math.floor((now - from) / msPerRun(ratePerMinute)));',
    replace: '  return 1_000_000;',
    tests: [
      { file: BACKFILL, name: 'the rate: a burst of 5 s, then one run per interval, in host time' },
      {
        file: 'test/integration/admin/backfill-api.test.ts',
        name: 'count, start (202), read, list, pause, resume, cancel; 404, 409 and 422 in plain words',
      },
    ],
  },
  {
    name: 'backfill-refuses-changed',
    what: 'a backfill whose conditions need a change (changed, changed to/from) is started anyway',
    file: 'module/workflows/backfill-policy.ts',
    find: '    if (CHANGE_OPS.has(c.op))',
    replace: '    if (false)',
    tests: [
      {
        file: BACKFILL,
        name: 'refused: changed* conditions, record.deleted, over the limit, a CRM that cannot list records',
      },
      {
        file: 'test/integration/admin/pages-backfill.test.ts',
        name: 'a changed* condition is refused at its row; a bad since date at its field',
      },
    ],
  },
  {
    name: 'backfill-cancel-skips-queued',
    what: 'cancelling a backfill leaves its queued runs to run',
    file: 'module/workflows/backfill-start.ts',
    find: "  if (move === 'cancel')\n    await skipQueuedRunsOfBackfill(",
    replace: "  if (move === 'never')\n    await skipQueuedRunsOfBackfill(",
    tests: [{ file: BACKFILL, name: 'pause stops queueing, resume goes on, cancel skips the queued runs' }],
  },
  {
    name: 'backfill-event-type',
    what: 'webhooks of a backfill describe the event as an update (receivers cannot tell)',
    file: 'module/workflows/backfill-lane.ts',
    find: "    type: sweep.kind === 'schedule' ? 'schedule' : BACKFILL_EVENT,",
    replace: "    type: sweep.kind === 'schedule' ? 'schedule' : 'record.updated',",
    tests: [
      { file: BACKFILL, name: 'runs execute: the webhook body names the event deal.backfilled' },
      { file: BACKFILL, name: BACKFILL_ONCE },
    ],
  },
  {
    name: 'cron-for-each-record',
    what: 'a cron schedule "for every matching record" runs once with no record',
    file: 'module/workflows/schedule-lane.ts',
    find: "  const sweep = schedule.kind === 'cron' && schedule.forEachRecord;",
    replace: '  const sweep = false;',
    tests: [
      { file: SCHEDULES, name: 'a cron schedule "for every matching record" runs each matching record once per slot' },
    ],
  },
  {
    name: 'module-name-locked',
    what: 'PATCH /api/modules/:name with another name is accepted (the name silently kept) instead of a 422 naming it',
    file: 'host/custom-module-changes.ts',
    find: 'if (patch.name !== undefined && patch.name !== current.name)',
    replace: 'if (false)',
    tests: [
      {
        file: 'test/integration/host/custom-module-edits.test.ts',
        name: 'unsafe changes are 422s naming the field, and change nothing',
      },
    ],
  },
  {
    name: 'module-field-type-locked',
    what: "a custom module's field can change its type under its stored values",
    file: 'host/custom-module-changes.ts',
    find: 'if (old.type !== f.type)',
    replace: 'if (false)',
    tests: [
      {
        file: 'test/integration/host/custom-module-edits.test.ts',
        name: 'unsafe changes are 422s naming the field, and change nothing',
      },
      {
        file: 'test/integration/host/module-settings-page.test.ts',
        name: 'an admin edits a module on its page: safe changes saved, unsafe ones shown in words, removal only when ticked',
      },
    ],
  },
  {
    name: 'module-field-removal-confirmed',
    what: 'a field left out of a module patch is removed (its values erased) without being named in removeFields',
    file: 'host/custom-module-changes.ts',
    find: 'if (unconfirmed.length > 0)',
    replace: 'if (false)',
    tests: [
      {
        file: 'test/integration/host/custom-module-edits.test.ts',
        name: 'unsafe changes are 422s naming the field, and change nothing',
      },
      {
        file: 'test/integration/host/module-settings-page.test.ts',
        name: 'an admin edits a module on its page: safe changes saved, unsafe ones shown in words, removal only when ticked',
      },
    ],
  },
  {
    name: 'module-removed-field-values-erased',
    what: "a removed field's values stay in the records (and come back if a field of that name is added again)",
    file: 'host/custom-module-changes.ts',
    find: 'if (removed.length > 0) await eraseFieldValues(trx, name, removed);',
    replace: 'if (false) await eraseFieldValues(trx, name, removed);',
    tests: [
      {
        file: 'test/integration/host/custom-module-edits.test.ts',
        name: 'a removed field needs removeFields; then its values are erased from every record',
      },
    ],
  },
  {
    name: 'module-delete-needs-force',
    what: 'DELETE /api/modules/:name deletes a module with records without force=1',
    file: 'host/api.ts',
    find: '{ force: parseForce(req.query.force), caller }',
    replace: '{ force: true, caller }',
    tests: [
      {
        file: 'test/integration/host/custom-module-edits.test.ts',
        name: 'DELETE: 409 while records exist or a module points at it; force=1 deletes them with hooks, then the module',
      },
    ],
  },
  {
    name: 'module-force-delete-fires-hooks',
    what: "a forced module delete removes its records behind the hooks' back (no record-deleted workflow sees them)",
    file: 'host/module-admin.ts',
    find: 'if (opts.force) await deleteAllRecords(records, name, opts.caller);',
    replace: "if (opts.force) await records.customModules.db('crm_records').where({ module: name }).delete();",
    tests: [
      {
        file: 'test/integration/host/custom-module-edits.test.ts',
        name: 'DELETE: 409 while records exist or a module points at it; force=1 deletes them with hooks, then the module',
      },
    ],
  },
  {
    name: 'module-delete-referenced',
    what: "a module another module's reference field points at can be deleted, breaking that module's description",
    file: 'host/module-admin.ts',
    find: 'if (referrers.length > 0)',
    replace: 'if (false)',
    tests: [
      {
        file: 'test/integration/host/custom-module-edits.test.ts',
        name: 'DELETE: 409 while records exist or a module points at it; force=1 deletes them with hooks, then the module',
      },
    ],
  },
  {
    name: 'module-record-race',
    what: 'a record saved while its custom module is deleted outlives the module',
    file: 'host/records.ts',
    find: '      await this.holdModule(module, trx);',
    replace: '',
    tests: [
      {
        file: 'test/integration/host/custom-module-edits.test.ts',
        name: 'a record saved while its module is deleted: re-read in the save transaction, a 404, no orphan',
      },
    ],
  },
  {
    name: 'echo-skip-rule',
    what: 'a webhook to the system a change came from sends the change straight back to it (ping-pong)',
    file: 'module/external-system.ts',
    find: 'if (!sameSystem(webhook.system, runSystem)) return null;',
    replace: 'return null;',
    tests: [
      {
        file: ECHO,
        name: "accounting's answer, posted back through the short URL, updates the deal and is not sent back to accounting",
      },
      {
        file: 'test/unit/external-system.test.ts',
        name: 'a webhook to the system the change came from skips it, saying where it came from',
      },
    ],
  },
  {
    name: 'echo-origin-system-on-record-changes',
    what: 'record changes made by a run that came from an external system do not carry the system (origin.system)',
    file: 'module/workflows/task-types.ts',
    find: '...(run.originSystem ? { system: run.originSystem } : {}),',
    replace: '',
    tests: [
      {
        file: ECHO,
        name: "accounting's answer, posted back through the short URL, updates the deal and is not sent back to accounting",
      },
      {
        file: 'test/unit/workflows/tasks/webhook/echo.test.ts',
        name: "update_record and create_record changes carry the run's origin system",
      },
    ],
  },
  {
    name: 'echo-permission-system-on-run',
    what: 'a run started through a permission naming an external system does not record that system',
    file: 'module/inbound/run-request.ts',
    find: 'originSystem: req.permission.externalSystem,',
    replace: 'originSystem: null,',
    tests: [
      {
        file: ECHO,
        name: "accounting's answer, posted back through the short URL, updates the deal and is not sent back to accounting",
      },
    ],
  },
  {
    name: 'echo-event-system-on-run',
    what: 'a run started by a change that came from an external system forgets the system (the webhook cannot see it)',
    file: 'module/workflows/hooks.ts',
    find: 'originSystem: system,',
    replace: 'originSystem: null,',
    tests: [
      {
        file: ECHO,
        name: "accounting's answer, posted back through the short URL, updates the deal and is not sent back to accounting",
      },
    ],
  },
  {
    name: 'task-skipped-status',
    what: 'a task that chose not to act is logged as succeeded, without its reason',
    file: 'module/workflows/executor.ts',
    find: "if (output instanceof TaskSkipped) return { ...base, status: 'skipped', durationMs, reason: output.reason };",
    replace: '',
    tests: [
      {
        file: ECHO,
        name: "accounting's answer, posted back through the short URL, updates the deal and is not sent back to accounting",
      },
    ],
  },
  {
    name: 'backfill-live-progress',
    what: 'the backfill page no longer follows a running backfill (progress only on reload)',
    file: 'views/admin/assets/backfill-progress.js',
    find: "if (s === 'running' || s === 'paused') setTimeout",
    replace: 'if (false) setTimeout',
    tests: [
      {
        file: 'test/e2e/backfill.test.ts',
        name: 'count, start and watch a backfill finish; cancel another from the page',
      },
    ],
  },
  {
    name: 'attempt-write-retried',
    what: 'a sent delivery whose attempt write hit a transient database error is written again by the lease holder',
    file: 'module/outbound/attempt-writer.ts',
    find: 'const delay = isTransientDbError(err) && !o.lease?.aborted ? attemptWriteRetryDelayMs(failures) : null;',
    replace: 'const delay = null;',
    tests: [
      {
        file: 'test/integration/outbound/attempt-write-outage.test.ts',
        name: 'the attempt write fails 6 times (longer than the lease): written once by the holder, one request, no second claim',
      },
    ],
  },
  {
    name: 'attempt-own-timeout',
    what: "an attempt's own timeout (a run waiting for the answer) longer than requestTimeoutMs is not cut at requestTimeoutMs",
    file: 'module/outbound/delivery-processor.ts',
    find: 'const longest = Math.max(s.requestTimeoutMs, timeoutMs);',
    replace: 'const longest = s.requestTimeoutMs;',
    tests: [
      {
        file: 'test/integration/outbound/attempt-timeout.test.ts',
        name: 'an attempt timeout longer than requestTimeoutMs waits for the answer; without one, requestTimeoutMs applies',
      },
    ],
  },
  {
    name: 'per-destination-claim-lock',
    what: 'a claim on MariaDB/MySQL no longer locks its destinations, so concurrent claims of one host pass its cap',
    file: 'module/outbound/queue/destination-locks.ts',
    find: "WHERE destination_host IN (${hosts.map(() => '?').join(',')}) FOR UPDATE SKIP LOCKED`,",
    replace: "WHERE destination_host IN (${hosts.map(() => '?').join(',')})`,",
    // The lock rows are MariaDB/MySQL's: SQLite's write lock serialises its claims.
    engines: ['mysql'],
    tests: [
      {
        file: 'test/integration/outbound/claim-race.test.ts',
        name: 'a destination another claim holds is skipped: its deliveries wait, the other hosts are claimed meanwhile',
      },
    ],
  },
  {
    name: 'inserted-run-json',
    what: 'a sync run executes from its in-memory copy with event values JSON would have changed (a Date)',
    file: 'module/workflows/runs.ts',
    find: 'event: JSON.parse(JSON.stringify(run.event)),',
    replace: 'event: run.event,',
    tests: [
      {
        file: 'test/integration/workflows/inserted-run.test.ts',
        name: 'a sync run under this process’s lease: equals the stored row except its times',
      },
    ],
  },
  {
    name: 'module-list-bound-unwired',
    what: 'install no longer passes configCheckMs as the bound of the module list: every run asks the host',
    file: 'module/install.ts',
    find: 'modulesMaxAgeMs: options.configCheckMs as number,',
    replace: 'modulesMaxAgeMs: 0,',
    tests: [
      {
        file: 'test/integration/workflows/module-list-bound.test.ts',
        name: "configCheckMs 60000: 3 sync runs read the host's modules 1 time(s)",
      },
    ],
  },
  {
    name: 'module-list-failed-read-kept',
    what: "a failed read of the host's modules is kept for the whole bound",
    file: 'module/workflows/module-list.ts',
    find: 'if (current === read) current = null;',
    replace: 'void read;',
    tests: [
      {
        file: 'test/unit/workflows/module-list.test.ts',
        name: 'a failed read is not kept: the next run asks the host again',
      },
    ],
  },
  {
    name: 'first-attempt-ledger-always',
    what: 'every execution, a resumed one too, skips the effect ledger look-up, so a resumed run repeats its record change',
    file: 'module/workflows/executor.ts',
    find: 'effects: run.attempts === 1 ? firstEffects : effects,',
    replace: 'effects: firstEffects,',
    tests: [
      {
        file: 'test/integration/workflows/crash-safe-effects.test.ts',
        name: 'create_record: the resumed run finds the record it created, creates no second one, and later tasks get its id',
      },
    ],
  },
  {
    name: 'first-attempt-ledger-unused',
    what: "a run's first execution looks its effects up in the ledger (a statement per create, update or mail)",
    file: 'module/workflows/executor.ts',
    find: 'effects: run.attempts === 1 ? firstEffects : effects,',
    replace: 'effects: run.attempts === 1 ? effects : effects,',
    tests: [
      {
        file: 'test/integration/workflows/crash-safe-effects.test.ts',
        name: "a run's first execution looks nothing up in the ledger, yet notes each effect; no progress write after a ledgered task only pure tasks follow",
      },
    ],
  },
  {
    name: 'ledgered-task-progress-written',
    what: 'the executor saves progress after a ledgered task (create/update record, mail): a write per task for nothing',
    file: 'module/workflows/executor.ts',
    find: 'if (def?.pure || (def?.ledgered && onlyPureAfter(index))) continue;',
    replace: 'if (def?.pure) continue;',
    tests: [
      {
        file: 'test/integration/workflows/crash-safe-effects.test.ts',
        name: "a run's first execution looks nothing up in the ledger, yet notes each effect; no progress write after a ledgered task only pure tasks follow",
      },
    ],
  },
  {
    name: 'run-in-flight-once',
    what: 'a worker that claims its own run again while executing it executes it a second time beside the first',
    file: 'module/workflows/in-flight.ts',
    find: 'if (current) return current;',
    replace: 'void current;',
    tests: [
      {
        file: 'test/integration/workflows/lease-heartbeat.test.ts',
        name: 'a worker that claims its own run again (its lease ran out while it stalled) does not execute it twice',
      },
    ],
  },
  {
    name: 'ledgered-progress-skipped-before-effects',
    what: 'no progress write after a ledgered task even when a task with an effect follows: a worker whose lease was taken runs that next task',
    file: 'module/workflows/executor.ts',
    find: 'if (def?.pure || (def?.ledgered && onlyPureAfter(index))) continue;',
    replace: 'if (def?.pure || def?.ledgered) continue;',
    tests: [
      {
        file: 'test/integration/workflows/run-recovery.test.ts',
        name: 'a worker whose lease was taken between two tasks stops: the next task never runs and nothing more is written',
      },
    ],
  },
  {
    name: 'sqlite-vacuum-in-retention',
    what: 'a retention pass no longer hands free SQLite pages back, so the file never shrinks after a prune',
    file: 'module/retention.ts',
    find: 'await vacuumIncrementally(db, VACUUM_PAGES_PER_PASS);',
    replace: '',
    engines: ['sqlite'],
    tests: [
      {
        file: 'test/integration/storage/sqlite-vacuum.test.ts',
        name: 'retention hands free pages back to the file, at most VACUUM_PAGES_PER_PASS per pass',
      },
    ],
  },
  {
    name: 'sqlite-auto-vacuum-at-migrate',
    what: 'migrating no longer switches a SQLite file to incremental auto-vacuum',
    file: 'module/storage/migrate.ts',
    find: '  await ensureIncrementalVacuum(db);',
    replace: '',
    engines: ['sqlite'],
    tests: [
      {
        file: 'test/integration/storage/sqlite-vacuum.test.ts',
        name: 'migrating a SQLite file that already has tables switches it to incremental auto-vacuum',
      },
    ],
  },
  {
    name: 'sqlite-auto-vacuum-without-vacuum',
    what: 'the auto_vacuum pragma is set but no VACUUM follows, so a file that already has tables keeps mode 0',
    file: 'module/storage/sqlite-vacuum.ts',
    find: "await db.raw('VACUUM');",
    replace: '',
    engines: ['sqlite'],
    tests: [
      {
        file: 'test/integration/storage/sqlite-vacuum.test.ts',
        name: 'migrating a SQLite file that already has tables switches it to incremental auto-vacuum',
      },
    ],
  },
  {
    name: 'sqlite-incremental-vacuum-one-step',
    what: 'incremental_vacuum stepped once (as knex runs a statement without rows): one page per pass, not the bound',
    file: 'module/storage/sqlite-vacuum.ts',
    find: '    conn.pragma(pragma);',
    replace: '    (conn as any).prepare(`PRAGMA ${pragma}`).run();',
    engines: ['sqlite'],
    tests: [
      {
        file: 'test/integration/storage/sqlite-vacuum.test.ts',
        name: 'retention hands free pages back to the file, at most VACUUM_PAGES_PER_PASS per pass',
      },
    ],
  },
  {
    name: 'log-index-delivery-status',
    what: 'no (status, id) index on deliveries: the status-filtered log page sorts every matching row',
    file: 'migrations/20261203000010_log_indexes.ts',
    find: "  spec('hookflow_deliveries', ['status', 'id']),",
    replace: '',
    engines: ['sqlite'],
    tests: [
      {
        file: 'test/integration/storage/log-indexes.test.ts',
        name: 'SQLite: the newest page of a status filter is read off an index, unsorted',
      },
    ],
  },
  {
    name: 'idem-async-snapshot-first',
    what: "an async idempotent request's record is read inside its transaction (SQLite: its only connection) instead of before it",
    file: 'module/inbound/idempotent-run.ts',
    find: 'const ready = await snapshotEvents(deps, request, prepared);',
    replace: 'const ready = prepared;',
    tests: [
      {
        file: 'test/integration/inbound/idempotent-async-record.test.ts',
        name: 'answers 202 promptly, stores the record in the run, and replays on a repeat',
      },
    ],
  },
  {
    name: 'idem-claim-stale-30s',
    what: 'an abandoned idempotency claim (no answer, no run) is taken over only after 10 minutes, not 30 s',
    file: 'module/inbound/idempotency.ts',
    find: 'export const CLAIM_STALE_MS = 30_000;',
    replace: 'export const CLAIM_STALE_MS = 10 * 60 * 1000;',
    tests: [
      {
        file: 'test/integration/inbound/claim-takeover.test.ts',
        name: 'an unanswered claim 31 s old (database clock) is taken over and runs; one 20 s old is still 409',
      },
    ],
  },
  {
    name: 'idem-claim-heartbeat',
    what: 'a live inbound request no longer refreshes its idempotency claim (it would be taken over after 30 s)',
    file: 'module/inbound/idempotent-run.ts',
    find: 'beat: startClaimHeartbeat(() => deps.idempotency.refresh(claim.held), { everyMs: deps.claimHeartbeatMs }),',
    replace: 'beat: { lost: false, stop: async () => undefined },',
    tests: [
      {
        file: 'test/integration/inbound/claim-takeover.test.ts',
        name: 'a live request keeps refreshing its claim while it prepares',
      },
    ],
  },
  {
    name: 'idem-claim-fence',
    what: "a request whose idempotency claim was taken over still refreshes it and notes its run on the new owner's claim (fence on created_at gone)",
    file: 'module/inbound/idempotency.ts',
    find: '      created_at: held.createdAt,\n',
    replace: '',
    tests: [
      {
        file: 'test/integration/inbound/claim-takeover.test.ts',
        name: 'a claim refreshed by its heartbeat is not taken over',
      },
    ],
  },
  {
    name: 'idem-complete-fence',
    what: "an async request whose idempotency claim was taken over still commits its run and overwrites the new owner's answer",
    file: 'module/inbound/idempotency.ts',
    find: ": q.where('created_at', held.createdAt).orWhere('run_id', runId);",
    replace: ': q;',
    tests: [
      {
        file: 'test/integration/inbound/claim-takeover.test.ts',
        name: "async: a request whose claim was taken over rolls back its run and answers 409; the new owner's answer stays",
      },
    ],
  },
  {
    name: 'keyset-before-dropped',
    what: 'a before= cursor no longer filters (every page by cursor shows the newest rows again)',
    file: 'module/storage/paging.ts',
    find: "ids.where('id', '<', page.before);",
    replace: "ids.where('id', '<', Number.MAX_SAFE_INTEGER);",
    tests: [
      {
        file: 'test/integration/outbound/log-api-paging.test.ts',
        name: 'nextBefore pages 10, 10, 7 with no overlap or gap; prevAfter goes back to the same rows',
      },
      {
        file: 'test/integration/admin/pages-logs-cursor.test.ts',
        name: 'webhook log: Older carries before= and the filters, shows the next rows; Newer goes back',
      },
      {
        file: 'test/integration/admin/pages-logs-cursor.test.ts',
        name: 'runs log: Older carries before= and the filters, shows the next rows',
      },
    ],
  },
  {
    name: 'keyset-has-more-off-by-one',
    what: 'a page fetches only limit rows, so it never knows an older page exists (no nextBefore, no Older link)',
    file: 'module/storage/paging.ts',
    find: '.limit(page.limit + 1);',
    replace: '.limit(page.limit);',
    tests: [
      {
        file: 'test/integration/outbound/log-api-paging.test.ts',
        name: 'nextBefore pages 10, 10, 7 with no overlap or gap; prevAfter goes back to the same rows',
      },
      {
        file: 'test/integration/admin/pages-logs-cursor.test.ts',
        name: 'webhook log: Older carries before= and the filters, shows the next rows; Newer goes back',
      },
    ],
  },
  {
    name: 'keyset-after-not-reversed',
    what: 'a page reached by after= is shown oldest first instead of newest first',
    file: 'module/storage/paging.ts',
    find: 'return { ids: asc.slice(0, page.limit).reverse(), more: asc.length > page.limit };',
    replace: 'return { ids: asc.slice(0, page.limit), more: asc.length > page.limit };',
    tests: [
      {
        file: 'test/integration/outbound/log-api-paging.test.ts',
        name: 'nextBefore pages 10, 10, 7 with no overlap or gap; prevAfter goes back to the same rows',
      },
      {
        file: 'test/integration/admin/pages-logs-cursor.test.ts',
        name: 'webhook log: Older carries before= and the filters, shows the next rows; Newer goes back',
      },
    ],
  },
  {
    name: 'log-count-cap-removed',
    what: 'the log count is no longer capped: total counts every matching row and totalCapped is never true',
    file: 'module/storage/paging.ts',
    find: 'return { total: Math.min(count, cap), capped: count > cap };',
    replace: 'return { total: count, capped: false };',
    tests: [
      { file: 'test/integration/outbound/log-api-paging.test.ts', name: 'the count stops at its cap and says so' },
    ],
  },
  {
    name: 'log-both-cursors-accepted',
    what: 'the log API takes before and after together instead of refusing them in plain words',
    file: 'module/outbound/log-api.ts',
    find: '.refine((q) => q.before === undefined || q.after === undefined,',
    replace: '.refine(() => true,',
    tests: [
      {
        file: 'test/integration/outbound/log-api-paging.test.ts',
        name: 'before and after together are refused naming both; a cursor past the end is an empty page',
      },
    ],
  },
  {
    name: 'cursor-pager-position-lost',
    what: "the Older link no longer carries the next page's position (from=), so page 2 says 1–25 again",
    file: 'module/admin/pages/cursor-pager.ts',
    find: 'href({ before: p.nextBefore, from: from && from + p.count })',
    replace: 'href({ before: p.nextBefore })',
    tests: [
      {
        file: 'test/unit/admin/cursor-pager.test.ts',
        name: 'cursorPager: the newest page is 1–25, Older carries before= and the next position',
      },
      {
        file: 'test/integration/admin/pages-logs-cursor.test.ts',
        name: 'webhook log: Older carries before= and the filters, shows the next rows; Newer goes back',
      },
    ],
  },
  {
    name: 'status-counts-off-range-index',
    what: "SQLite's overview counts per status group by the plain column: the planner walks a whole status index (250 ms at 1M rows)",
    file: 'module/storage/engine.ts',
    find: "return engineOf(db) === 'sqlite' ? '+status' : 'status';",
    replace: "return 'status';",
    engines: ['sqlite'],
    tests: [
      {
        file: 'test/integration/storage/log-indexes.test.ts',
        name: 'SQLite: the overview counts per status read the created_at range, not a whole status index',
      },
    ],
  },
  {
    name: 'waited-delivery-due-now',
    what: 'a waited delivery is queued due now: the delivery lane can take it before the waiting run and send it under the request timeout',
    file: 'module/outbound/queue/enqueue.ts',
    find: 'next_attempt_at: d.dueInMs ? db.raw(`${nowMsSql(db)} + ?`, [Math.round(d.dueInMs)]) : now,',
    replace: 'next_attempt_at: now,',
    tests: [
      {
        file: 'test/integration/outbound/waited-delivery-due.test.ts',
        name: 'due later: the batch claim skips it, the run leases it now',
      },
    ],
  },
  {
    name: 'waited-delivery-no-due-delay',
    what: 'the webhook task no longer asks for a later due time when its run waits for the answer',
    file: 'module/workflows/tasks/webhook/task.ts',
    find: 'const dueInMs = o.waitForAnswer ? o.answerTimeoutMs + WAITED_DELIVERY_GRACE_MS : 0;',
    replace: 'const dueInMs = 0;',
    tests: [
      {
        file: 'test/unit/workflows/tasks/webhook/task.test.ts',
        name: 'its delivery is due for the lane only after the answer timeout and a grace; others are due now',
      },
    ],
  },
  {
    name: 'waited-delivery-not-released',
    what: 'a waited delivery the run could not send (host at the cap) waits out its later due time before the lane sends it',
    file: 'module/outbound/send-now.ts',
    find: '        await releaseWaitedDelivery(deps.db, deliveryId);\n',
    replace: '',
    tests: [
      {
        file: 'test/integration/outbound/waited-delivery-due.test.ts',
        name: 'a run that could not send (host at the cap) hands its delivery to the lane at once',
      },
    ],
  },
  {
    name: 'destination-locks-never-pruned',
    what: 'retention no longer drops the claim lock rows of quiet destinations: the table grows with every host ever sent to',
    file: 'module/retention.ts',
    find: 'const destinationLocks = await pruneQuietDestinationLocks(db, cutoff);',
    replace: 'const destinationLocks = 0;',
    tests: [
      {
        file: 'test/integration/retention.test.ts',
        name: 'retention drops the claim lock rows of quiet destinations only',
      },
    ],
  },
  {
    name: 'destination-locks-pruned-while-busy',
    what: 'retention drops the lock row of a host that still has queued or held deliveries',
    file: 'module/outbound/queue/destination-locks.ts',
    find: 'const quiet = old.filter((h) => !busy.has(h));',
    replace: 'const quiet = old;',
    tests: [
      {
        file: 'test/integration/outbound/destination-locks-prune.test.ts',
        name: 'old rows of hosts with nothing unfinished go; busy, held and new ones stay; a pruned host claims again',
      },
    ],
  },
  {
    name: 'too-many-requests-overwritten',
    what: 'a claim’s token spend writes back the whole bucket it read: a 429 noted meanwhile loses its pause',
    file: 'module/outbound/queue/rate-buckets.ts',
    find: 'await writeBucket(trx, host, b, SPEND_COLUMNS);',
    replace: 'await writeBucket(trx, host, b);',
    engines: ['mysql'],
    tests: [
      {
        file: 'test/integration/outbound/too-many-requests-race.test.ts',
        name: 'the claim’s token spend does not overwrite the pause the 429 asked for',
      },
    ],
  },
  {
    name: 'time-window-unbounded',
    what: 'the delivery log over a time window walks the whole id range (a second at 1M rows on MariaDB)',
    file: 'module/outbound/queue/read.ts',
    find: "await boundByCreatedAt(db, q, 'hookflow_deliveries', f, windowScanCap, windowOnly ? ID_WALK_INDEX : undefined);",
    replace: '',
    tests: [
      {
        file: 'test/integration/storage/time-window-bound.test.ts',
        name: 'the bound is the window’s own MIN and MAX id, read only up to its cap, and only with an until',
      },
    ],
  },
  {
    name: 'time-window-bound-guessed',
    what: 'the id bound of a time window leaves out its newest id (a bound guessed, not the window’s own MAX)',
    file: 'module/storage/paging.ts',
    find: "else q.whereBetween('id', [Number(row.lo), Number(row.hi)]);",
    replace: "else q.whereBetween('id', [Number(row.lo), Number(row.hi) - 1]);",
    tests: [
      {
        file: 'test/integration/storage/time-window-bound.test.ts',
        name: 'deliveries: every row created in the window, once, newest id first — rows out of time order included',
      },
      { file: 'test/integration/storage/time-window-bound.test.ts', name: 'runs: the same window, the same rows' },
    ],
  },
  {
    name: 'time-window-bound-uncapped',
    what: 'a window wider than the scan cap is still bounded (from a LIMITed read: not its MIN and MAX)',
    file: 'module/storage/paging.ts',
    find: 'if (n > scanCap) return wide();',
    replace: '',
    tests: [
      {
        file: 'test/integration/storage/time-window-bound.test.ts',
        name: 'the bound is the window’s own MIN and MAX id, read only up to its cap, and only with an until',
      },
    ],
  },
  {
    name: 'chart-hour-off-index',
    what: 'MariaDB’s hourly chart groups by FLOOR(created_at / hour): a temporary table of 200k rows at 1M (3× slower)',
    file: 'module/outbound/queue/read.ts',
    find: "const hour = engineOf(db) === 'mysql' ? 'created_hour' :",
    replace: "const hour = engineOf(db) === 'mysql' ? `FLOOR(created_at / ${HOUR_MS})` :",
    engines: ['mysql'],
    tests: [
      {
        file: 'test/integration/storage/log-indexes.test.ts',
        name: 'the hourly chart counts off the hour index, in its order: no temporary table, no sort',
      },
    ],
  },
  {
    name: 'chart-hour-index-missing',
    what: 'the migration indexes SQLite’s deliveries by status only: the chart sorts every row of 7 days',
    file: 'migrations/20261204000010_delivery_hours.ts',
    find: 'ON hookflow_deliveries ((created_at / 3600000), status)',
    replace: 'ON hookflow_deliveries (status)',
    engines: ['sqlite'],
    tests: [
      {
        file: 'test/integration/storage/log-indexes.test.ts',
        name: 'the hourly chart counts off the hour index, in its order: no temporary table, no sort',
      },
    ],
  },
  {
    name: 'time-window-unbounded-runs',
    what: 'the run log over a time window walks the whole id range',
    file: 'module/workflows/runs.ts',
    find: "await boundByCreatedAt(db, q, 'hookflow_runs', f, windowScanCap, windowOnly ? ID_WALK_INDEX : undefined);",
    replace: '',
    tests: [
      {
        file: 'test/integration/storage/time-window-bound.test.ts',
        name: 'the bound is the window’s own MIN and MAX id, read only up to its cap, and only with an until',
      },
    ],
  },
  {
    name: 'lease-owner-is-worker-id',
    what: 'a claim writes the bare worker id as lease owner: a stale execution of the same id passes every lease check',
    file: 'module/storage/lease-owner.ts',
    find: "return `${workerId}~${randomBytes(4).toString('hex')}`;",
    replace: 'return workerId;',
    tests: [
      {
        file: 'test/integration/workflows/lease-heartbeat.test.ts',
        name: 'a second process given the same workerId takes the expired run over: the first is fenced out by its claim token',
      },
      {
        file: 'test/integration/outbound/per-host-cap.test.ts',
        name: 'attempts are written together, but only by the lease holder: a late writer whose lease was re-taken (by its own worker id too) changes nothing',
      },
      {
        file: 'test/integration/storage/lease-fencing.test.ts',
        name: 'a schedule slot claimed again by the same worker id: the first claim fires nothing',
      },
      {
        file: 'test/integration/storage/lease-fencing.test.ts',
        name: 'an alert group claimed again by the same worker id: the first claim cannot renew, defer, fail or send it',
      },
    ],
  },
  {
    name: 'reclaimed-run-keeps-old-token',
    what: 'a run this process claims again while executing it is not handed the new claim: its writes are refused',
    file: 'module/workflows/executor.ts',
    find: 'if (current) current.owner = run.leaseOwner;',
    replace: '',
    tests: [
      {
        file: 'test/integration/workflows/lease-heartbeat.test.ts',
        name: 'a worker that claims its own run again (its lease ran out while it stalled) does not execute it twice',
      },
    ],
  },
  {
    name: 'sweep-failed-without-lease',
    what: 'a worker whose sweep lease was taken over still marks the sweep failed',
    file: 'module/workflows/backfills.ts',
    find: ".where({ id: sweep.id, lease_owner: sweep.leaseOwner, status: 'running' })",
    replace: ".where({ id: sweep.id, status: 'running' })",
    tests: [
      {
        file: 'test/integration/storage/lease-fencing.test.ts',
        name: 'a sweep claimed again by the same worker id: the first claim can neither fail, advance nor release it',
      },
    ],
  },
  {
    name: 'lease-one-inserts-held-lock',
    what: 'leasing one delivery inserts its existing lock row again: it waits behind a held claim and throws at the lock wait timeout',
    file: 'module/outbound/queue/claim-one.ts',
    find: 'if (Number(row.lock_row) !== 1) await ensureDestinationLocks(db, [host]);',
    replace: 'await ensureDestinationLocks(db, [host]);',
    engines: ['mysql'],
    tests: [
      {
        file: 'test/integration/outbound/lease-one-lock-wait.test.ts',
        name: 'it waits for the lock once and answers busy at the lock wait timeout, throwing nothing',
      },
    ],
  },
  {
    name: 'wide-window-walks-primary-key',
    what: 'a log page over a window too wide to bound walks whole rows down from the newest (a second at 1M rows on MariaDB)',
    file: 'module/storage/paging.ts',
    find: "if (walkIndex && engineOf(db) === 'mysql') q.from(db.raw('?? FORCE INDEX (??)', [table, walkIndex]));",
    replace: '',
    engines: ['mysql'],
    tests: [
      {
        file: 'test/integration/storage/time-window-bound.test.ts',
        name: 'a window too wide to bound walks the narrow (id, created_at) index on MariaDB/MySQL, and pages exactly',
      },
      {
        file: 'test/integration/storage/time-window-bound.test.ts',
        name: 'runs: a window too wide to bound walks their narrow index too, and pages exactly',
      },
    ],
  },
  {
    name: 'wide-window-forced-with-filters',
    what: 'a filtered log page is forced onto the id walk too, skipping the filter’s own index',
    file: 'module/outbound/queue/read.ts',
    find: 'const windowOnly = !f.status && !f.workflowId && !f.taskId && !f.recordId;',
    replace: 'const windowOnly = true;',
    engines: ['mysql'],
    tests: [
      {
        file: 'test/integration/storage/time-window-bound.test.ts',
        name: 'a window too wide to bound walks the narrow (id, created_at) index on MariaDB/MySQL, and pages exactly',
      },
    ],
  },
  {
    name: 'wide-window-probed-anyway',
    what: 'a window whose edges are far apart is still counted up to the scan cap before every page (40 ms at 1M rows)',
    file: 'module/storage/paging.ts',
    find: 'if ((await idSpanOf(db, table, window)) > scanCap) return wide();',
    replace: '',
    tests: [
      {
        file: 'test/integration/storage/time-window-bound.test.ts',
        name: 'the bound is the window’s own MIN and MAX id, read only up to its cap, and only with an until',
      },
    ],
  },
  {
    name: 'run-insert-never-finished',
    what: 'a run inserted finished (skipped, failed) has no finished time',
    file: 'module/workflows/runs.ts',
    find: '    finished ? 1 : 0,\n',
    replace: '    0,\n',
    tests: [
      {
        file: 'test/integration/workflows/inserted-run.test.ts',
        name: 'insertRun stamps the database clock: created always, started and the lease only when leased, finished only when finished',
      },
    ],
  },
  {
    name: 'run-insert-default-lease',
    what: 'a sync run’s lease is the default 60 s whatever leaseSeconds says',
    file: 'module/workflows/runs.ts',
    find: '(run.leaseSeconds ?? 60) * 1000,',
    replace: '60 * 1000,',
    tests: [
      {
        file: 'test/integration/workflows/inserted-run.test.ts',
        name: 'insertRun stamps the database clock: created always, started and the lease only when leased, finished only when finished',
      },
    ],
  },
  {
    name: 'probe-lookup-walks-statuses',
    what: 'the held destinations’ probe look-up can no longer seek by destination, so SQLite walks every queued delivery on each claim',
    file: 'module/outbound/queue/destinations.ts',
    find: 'WHERE d.destination_host = p.destination_host AND ${status})`;',
    replace: "WHERE d.destination_host || '' = p.destination_host AND ${status})`;",
    // `||` is concatenation on SQLite only; the plan test is SQLite's.
    engines: ['sqlite'],
    tests: [
      {
        file: 'test/integration/outbound/destination-claim.test.ts',
        name: "SQLite: the probe look-up reads held destinations' deliveries by destination, never a whole status",
      },
    ],
  },
  {
    name: 'probe-skips-expired-leases',
    what: 'a held destination’s delivery under an expired lease is no longer its probe',
    file: 'module/outbound/queue/destinations.ts',
    find: "UNION ALL ${held(`d.status = 'dispatched' AND d.lease_expires_at < ${now}`)}) o",
    replace: "UNION ALL ${held(`d.status = 'dispatched' AND d.lease_expires_at < 0`)}) o",
    tests: [
      {
        file: 'test/integration/outbound/destination-claim.test.ts',
        name: 'the probe is the oldest unfinished delivery: one under an expired lease counts, one under a live lease does not',
      },
    ],
  },
];
