/**
 * The demo's workflows, so `npm start` shows the product working rather than an empty screen:
 *  - Deals: "Notify accounting when a deal is won" (stage changed_to Won → webhook)
 *  - Leads: "Web lead form" (HTTP trigger `leadform` → create a Lead from $env → redirect)
 * Idempotent: a workflow with the same module and title is left as the admin changed it.
 */
import type { InstalledHookflow } from 'hookflow';

export interface DemoWorkflowOptions {
  /** Where the won-deal webhook goes. Default: the host's own demo receiver. */
  accountingUrl: string;
  /** Where the lead form sends the visitor afterwards. */
  thankYouUrl: string;
  ownerUserId: number | null;
}

export function demoWorkflows(opts: DemoWorkflowOptions) {
  return [
    {
      module: 'Deals',
      title: 'Notify accounting when a deal is won',
      description: 'Sends the won deal to the accounting system so it can raise an invoice.',
      status: 'active',
      trigger: 'record.updated',
      conditions: { join: 'all', conditions: [{ field: 'stage', op: 'changed_to', value: 'Won' }] },
      tasks: [
        {
          type: 'webhook',
          title: 'Create invoice in accounting',
          options: {
            url: opts.accountingUrl,
            method: 'POST',
            contentType: 'JSON',
            params: [
              { name: 'deal.id', value: '$record.id' },
              { name: 'deal.title', value: '{{record.title}}' },
              { name: 'deal.amount', value: '$record.amount' },
              { name: 'deal.currency', value: '{{record.currency}}' },
              { name: 'owner.name', value: '{{user.name}}' },
              { name: 'owner.email', value: '{{user.email}}' },
            ],
            headers: [{ name: 'X-Source', value: 'hookflow-demo' }],
            // The demo accounting answers { "invoice_id": "INV-…" }: it lands on the deal.
            saveResponse: [{ path: '$.invoice_id', field: 'invoice_id' }],
          },
        },
      ],
    },
    {
      module: 'Leads',
      title: 'Web lead form',
      description: 'Creates a Lead from a website form post and thanks the visitor.',
      status: 'active',
      trigger: 'http',
      triggerName: 'leadform',
      requiredEnv: [
        { name: 'lastname', type: 'text', required: true },
        { name: 'email', type: 'email', required: false },
      ],
      tasks: [
        {
          type: 'create_record',
          title: 'Create the lead',
          options: {
            module: 'Leads',
            fields: [
              { field: 'firstname', value: '$env["firstname"]' },
              { field: 'lastname', value: '$env["lastname"]' },
              { field: 'street', value: '$env["street"]' },
              { field: 'email', value: '$env["email"]' },
              { field: 'source', value: 'Web form' },
            ],
          },
        },
        {
          type: 'respond',
          title: 'Thank the visitor',
          options: { body: { leadId: '$env.created_record_id' }, redirectUrl: opts.thankYouUrl },
        },
      ],
    },
  ];
}

/** Creates the demo workflows that do not exist yet; returns how many were created. */
export async function seedDemoWorkflows(hookflow: InstalledHookflow, opts: DemoWorkflowOptions): Promise<number> {
  const existing = await hookflow.services.store.list();
  let created = 0;
  for (const wf of demoWorkflows(opts)) {
    if (existing.some((e) => e.module === wf.module && e.title === wf.title)) continue;
    await hookflow.services.workflows.create(wf, opts.ownerUserId);
    created++;
  }
  return created;
}

export const DEMO_PERMISSION_TITLE = 'Demo: lead form from this machine';

/**
 * Lets loopback callers (127.0.0.1 and ::1) run the `leadform` trigger, so the banner's curl
 * line works out of the box. Idempotent by title; an admin's changes to it are kept.
 */
export async function seedDemoPermission(hookflow: InstalledHookflow): Promise<boolean> {
  const { permissions } = hookflow.services;
  if ((await permissions.list()).some((p) => p.title === DEMO_PERMISSION_TITLE)) return false;
  await permissions.create({ title: DEMO_PERMISSION_TITLE, triggerName: 'leadform', sources: ['127.0.0.1', '::1'] });
  return true;
}

/** A ready-to-paste curl command that posts a lead to the demo's short URL. */
export function leadformCurl(shortUrl: string): string {
  const url = `${shortUrl}?trigger=leadform&record_id=0`;
  return `curl -sS '${url}' --data-urlencode 'firstname=Ada' --data-urlencode 'lastname=Lovelace' --data-urlencode 'street=streetname 123'`;
}
