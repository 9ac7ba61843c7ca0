/**
 * Editing and deleting the admin-defined modules (the API's PATCH/DELETE /api/modules/:name and
 * the settings page's forms share these). The CRM's fixed modules (Leads, Deals …) are part of
 * its code: changing or deleting one is a 409.
 *
 * Delete rule: a module with records is refused (409, saying how many) unless `force` is given;
 * then each record is deleted through the normal record delete, one transaction each, so every
 * deletion fires the record-deleted hooks (Hookflow's workflows on OTHER modules see nothing, and
 * its runs queued for workflows on the deleted module itself are skipped once the module is gone,
 * like every run of a workflow whose module vanished). A module that another module's reference
 * field points at is refused (409 naming that field): the other module's description would break.
 */
import { HookflowError, type ModuleInfo } from 'hookflow';
import { deleteEmptyCustomModule, updateCustomModule } from './custom-module-changes.js';
import { findFixedModule } from './modules.js';
import type { RecordCaller, RecordService } from './records.js';

/** Records deleted per page by a forced delete. */
const DELETE_PAGE = 100;

/** The custom module `name`, or 404 (unknown) / 409 (a fixed one). */
async function requireCustom(records: RecordService, name: string): Promise<ModuleInfo> {
  if (findFixedModule(name))
    throw new HookflowError(
      'conflict',
      `${name} is one of the CRM's built-in modules; only admin-defined modules can change`,
      {
        name: 'a built-in module',
      },
    );
  return records.requireModule(name);
}

/** Applies a patch (custom-module-changes.ts has the rules): the module as it now is. */
export async function updateModule(records: RecordService, name: string, raw: unknown): Promise<ModuleInfo> {
  await requireCustom(records, name);
  const others = (await records.listModules()).filter((m) => m.name !== name);
  const updated = await updateCustomModule(records.customModules.db, name, raw, others);
  await records.listModules(); // refreshes the record service's names
  return updated;
}

/** `Other.field` for each reference field of another module pointing at `name`. */
function referrersOf(modules: readonly ModuleInfo[], name: string): string[] {
  return modules
    .filter((m) => m.name !== name)
    .flatMap((m) =>
      m.fields.filter((f) => f.type === 'reference' && f.references === name).map((f) => `${m.name}.${f.name}`),
    );
}

async function deleteAllRecords(records: RecordService, name: string, caller: RecordCaller): Promise<void> {
  for (let afterId = 0; ;) {
    const page = await records.listAfter(name, { afterId, limit: DELETE_PAGE });
    for (const record of page) {
      try {
        await records.delete(name, record.id, { actorUserId: caller.id, caller });
      } catch (err) {
        // Deleted by someone else meanwhile: that is what we wanted.
        if (!(err instanceof HookflowError && err.code === 'not_found')) throw err;
      }
    }
    if (page.length < DELETE_PAGE) return;
    afterId = page[page.length - 1]!.id;
  }
}

/** Deletes the custom module `name` (see the delete rule above). */
export async function deleteModule(
  records: RecordService,
  name: string,
  opts: { force: boolean; caller: RecordCaller },
): Promise<void> {
  await requireCustom(records, name);
  const referrers = referrersOf(await records.listModules(), name);
  if (referrers.length > 0)
    throw new HookflowError('conflict', `${name} cannot be deleted: ${referrers.join(', ')} points at it`, {
      name: `${referrers.join(', ')} points at it; change or delete ${referrers.length === 1 ? 'that module' : 'those modules'} first`,
    });
  const { total } = await records.list(name, { limit: 1 });
  if (total > 0 && !opts.force) throw stillHasRecords(name, total);
  if (opts.force) await deleteAllRecords(records, name, opts.caller);
  if (!(await deleteEmptyCustomModule(records.customModules.db, name))) {
    // A record was saved while the others were deleted: say so rather than delete it unseen.
    throw stillHasRecords(name, (await records.list(name, { limit: 1 })).total);
  }
  await records.listModules();
}

function stillHasRecords(name: string, total: number): HookflowError {
  const count = `${total} record${total === 1 ? '' : 's'}`;
  return new HookflowError(
    'conflict',
    `${name} still has ${count}; delete them first, or delete the module with force=1 to delete them too (each deletion fires its record-deleted hooks)`,
    { records: `${count} left` },
  );
}
