/**
 * What `npm pack` would ship (dry run of the current build; `npm test` builds first): the built
 * module (each task type's form view beside its code), its migrations, views, manifest, README and
 * LICENSE — no tests, benchmarks, scripts, the reference host, data, secrets or TypeScript sources
 * a host does not need — and every target that package.json's `exports`, `main`, `types` and
 * `bin` name is inside.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.resolve(import.meta.dirname, '../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

function packedFiles(): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
}

/** Every path package.json points a host at. */
function declaredTargets(): string[] {
  const targets = new Set<string>([pkg.main, pkg.types, ...Object.values(pkg.bin as Record<string, string>)]);
  const walk = (v: unknown): void => {
    if (typeof v === 'string') targets.add(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(pkg.exports);
  return [...targets].map((t) => t.replace(/^\.\//, ''));
}

test('the tarball holds what a host needs and nothing else', () => {
  const files = packedFiles();
  assert.ok(files.length > 50, `${files.length} files`);
  const forbidden = [
    [/^(test|bench|scripts|host|data|\.ci|node_modules|bin|shared)\//, 'repository-only folder'],
    [/(^|\/)(secret\.key|\.env[^/]*|demo-credentials\.json)$/, 'secret'],
    [/\.(sqlite|sqlite-wal|sqlite-shm|db|log|tgz|map)$/, 'data, log or build residue'],
    [/(?<!\.d)\.ts$/, 'TypeScript source (hosts get .js + .d.ts)'],
    [/\.tsbuildinfo$/, 'build cache'],
  ] as const;
  for (const file of files) {
    for (const [pattern, why] of forbidden) assert.doesNotMatch(file, pattern, `${file}: ${why}`);
  }
  for (const required of [
    'package.json',
    'README.md',
    'LICENSE',
    'manifest.json',
    'views/admin/layout.hbs',
    'views/emails/failure-alert.text.hbs',
    'views/inbound/result.hbs',
  ]) {
    assert.ok(files.includes(required), `${required} is packed`);
  }
  const migrations = fs
    .readdirSync(path.join(root, 'migrations'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `dist/migrations/${f.replace(/\.ts$/, '.js')}`);
  for (const m of migrations) assert.ok(files.includes(m), `${m} is packed`);
  // Each task type's form view ships beside its built task.js, where the type finds it.
  const tasks = path.join(root, 'module/workflows/tasks');
  const folders = fs
    .readdirSync(tasks, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(tasks, e.name, 'task.ts')))
    .map((e) => e.name);
  assert.ok(folders.length >= 6, `${folders.length} task folders`);
  for (const folder of folders) {
    for (const file of ['task.js', 'form.js', 'form.hbs'])
      assert.ok(
        files.includes(`dist/module/workflows/tasks/${folder}/${file}`),
        `dist/module/workflows/tasks/${folder}/${file} is packed`,
      );
  }
});

test('every exports/main/types/bin target is inside the tarball', () => {
  const files = new Set(packedFiles());
  for (const target of declaredTargets()) assert.ok(files.has(target), `${target} (named by package.json) is packed`);
});

test('dependencies a host can live with: express and knex are peers, drivers optional, no dev tools at run time', () => {
  assert.equal(pkg.private, undefined, 'publishable');
  for (const peer of ['express', 'knex']) {
    assert.ok(pkg.peerDependencies[peer], `${peer} is a peer`);
    assert.equal(pkg.dependencies[peer], undefined, `${peer} is not forced on the host`);
  }
  for (const driver of ['mysql2', 'better-sqlite3']) {
    assert.equal(pkg.peerDependenciesMeta[driver]?.optional, true, `${driver} is an optional peer`);
    assert.equal(pkg.dependencies[driver], undefined);
  }
  for (const devOnly of ['tsx', 'typescript', 'pino', 'nodemailer', 'playwright-core'])
    assert.equal(pkg.dependencies[devOnly], undefined, `${devOnly} is not a run-time dependency`);
  // Every package the built module imports is declared (a dependency or a peer).
  const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)]);
  const imported = new Set<string>();
  const scan = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) scan(p);
      else if (e.name.endsWith('.js'))
        for (const m of fs
          .readFileSync(p, 'utf8')
          .matchAll(/^(?:import|export)\b[^;]*?from '([^.'][^']*)'|\bimport\('([^.'][^']*)'\)/gm)) {
          const spec = m[1] ?? m[2];
          imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
        }
    }
  };
  scan(path.join(root, 'dist/module'));
  for (const expected of ['zod', 'express', 'knex', 'undici'])
    assert.ok(imported.has(expected), `the scan sees ${expected}`);
  for (const name of imported)
    if (!name.startsWith('node:'))
      assert.ok(declared.has(name), `dist imports ${name}, which package.json does not declare`);
});
