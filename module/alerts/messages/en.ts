/**
 * The English message catalogue of the failure-alert mails: plain data, the reference key set.
 * Every other catalogue is typed `AlertMessages`, so a key missing there fails the type check.
 * `{name}` marks a value filled in by formatMessage (alert-format.ts); values are data, never markup.
 * `timeStyle` picks how times are written: `iso` `2026-12-01 20:44:56 UTC`, `locale` the
 * locale's own medium date and long time (`01.12.2026, 21:44:56 MEZ`).
 */
export const en = {
  htmlLang: 'en',
  timeStyle: 'iso',
  quoteOpen: '"',
  quoteClose: '"',
  unknownTime: 'unknown',
  deletedWorkflow: 'deleted workflow',
  webhook: 'webhook',
  webhookDeleted: 'webhook #{id} (deleted)',
  noHttpResponse: 'no HTTP response',
  hello: 'Hello {name},',
  noRecord: 'no record',
  recordDeleted: '{record} (deleted)',

  subjectWebhookFailed: 'Webhook failed',
  subjectWebhookDisabled: 'Webhook disabled',
  subjectDeliveriesFailed: '{count} webhook deliveries failed',
  titleDeliveryFailed: 'Webhook delivery failed',
  headingDeliveryFailed: 'A webhook delivery failed',
  introDelivery:
    'A delivery of the webhook {webhookTitle} in the workflow {workflowTitle} failed for good: every retry was used up or the receiver refused it permanently.',
  introDeliveries:
    '{count} deliveries of the webhook {webhookTitle} in the workflow {workflowTitle} failed for good: every retry was used up or the receiver refused it permanently.',
  disabledHead: 'This webhook is now disabled',
  disabledBody:
    ': new events are held, not lost, and sent once an admin fixes the receiver or its URL and re-enables it.',
  disabledReason: 'Reason',
  disabledLink: 'Open the workflow to fix and re-enable it',
  disabledLinkText: 'Fix and re-enable it here',
  delivery: 'Delivery',
  workflow: 'Workflow',
  request: 'Request',
  lastResult: 'Last result',
  attempts: 'Attempts',
  failedAt: 'Failed at',
  record: 'Record',
  logEntry: 'Log entry',
  openRecord: 'Open the record',
  viewLogEntry: 'View the log entry',
  moreDeliveries: 'and {count} more failed deliveries of this webhook.',
  allDeliveries: 'All failed deliveries of this webhook',
  footerDelivery:
    'Each failed delivery is reported once; several failures of one webhook close together are sent as one summary. You get this mail as an active admin or as the owner of the record.',

  subjectRunFailed: 'Workflow run failed',
  subjectRunsFailed: '{count} workflow runs failed',
  headingRunFailed: 'A workflow run failed',
  introRun: 'A run of the workflow {workflowTitle} failed and stopped there: the tasks after the failure did not run.',
  introRuns:
    '{count} runs of the workflow {workflowTitle} failed and stopped there: the tasks after the failure did not run.',
  run: 'Run',
  failedTask: 'Failed task',
  failedOutside: 'Failed',
  beforeTasks: 'before any task ran',
  afterTasks: 'after its tasks ran',
  reason: 'Reason',
  field: 'Field',
  moreRuns: 'and {count} more failed runs of this workflow.',
  allRuns: 'All failed runs of this workflow',
  fixWorkflow: 'Fix the workflow',
  fixWorkflowText: 'Fix the workflow here',
  footerRun:
    'Each failed run is reported once; several failures of one workflow close together are sent as one summary. You get this mail as an active admin or as the owner of the record.',
} as const;

/** The one key set every catalogue has; `timeStyle` is one of two words, everything else text. */
export type AlertMessages = { readonly [K in keyof typeof en]: K extends 'timeStyle' ? 'iso' | 'locale' : string };
