/**
 * The German message catalogue of the failure-alert mails (for `de`, `de-DE`, `de-AT`, `de-CH` …):
 * plain data with exactly the English key set (messages/en.ts), checked by its type.
 */
import type { AlertMessages } from './en.js';

export const de: AlertMessages = {
  htmlLang: 'de',
  timeStyle: 'locale',
  quoteOpen: '„',
  quoteClose: '“',
  unknownTime: 'unbekannt',
  deletedWorkflow: 'gelöschter Workflow',
  webhook: 'Webhook',
  webhookDeleted: 'Webhook #{id} (gelöscht)',
  noHttpResponse: 'keine HTTP-Antwort',
  hello: 'Hallo {name},',
  noRecord: 'kein Datensatz',
  recordDeleted: '{record} (gelöscht)',

  subjectWebhookFailed: 'Webhook fehlgeschlagen',
  subjectWebhookDisabled: 'Webhook deaktiviert',
  subjectDeliveriesFailed: '{count} Webhook-Zustellungen fehlgeschlagen',
  titleDeliveryFailed: 'Webhook-Zustellung fehlgeschlagen',
  headingDeliveryFailed: 'Eine Webhook-Zustellung ist fehlgeschlagen',
  introDelivery:
    'Eine Zustellung des Webhooks {webhookTitle} im Workflow {workflowTitle} ist endgültig fehlgeschlagen: Alle Wiederholungen sind aufgebraucht, oder der Empfänger hat sie dauerhaft abgelehnt.',
  introDeliveries:
    '{count} Zustellungen des Webhooks {webhookTitle} im Workflow {workflowTitle} sind endgültig fehlgeschlagen: Alle Wiederholungen sind aufgebraucht, oder der Empfänger hat sie dauerhaft abgelehnt.',
  disabledHead: 'Dieser Webhook ist jetzt deaktiviert',
  disabledBody:
    ': Neue Ereignisse werden zurückgehalten, nicht verworfen, und gesendet, sobald ein Admin den Empfänger oder die URL korrigiert und den Webhook wieder aktiviert.',
  disabledReason: 'Grund',
  disabledLink: 'Workflow öffnen, korrigieren und wieder aktivieren',
  disabledLinkText: 'Hier korrigieren und wieder aktivieren',
  delivery: 'Zustellung',
  workflow: 'Workflow',
  request: 'Anfrage',
  lastResult: 'Letztes Ergebnis',
  attempts: 'Versuche',
  failedAt: 'Fehlgeschlagen am',
  record: 'Datensatz',
  logEntry: 'Protokolleintrag',
  openRecord: 'Datensatz öffnen',
  viewLogEntry: 'Protokolleintrag ansehen',
  moreDeliveries: 'und {count} weitere fehlgeschlagene Zustellungen dieses Webhooks.',
  allDeliveries: 'Alle fehlgeschlagenen Zustellungen dieses Webhooks',
  footerDelivery:
    'Jede fehlgeschlagene Zustellung wird einmal gemeldet; mehrere Fehler eines Webhooks kurz nacheinander kommen als eine Zusammenfassung. Sie erhalten diese Mail als aktiver Admin oder als Besitzer des Datensatzes.',

  subjectRunFailed: 'Workflow-Lauf fehlgeschlagen',
  subjectRunsFailed: '{count} Workflow-Läufe fehlgeschlagen',
  headingRunFailed: 'Ein Workflow-Lauf ist fehlgeschlagen',
  introRun:
    'Ein Lauf des Workflows {workflowTitle} ist fehlgeschlagen und hat dort angehalten: Die Aufgaben nach dem Fehler liefen nicht.',
  introRuns:
    '{count} Läufe des Workflows {workflowTitle} sind fehlgeschlagen und haben dort angehalten: Die Aufgaben nach dem Fehler liefen nicht.',
  run: 'Lauf',
  failedTask: 'Fehlgeschlagene Aufgabe',
  failedOutside: 'Fehlgeschlagen',
  beforeTasks: 'bevor eine Aufgabe lief',
  afterTasks: 'nachdem seine Aufgaben liefen',
  reason: 'Grund',
  field: 'Feld',
  moreRuns: 'und {count} weitere fehlgeschlagene Läufe dieses Workflows.',
  allRuns: 'Alle fehlgeschlagenen Läufe dieses Workflows',
  fixWorkflow: 'Workflow korrigieren',
  fixWorkflowText: 'Workflow hier korrigieren',
  footerRun:
    'Jeder fehlgeschlagene Lauf wird einmal gemeldet; mehrere Fehler eines Workflows kurz nacheinander kommen als eine Zusammenfassung. Sie erhalten diese Mail als aktiver Admin oder als Besitzer des Datensatzes.',
};
