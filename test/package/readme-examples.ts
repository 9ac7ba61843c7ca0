/**
 * The README's install examples, taken out of README.md itself so the documentation cannot drift
 * from what the foreign-host test runs: every fenced code block whose first line is
 * `// file: <name>` is the content of <name>.
 */
import fs from 'node:fs';
import path from 'node:path';

export const README = path.resolve(import.meta.dirname, '../../README.md');

/** name → content of every `// file: <name>` block (throws when a block is named twice). */
export function readmeFiles(markdown: string = fs.readFileSync(README, 'utf8')): Map<string, string> {
  const files = new Map<string, string>();
  const fence = /^```[a-z]*\n([\s\S]*?)^```$/gm;
  for (const match of markdown.matchAll(fence)) {
    const body = match[1];
    const named = /^\/\/ file: (\S+)\n/.exec(body);
    if (!named) continue;
    if (files.has(named[1])) throw new Error(`README: two blocks are named ${named[1]}`);
    files.set(named[1], body.slice(named[0].length));
  }
  return files;
}

/** Writes the named README files into `dir`; returns their names. */
export function writeReadmeFiles(dir: string, names: string[]): void {
  const files = readmeFiles();
  for (const name of names) {
    const content = files.get(name);
    if (content === undefined)
      throw new Error(`README has no "// file: ${name}" block; found ${[...files.keys()].join(', ')}`);
    fs.writeFileSync(path.join(dir, name), content);
  }
}
