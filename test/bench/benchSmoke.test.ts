// Keeps the benchmarks from rotting: `runBenchmarks --quick` must finish and end with one JSON line holding every figure key
// (a number, or null when the quick mode cannot take that figure). The targets are not checked here: CI does not benchmark.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { FIGURE_KEYS, SPREAD_KEYS } from './benchUtil';
import { isFlinkProvisioned, NEWEST_REAL_FLINK } from '../harness/realFlink';

test('npm run bench -- --quick ends with a JSON line of every figure', { timeout: 480_000 }, async () => {
  const script = path.join(__dirname, 'runBenchmarks.js');
  // NODE_TEST_CONTEXT would make the child (and the code-server it starts) talk the test runner's protocol.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [script, '--quick'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const killer = setTimeout(() => child.kill('SIGKILL'), 470_000);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(killer);
  assert.equal(code, 0, `runBenchmarks --quick exited with ${code}:\n${stderr.slice(-3000)}`);
  const lines = stdout.trim().split('\n');
  const last = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
  // Issue 8's keys, then the spread (interquartile range of the pairwise ratios) of each paired ratio.
  assert.deepEqual(Object.keys(last).sort(), [...FIGURE_KEYS, ...SPREAD_KEYS].sort());
  for (const k of [...FIGURE_KEYS, ...SPREAD_KEYS]) {
    assert.ok(last[k] === null || (typeof last[k] === 'number' && Number.isFinite(last[k])), `${k} is ${String(last[k])}`);
  }
  // The CPU-only figures need nothing outside this repository: they must be measured even in quick mode.
  for (const k of ['recordio_vs_json_parse', 'offer_handling_vs_parse', 'tree_refresh_vs_parse', 'accept_calls_per_agent', 'offer_rounds_1000_tm',
    'recordio_vs_json_parse_spread', 'offer_handling_vs_parse_spread', 'tree_refresh_vs_parse_spread',
    'offer_handling_vs_parse_10000', 'accept_calls_per_agent_10000', 'offer_rounds_10000_tm', 'offer_handling_vs_parse_10000_spread'] as const) {
    assert.equal(typeof last[k], 'number', `${k} was not measured in quick mode:\n${stdout}`);
  }
  // The real-Flink smoke (one round each on 2.3.0) runs wherever real Flink is provisioned, as in npm test.
  if (isFlinkProvisioned(NEWEST_REAL_FLINK)) {
    for (const k of ['real_session_ready_vs_start_cluster', 'real_submit_vs_flink_cli', 'real_upload_vs_curl'] as const) {
      assert.equal(typeof last[k], 'number', `${k} was not measured in quick mode although Flink ${NEWEST_REAL_FLINK} is provisioned:\n${stdout}`);
    }
  }
});
