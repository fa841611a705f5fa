// Which Flink the demo (`npm start`) runs: the newest real Flink by default, another tested version, or the stand-in.
// Also the small sizes real Flink's memory model accepts, shared by the demo and the real-Flink UI flow.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MIN_JOB_MANAGER_MEMORY_MB, MIN_TASK_MANAGER_MEMORY_MB } from '../../src/core/session/SessionOptions';
import type { ProgressLog } from './codeServer';
import { NEWEST_REAL_FLINK, REAL_FLINK_VERSIONS, ensureFlink, ensureJava, realFlinkVersion } from './realFlink';
import { ensureTestJobs, TEST_JOBS } from './realFlinkJobs';

export type DemoFlinkChoice = { kind: 'standin' } | { kind: 'real'; version: string };

/** `--flink standin`, `--flink 1.20.5`, `--flink newest`; a version that is not tested names the tested ones. */
export function parseFlinkChoice(text: string | undefined): DemoFlinkChoice {
  const tested = REAL_FLINK_VERSIONS.map((v) => v.version);
  if (text === undefined || text === '') throw new Error(`--flink needs "standin" or a version (${tested.join(', ')})`);
  if (text === 'standin' || text === 'stand-in') return { kind: 'standin' };
  if (text === 'newest' || text === 'real') return { kind: 'real', version: NEWEST_REAL_FLINK };
  if (!tested.includes(text)) throw new Error(`--flink ${text}: not a tested Flink version; use one of ${tested.join(', ')} or "standin"`);
  return { kind: 'real', version: text };
}

export const DEFAULT_DEMO_FLINK: DemoFlinkChoice = { kind: 'real', version: NEWEST_REAL_FLINK };

/** Real JVMs at the smallest process sizes the memory model accepts with Flink's default fractions (the CLI's minimums). */
export const REAL_FLINK_SESSION_SETTINGS = {
  'flinkMesos.taskManagerMemoryMb': MIN_TASK_MANAGER_MEMORY_MB,
  'flinkMesos.jobManagerMemoryMb': MIN_JOB_MANAGER_MEMORY_MB,
  'flinkMesos.taskManagerCpus': 0.5,
  'flinkMesos.jobManagerCpus': 0.5,
  // Real Flink runs the jar's main() inside POST /jars/:id/run: on a busy 2-core machine that takes more than the default 10 s.
  'flinkMesos.flinkRequestTimeoutSeconds': 30,
} as const;

export interface ProvisionedRealFlink {
  version: string;
  flinkHome: string;
  /** What the Mesos agents pass to their tasks, as a real agent started with JAVA_HOME in its environment does. */
  javaHome: string;
  wordCountJar: string;
  wordCountClass: string;
  failingJar: string;
  failingClass: string;
  /** StreamingCounter: counts per key until stopped (the application-mode flow's stop with savepoint). */
  streamingJar: string;
  /** StreamingCounterV2: the same operators, lines marked v2 (the application-mode flow's upgrade). */
  streamingV2Jar: string;
}

/** Provisions (first time: downloads) one real Flink version, its Java and our test jobs, saying what it does. */
export function provisionRealFlink(version: string, say: ProgressLog): ProvisionedRealFlink {
  const v = realFlinkVersion(version);
  say(`Flink ${version}: checking the cache (a first run downloads it from PyPI, a few hundred MB, and builds the test jobs) ...`);
  const started = Date.now();
  const flinkHome = ensureFlink(version, (line) => say(`  ${line}`));
  const javaHome = ensureJava(v.javaMajor, (line) => say(`  ${line}`));
  const jobs = ensureTestJobs(version);
  for (const jar of [jobs.wordCount, jobs.failing]) {
    if (!fs.existsSync(jar)) throw new Error(`the test job ${jar} is missing after the build; remove ${path.dirname(jar)} and start again`);
  }
  say(`Flink ${version}: ready in ${((Date.now() - started) / 1000).toFixed(1)} s (FLINK_HOME ${flinkHome}, Java ${v.javaMajor} at ${javaHome})`);
  return {
    version, flinkHome, javaHome,
    wordCountJar: jobs.wordCount, wordCountClass: TEST_JOBS.wordCount,
    failingJar: jobs.failing, failingClass: TEST_JOBS.failing,
    streamingJar: jobs.streaming, streamingV2Jar: jobs.streamingV2,
  };
}
