// The bundles replace node-zookeeper-client's `async` and `underscore` with the few functions it calls
// (src/core/mesos/zookeeperShims/): each must behave as the library's own for the client's uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { repoRoot } from '../repoRoot';

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const shims = path.join(repoRoot(__dirname), 'src', 'core', 'mesos', 'zookeeperShims');
const ours = { async: require(path.join(shims, 'async.js')), u: require(path.join(shims, 'underscore.js')) };
const theirs = { async: require('async'), u: require('underscore') };

function run(lib: any, fn: (lib: any, done: (...r: unknown[]) => void) => void): Promise<unknown[]> {
  return new Promise((resolve) => fn(lib, (...r) => resolve(r)));
}

test('async: whilst, eachSeries and reduce answer as async 3 does, errors included', async () => {
  const cases: ((lib: any, done: (...r: unknown[]) => void) => void)[] = [
    (a, done) => { let n = 0; const seen: number[] = []; a.whilst((cb: any) => cb(null, n < 3), (cb: any) => { seen.push(n++); setTimeout(cb, 1); }, (err: unknown) => done(err ?? null, seen)); },
    (a, done) => { let n = 0; a.whilst((cb: any) => cb(null, true), (cb: any) => cb(++n === 2 ? new Error('stop') : null), (err: Error) => done(err.message, n)); },
    (a, done) => { const seen: string[] = []; a.eachSeries(['x', 'y', 'z'], (s: string, cb: any) => { seen.push(s); cb(null); }, (err: unknown) => done(err ?? null, seen)); },
    (a, done) => { const seen: string[] = []; a.eachSeries(['x', 'y', 'z'], (s: string, cb: any) => { seen.push(s); cb(s === 'y' ? new Error('y') : null); }, (err: Error) => done(err.message, seen)); },
    (a, done) => a.eachSeries([], (_s: string, cb: any) => cb(null), (err: unknown) => done(err ?? null)),
    (a, done) => a.reduce([1, 2, 3], 10, (memo: number, x: number, cb: any) => setTimeout(() => cb(null, memo + x), 1), (err: unknown, r: number) => done(err ?? null, r)),
  ];
  for (const c of cases) assert.deepEqual(await run(ours.async, c), await run(theirs.async, c));
});

test('underscore: shuffle keeps the members, defaults fills only what is undefined, clone is shallow', () => {
  const list = [1, 2, 3, 4, 5, 6, 7];
  assert.deepEqual([...ours.u.shuffle(list)].sort(), [...theirs.u.shuffle(list)].sort());
  assert.deepEqual(list, [1, 2, 3, 4, 5, 6, 7], 'the input is left alone');
  const options = { sessionTimeout: 1000, retries: undefined, spinDelay: 0 };
  const fallback = { sessionTimeout: 30000, spinDelay: 1000, retries: 0 };
  assert.deepEqual(ours.u.defaults(ours.u.clone(options), fallback), theirs.u.defaults(theirs.u.clone(options), fallback));
  assert.deepEqual(options, { sessionTimeout: 1000, retries: undefined, spinDelay: 0 }, 'clone left the original alone');
  const nested = { a: { b: 1 } };
  assert.equal(ours.u.clone(nested).a, nested.a);
});
