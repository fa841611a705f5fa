import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Backoff, sleep } from '../../../src/core/mesos/backoff';

describe('Backoff', () => {
  test('doubles from the initial delay up to the cap (no jitter)', () => {
    const b = new Backoff({ initialMs: 500, maxMs: 15000, jitter: 0 });
    assert.deepEqual(Array.from({ length: 8 }, () => b.next()), [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    assert.equal(b.attempts, 8);
  });

  test('jitter stays within the fraction and below the cap', () => {
    const low = new Backoff({ initialMs: 1000, maxMs: 4000, jitter: 0.2, random: () => 0 });
    const high = new Backoff({ initialMs: 1000, maxMs: 4000, jitter: 0.2, random: () => 0.999999 });
    assert.deepEqual([low.next(), low.next(), low.next(), low.next()], [800, 1600, 3200, 3200]);
    assert.deepEqual([high.next(), high.next(), high.next(), high.next()], [1200, 2400, 4000, 4000]);
  });

  test('reset starts over and clears the failing time', () => {
    let now = 1000;
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0, now: () => now });
    b.next(); now += 250; b.next();
    assert.equal(b.failingForMs, 250);
    b.reset();
    assert.equal(b.failingForMs, 0);
    assert.equal(b.next(), 100);
  });

  test('bad options are refused', () => {
    assert.throws(() => new Backoff({ initialMs: 0 }), /initial delay/);
    assert.throws(() => new Backoff({ initialMs: 100, maxMs: 50 }), /cap/);
    assert.throws(() => new Backoff({ jitter: 1 }), /jitter/);
    assert.throws(() => new Backoff({ factor: 0.5 }), /factor/);
  });

  test('sleep can be aborted', async () => {
    const ac = new AbortController();
    const t = Date.now();
    const p = sleep(10000, ac.signal);
    ac.abort(new Error('stop'));
    await assert.rejects(p, /stop/);
    assert.ok(Date.now() - t < 1000);
  });
});
