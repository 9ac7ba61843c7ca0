/**
 * The reference CRM's fixed modules and their fields. Hookflow sees them, followed by the
 * admin-defined ones (host/custom-modules.ts), through `records.listModules()`; the records
 * service validates every save against its module.
 */
import type { ModuleField, ModuleInfo } from 'hookflow';

const text = (name: string, label: string): ModuleField => ({ name, label, type: 'text' });
const num = (name: string, label: string): ModuleField => ({ name, label, type: 'number' });
const email = (name: string, label: string): ModuleField => ({ name, label, type: 'email' });
const date = (name: string, label: string): ModuleField => ({ name, label, type: 'date' });
const reference = (name: string, label: string, references: string): ModuleField => ({
  name,
  label,
  type: 'reference',
  references,
});
const picklist = (name: string, label: string, options: string[]): ModuleField => ({
  name,
  label,
  type: 'picklist',
  options,
});

export const INVOICE_STATUSES = ['Draft', 'Sent', 'Paid', 'Cancelled'];

/**
 * The custom module every database starts with (migration 0002): a Bitrix24 smart invoice,
 * dynamic type 31, so its events go out as `ONCRMDYNAMICITEM…` with `ENTITY_TYPE_ID` 31.
 */
export const INVOICES_SEED = {
  name: 'Invoices',
  label: 'Invoices',
  definition: JSON.stringify({
    fields: [
      text('title', 'Title'),
      num('amount', 'Amount'),
      text('currency', 'Currency'),
      picklist('status', 'Status', INVOICE_STATUSES),
      date('due_date', 'Due date'),
      reference('deal_id', 'Deal', 'Deals'),
      reference('account_id', 'Account', 'Accounts'),
    ],
    aliases: { bitrix24EntityTypeId: 31, event: 'invoice' },
  }),
};

export const LEAD_STATUSES = ['New', 'Contacted', 'Qualified', 'Lost'];
export const DEAL_STAGES = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation', 'Won', 'Lost'];

export const MODULES: readonly ModuleInfo[] = [
  {
    name: 'Leads',
    label: 'Leads',
    aliases: { bitrix24: 'LEAD', event: 'lead' },
    fields: [
      text('firstname', 'First name'),
      text('lastname', 'Last name'),
      text('company', 'Company'),
      email('email', 'Email'),
      text('phone', 'Phone'),
      text('street', 'Street'),
      text('city', 'City'),
      picklist('status', 'Status', LEAD_STATUSES),
      text('source', 'Lead source'),
    ],
  },
  {
    name: 'Contacts',
    label: 'Contacts',
    aliases: { bitrix24: 'CONTACT', event: 'contact' },
    fields: [
      text('firstname', 'First name'),
      text('lastname', 'Last name'),
      email('email', 'Email'),
      text('phone', 'Phone'),
      reference('account_id', 'Account', 'Accounts'),
    ],
  },
  {
    name: 'Accounts',
    label: 'Accounts',
    aliases: { bitrix24: 'COMPANY', event: 'account' },
    fields: [
      text('name', 'Account name'),
      text('website', 'Website'),
      text('industry', 'Industry'),
      text('phone', 'Phone'),
      text('city', 'City'),
    ],
  },
  {
    name: 'Deals',
    label: 'Deals',
    aliases: { bitrix24: 'DEAL', event: 'deal' },
    fields: [
      text('title', 'Title'),
      num('amount', 'Amount'),
      text('currency', 'Currency'),
      picklist('stage', 'Sales stage', DEAL_STAGES),
      date('close_date', 'Close date'),
      reference('account_id', 'Account', 'Accounts'),
      reference('contact_id', 'Contact', 'Contacts'),
      // Set by an external invoicing system, typically through a webhook response.
      text('invoice_id', 'Invoice id'),
    ],
  },
];

/** The fixed module definition by exact name, or undefined. */
export function findFixedModule(name: string): ModuleInfo | undefined {
  return MODULES.find((m) => m.name === name);
}

/** Deep copies so callers (the module's admin pages, tests) cannot mutate the definitions. */
export function cloneModules(): ModuleInfo[] {
  return MODULES.map((m) => ({
    ...m,
    fields: m.fields.map((f) => (f.options ? { ...f, options: [...f.options] } : { ...f })),
  }));
}
