/**
 * Stands in for `node:test` in test files when the isolation check runs (see hooks.mjs). It
 * collects a file's whole tree of describe blocks, tests and hooks while the file loads, then
 * registers it with the real node:test once the file has finished loading:
 *   HOOKFLOW_TEST_REVERSE=1       every level (file top level and each describe body) in reverse order;
 *   HOOKFLOW_TEST_SELECT='[...]'  only the test with this full name (describe names, then its own)
 *                                 and the describe blocks around it, so no other suite's hooks run.
 * Collecting first is what makes both possible: node:test runs a suite's hooks even when none of
 * its tests is selected, and matches --test-name-pattern against a test's own name only (Node 20).
 * Calls made after that (inside running tests) go straight to node:test.
 */
import * as real from 'node:test';

export * from 'node:test';

const REVERSE = process.env.HOOKFLOW_TEST_REVERSE === '1';
const SELECT = process.env.HOOKFLOW_TEST_SELECT ? JSON.parse(process.env.HOOKFLOW_TEST_SELECT) : null;

const root = { kind: 'describe', suite: true, name: null, args: [], children: [], hooks: [] };
/** The describe block being collected; null once the tree went to node:test. */
let current = root;

const nameOf = (args) =>
  typeof args[0] === 'string' ? args[0] : args.find((a) => typeof a === 'function')?.name || '<anonymous>';
const realFn = (kind, variant) => (variant ? real[kind][variant] : real[kind]);

function registrar(kind, variant) {
  return (...args) => {
    if (!current) return realFn(kind, variant)(...args);
    const node = {
      kind,
      variant,
      suite: kind === 'describe' || kind === 'suite',
      name: nameOf(args),
      args,
      children: [],
      hooks: [],
    };
    current.children.push(node);
    const body = args.findLastIndex((a) => typeof a === 'function');
    if (node.suite && body >= 0) {
      const parent = current;
      current = node;
      try {
        const result = args[body]();
        if (result && typeof result.then === 'function')
          throw new Error(`describe('${node.name}'): async describe bodies cannot be collected`);
      } finally {
        current = parent;
      }
    }
    return undefined;
  };
}

function hook(kind) {
  return (...args) => {
    if (!current) return real[kind](...args);
    current.hooks.push({ kind, args });
    return undefined;
  };
}

const samePath = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const isPrefix = (prefix, full) => prefix.length < full.length && prefix.every((x, i) => x === full[i]);
const selected = (node, path) => !SELECT || (node.suite ? isPrefix(path, SELECT) : samePath(path, SELECT));

function replay(node, path) {
  for (const h of node.hooks) real[h.kind](...h.args);
  const children = REVERSE ? [...node.children].reverse() : node.children;
  for (const child of children) {
    const childPath = [...path, child.name];
    if (!selected(child, childPath)) continue;
    let args = child.args;
    if (child.suite) {
      const body = args.findLastIndex((a) => typeof a === 'function');
      const replayBody = () => replay(child, childPath);
      args = body >= 0 ? args.map((a, i) => (i === body ? replayBody : a)) : [...args, replayBody];
    }
    realFn(child.kind, child.variant)(...args);
  }
}

/** Called by the line hooks.mjs appends to every test file: the file has loaded completely. */
function flush() {
  if (!current) return;
  current = null;
  replay(root, []);
}
globalThis[Symbol.for('hookflow.test.flush')] = flush;

function withVariants(kind) {
  const fn = registrar(kind);
  for (const v of ['skip', 'todo', 'only']) fn[v] = registrar(kind, v);
  return fn;
}

export const test = withVariants('test');
export const it = withVariants('it');
export const describe = withVariants('describe');
export const suite = withVariants('suite');
export const skip = test.skip;
export const todo = test.todo;
export const only = test.only;
export const before = hook('before');
export const after = hook('after');
export const beforeEach = hook('beforeEach');
export const afterEach = hook('afterEach');
Object.assign(test, { test, it, describe, suite, before, after, beforeEach, afterEach, mock: real.mock });
export default test;
