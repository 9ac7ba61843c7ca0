/** Settings: the HookflowSettings an admin may change, validated by the zod schema on save. */
import type { Router } from 'express';
import { isHookflowError } from '../../errors.js';
import type { PagesContext } from './context.js';
import { errorsBySetting, settingsPatchFromForm, settingsView, valuesFromSettings } from './settings-form.js';

export function registerSettings(router: Router, ctx: PagesContext): void {
  const { deps, render } = ctx;

  router.get('/settings', (req, res) => {
    render(req, res, 'settings', {
      title: 'Settings',
      section: 'settings',
      groups: settingsView(valuesFromSettings(deps.settingsStore.get()), {}),
    });
  });

  router.post('/settings', async (req, res) => {
    const { patch, errors, values } = settingsPatchFromForm(req.body, deps.settingsStore.get());
    const fail = (fields: Record<string, string>, message?: string) =>
      render(
        req,
        res,
        'settings',
        { title: 'Settings', section: 'settings', groups: settingsView(values, fields), formError: true, message },
        422,
      );
    if (Object.keys(errors).length > 0) return fail(errors);
    if (Object.keys(patch).length === 0)
      return res.redirect(303, `${ctx.base(res)}/settings?notice=settings-unchanged`);
    try {
      await deps.settingsStore.save(patch);
    } catch (err) {
      if (!isHookflowError(err) || err.status !== 422) throw err;
      return fail(errorsBySetting(err.fields), err.fields ? undefined : err.message);
    }
    deps.logger.info({ userId: res.locals.user?.id, changed: Object.keys(patch) }, 'hookflow settings changed');
    res.redirect(303, `${ctx.base(res)}/settings?notice=settings-saved`);
  });
}
