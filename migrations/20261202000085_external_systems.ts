/**
 * Echo suppression (issue 21.4): which external system a change came from.
 * - `hookflow_http_permissions.external_system`: the system a permission admits (`accounting`);
 *   null = none named. Runs started through the permission carry it.
 * - `hookflow_runs.origin_system`: the system the run's change came from — the permission's for
 *   an HTTP run, the triggering change's `origin.system` for a record-event run; null = none.
 *   Its record changes pass it on, and webhooks to that system skip the run's event.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hookflow_http_permissions', (t) => {
    t.string('external_system', 64).nullable();
  });
  await knex.schema.alterTable('hookflow_runs', (t) => {
    t.string('origin_system', 64).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hookflow_runs', (t) => {
    t.dropColumn('origin_system');
  });
  await knex.schema.alterTable('hookflow_http_permissions', (t) => {
    t.dropColumn('external_system');
  });
}
