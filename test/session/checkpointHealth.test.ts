// The tree's checkpoint health reads at most MAX_CHECKPOINT_READS jobs' checkpoints per poll, the ones read longest
// ago first, and keeps the last answer of the others: 80 running jobs made 80 reads every poll (issue 19).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import type { FlinkRestClient } from '../../src/core/flink/FlinkRestClient';
import { SavepointHistoryStore } from '../../src/core/session/SavepointHistoryStore';
import { MAX_CHECKPOINT_READS, StreamingJobService } from '../../src/session/StreamingJobService';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

test('with many running jobs the checkpoint reads take turns, and every job keeps a health once read', async () => {
  const paths: string[] = [];
  const flink = {
    getJson: async (p: string) => {
      paths.push(p);
      if (p.endsWith('/checkpoints/config')) return { interval: 1000, mode: 'exactly_once' };
      return { counts: { completed: 1, failed: 0, in_progress: 0 }, history: [], latest: { completed: { latest_ack_timestamp: 1000, trigger_timestamp: 900 }, failed: null } };
    },
  } as unknown as FlinkRestClient;
  const service = new StreamingJobService(new SavepointHistoryStore(os.tmpdir()), quiet);
  const jobs = Array.from({ length: 10 }, (_, i) => ({ id: `job-${i}`, startTime: 0 }));
  const reads = (): number => paths.filter((p) => p.endsWith('/checkpoints')).length;
  const first = await service.checkpointHealth(flink, jobs, 5000);
  assert.equal(reads(), MAX_CHECKPOINT_READS, 'one poll reads at most the cap');
  assert.equal(first.size, MAX_CHECKPOINT_READS);
  await service.checkpointHealth(flink, jobs, 10000);
  const third = await service.checkpointHealth(flink, jobs, 15000);
  assert.equal(reads(), 3 * MAX_CHECKPOINT_READS);
  assert.equal(third.size, 10, 'after three polls every job has been read once and keeps its health');
  const perJob = new Map<string, number>();
  for (const p of paths.filter((x) => x.endsWith('/checkpoints'))) perJob.set(p, (perJob.get(p) ?? 0) + 1);
  assert.ok([...perJob.values()].every((n) => n <= 2), 'the ones read longest ago go first');
  // Few jobs: every one every poll, as before.
  paths.length = 0;
  await service.checkpointHealth(flink, jobs.slice(0, 2), 20000);
  assert.equal(reads(), 2);
});
