/**
 * A node:test reporter writing one JSON line per finished test (suites left out):
 * {"file","path":[describe names..., test name],"status":"pass"|"fail"|"skip"|"todo","error"?}.
 * Full names are rebuilt from the nesting, since Node 20 reports a test's own name only. Run
 * files one at a time (--test-concurrency=1 or one file): events of parallel files interleave.
 */
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export default async function* jsonLines(source) {
  // Names of the tests started at each nesting level. One stack for the whole run: a describe
  // block may be declared in a helper file (describeEachEngine) and its tests in the test file,
  // so the files of parent and child differ. The callers run one file at a time.
  const stack = [];
  for await (const event of source) {
    const { type, data } = event;
    if (type !== 'test:start' && type !== 'test:pass' && type !== 'test:fail') continue;
    const file = data.file ? path.relative(root, data.file) : '(unknown)';
    if (type === 'test:start') {
      stack.length = data.nesting;
      stack.push(data.name);
      continue;
    }
    // A suite's own failure is only news when none of its tests reports it (a failing hook).
    const suiteError = String(data.details?.error?.message ?? '');
    if (data.details?.type === 'suite' && (type === 'test:pass' || /^\d+ subtests? failed$/.test(suiteError))) continue;
    const status =
      type === 'test:fail' ? 'fail' : data.skip !== undefined ? 'skip' : data.todo !== undefined ? 'todo' : 'pass';
    const line = { file, path: [...stack.slice(0, data.nesting), data.name], status };
    if (type === 'test:fail')
      line.error = String(
        data.details?.error?.cause?.message ?? data.details?.error?.message ?? data.details?.error ?? '',
      ).slice(0, 2000);
    yield `${JSON.stringify(line)}\n`;
  }
}
