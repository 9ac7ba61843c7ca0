/**
 * Module hooks for the isolation check (registered by register.mjs, after tsx): `node:test`
 * imported from anything under test/ resolves to node-test.mjs, and every test file gets one line
 * appended that tells node-test.mjs the file has finished loading (top-level awaits included),
 * so its collected tests can be registered in the order the check asks for.
 */
const wrapper = new URL('./node-test.mjs', import.meta.url).href;
const testDir = new URL('../../test/', import.meta.url).href;
const isTestFile = (url) => url.startsWith(testDir) && /\.test\.(ts|mjs)$/.test(url.split('?')[0]);

export async function resolve(specifier, context, next) {
  if (specifier === 'node:test' && context.parentURL?.startsWith(testDir)) return { url: wrapper, shortCircuit: true };
  return next(specifier, context);
}

export async function load(url, context, next) {
  const result = await next(url, context);
  if (!isTestFile(url) || result.format !== 'module' || result.source == null) return result;
  const source = typeof result.source === 'string' ? result.source : new TextDecoder().decode(result.source);
  const flush = `;globalThis[Symbol.for('hookflow.test.flush')]?.();\n`;
  // Before a trailing source map comment, which has to stay the file's last line.
  const at = source.lastIndexOf('\n//# sourceMappingURL=');
  return {
    ...result,
    source: at >= 0 ? `${source.slice(0, at + 1)}${flush}${source.slice(at + 1)}` : `${source}\n${flush}`,
  };
}
