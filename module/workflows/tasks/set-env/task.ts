/** set_env: sets or computes `$env` values for later tasks (values are templates). */
import { z } from 'zod';
import { pathProblem } from '../../../paths.js';
import { formViewBeside, type TaskDefinition } from '../../task-types.js';
import { setEnvForm } from './form.js';

export const SetEnvOptions = z.strictObject({
  values: z
    .array(
      z.strictObject({
        name: z
          .string()
          .min(1)
          .max(100)
          .refine((n) => pathProblem(n) === null && !n.includes('.'), 'must be a simple name (letters, digits, _ -)'),
        value: z.unknown(),
      }),
    )
    .min(1)
    .max(100),
});
export type SetEnvOptions = z.infer<typeof SetEnvOptions>;

export const setEnvTask: TaskDefinition<SetEnvOptions> = {
  id: 'set_env',
  label: 'Set $env values',
  pure: true,
  options: SetEnvOptions,
  form: setEnvForm,
  formView: formViewBeside(import.meta.url),
  summary: (o) => `Sets ${(o.values ?? []).map((v) => `$env.${v.name}`).join(', ')}`,
  async run(options, ctx) {
    const set: Record<string, unknown> = {};
    // Values are rendered one by one so later values can use earlier ones.
    for (const { name, value } of options.values) {
      const rendered = ctx.services.render(value);
      ctx.tpl.env[name] = rendered;
      set[name] = rendered;
    }
    return { set };
  },
};
