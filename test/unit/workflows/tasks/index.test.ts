/**
 * The registry is the only list of task types: each type is one folder (task.ts, form.ts,
 * form.hbs) with everything the engine and the pages need, and no type id is written anywhere
 * else in module/ or views/ — a page or service that needs to know about a type asks its definition.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createTaskRegistry } from '../../../../module/workflows/tasks/index.js';

const root = path.resolve(import.meta.dirname, '../../../..');
const registry = createTaskRegistry();

describe('task registry', () => {
  test('has every task type, each with a zod options schema and run()', () => {
    const reg = createTaskRegistry();
    assert.deepEqual([...reg.keys()].sort(), [
      'create_record',
      'respond',
      'send_email',
      'set_env',
      'update_record',
      'webhook',
    ]);
    for (const def of reg.values()) {
      assert.equal(typeof def.run, 'function');
      assert.equal(typeof def.options.safeParse, 'function');
    }
  });

  test('its order is the "add a task" menu order', () => {
    assert.deepEqual(
      [...registry.keys()],
      ['webhook', 'create_record', 'update_record', 'send_email', 'set_env', 'respond'],
    );
  });

  test('every task type has a form, a summary, and its form.hbs beside its task.ts in its own folder', () => {
    const folders = new Set<string>();
    for (const def of registry.values()) {
      for (const fn of ['blank', 'fromOptions', 'fromBody', 'view'] as const)
        assert.equal(typeof def.form[fn], 'function', `${def.id}: form.${fn}`);
      assert.equal(typeof def.form.labels, 'object', `${def.id}: form.labels`);
      assert.equal(typeof def.summary({}), 'string', `${def.id}: a summary, even of options that are not there`);
      assert.equal(path.basename(def.formView), 'form.hbs', def.id);
      assert.ok(fs.existsSync(def.formView), `${def.id}: ${def.formView} exists`);
      const folder = path.dirname(def.formView);
      assert.equal(path.dirname(folder), path.join(root, 'module/workflows/tasks'), `${def.id}: a folder of tasks/`);
      assert.ok(
        fs.existsSync(path.join(folder, 'task.ts')) && fs.existsSync(path.join(folder, 'form.ts')),
        `${def.id}: task.ts and form.ts in ${folder}`,
      );
      assert.equal(path.basename(folder), def.id.replace(/_/g, '-'), `${def.id}: the folder is the id in kebab case`);
      folders.add(folder);
    }
    assert.equal(folders.size, registry.size, 'one folder per type');
  });
});

/**
 * Files allowed to write a type id outside its folder, each with why. Keep it empty if at all
 * possible: a list of ids elsewhere is exactly what the registry replaces.
 */
const EXCEPTIONS: Array<{ file: string; id: string; why: string }> = [
  {
    file: 'module/alerts/messages/en.ts',
    id: 'webhook',
    why: 'the English word naming a deleted task in a failure mail subject, not the type id',
  },
];

/** Text files under `dir` (sources, views, assets). */
function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : /\.(ts|mjs|js|hbs|css)$/.test(e.name) ? [p] : [];
  });
}

/** The file without comments (strings kept; `://` in a URL is not a comment), so prose may name a type. */
function code(file: string): string {
  const src = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.hbs')) return src.replace(/\{\{!--[\s\S]*?--\}\}|\{\{![\s\S]*?\}\}/g, '');
  return src.replace(/\/\*[\s\S]*?\*\/|(^|[^:'"`\\])\/\/[^\n]*/g, (_m, pre) => pre ?? '');
}

test('no task type id is written outside its own folder in module/ or views/', () => {
  const folderOf = new Map([...registry.values()].map((d) => [d.id, path.dirname(d.formView)]));
  const files = [...walk(path.join(root, 'module')), ...walk(path.join(root, 'views'))];
  assert.ok(files.length > 100, `${files.length} files scanned`);
  const found: string[] = [];
  for (const file of files) {
    const rel = path.relative(root, file);
    const text = code(file);
    for (const [id, folder] of folderOf) {
      if (file.startsWith(folder + path.sep)) continue;
      if (EXCEPTIONS.some((x) => x.file === rel && x.id === id)) continue;
      if (new RegExp(`(['"\`])${id}\\1`).test(text)) found.push(`${rel} names '${id}'`);
    }
  }
  assert.deepEqual(found, [], 'ask the task type (deps.taskTypes) instead of naming it');
});

test('the scan sees a type id outside its folder (it is not vacuous)', () => {
  assert.match(code(path.join(root, 'module/workflows/tasks/webhook/task.ts')), /'webhook'/);
  assert.equal(
    /(['"`])webhook\1/.test(code(path.join(root, 'module/workflows/task-types.ts'))),
    false,
    'a type named in a comment is prose',
  );
  for (const x of EXCEPTIONS)
    assert.match(
      code(path.join(root, x.file)),
      new RegExp(`(['"\`])${x.id}\\1`),
      `${x.file} still needs its exception`,
    );
});
