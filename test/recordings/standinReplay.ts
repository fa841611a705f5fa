// Runs the recording script against an in-process stand-in cluster in a version's mode, set up as the recorder sets up
// real Flink (same slots, upload limit and TaskManager id), with stand-in jars whose entry classes are the stand-in's
// programs of the same kind (our test jobs' entry classes).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildJar } from '../fixtures/jars';
import { TEST_JOB_CLASSES } from '../standin/flink/programClasses';
import { startInProcessCluster } from '../standin/flink/standinHarness';
import type { RecordedCall } from './restCall';
import { runRestScript } from './restScript';

// Kept here (not imported from recordFlink.ts) so the node tests never load the real-Flink provisioning.
export const RECORDING_MAX_CONTENT_LENGTH = 1024 * 1024;
export const RECORDING_TASK_MANAGER_ID = 'taskmanager-recording-00001';
export const RECORDING_SLOTS = 2;

export async function replayOnStandin(version: string): Promise<RecordedCall[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `standin-replay-${version}-`));
  const cluster = await startInProcessCluster({
    conf: {
      'standin.flink-version': version,
      'rest.server.max-content-length': String(RECORDING_MAX_CONTENT_LENGTH),
      'standin.job-duration-ms': '200',
      'standin.failing-job-delay-ms': '100',
      'standin.savepoint-delay-ms': '50',
      // Real JobManagers run for seconds between the script's calls and checkpoint every second meanwhile: a short
      // interval gives the stand-in's briefly running jobs checkpoints too (the cancelled one has some, as recorded).
      'standin.checkpoint-interval-ms': '50',
      'parallelism.default': '1',
      // Recorded with start-foreground, as sessions start Flink: no .out files.
      'standin.daemon': 'false',
    },
    taskManagers: 1,
    tmConf: { 'taskmanager.resource-id': RECORDING_TASK_MANAGER_ID, 'taskmanager.numberOfTaskSlots': String(RECORDING_SLOTS) },
  });
  try {
    const jar = (name: string, mainClass: string): Promise<string> => buildJar(path.join(work, 'jars', `${name}.jar`), { mainClass });
    const jars = {
      wordCount: await jar('wordCount', TEST_JOB_CLASSES.wordCount),
      streaming: await jar('streaming', TEST_JOB_CLASSES.streaming),
      failing: await jar('failing', TEST_JOB_CLASSES.failing),
      accumulators: await jar('accumulators', TEST_JOB_CLASSES.accumulators),
      noMain: await buildJar(path.join(work, 'jars', 'no-main-class.jar'), { classes: ['flinkmesos.testjobs.Helper'] }),
      tooLarge: await buildJar(path.join(work, 'jars', 'too-large.jar'), { mainClass: 'flinkmesos.testjobs.Big', extraBytes: 2 * RECORDING_MAX_CONTENT_LENGTH }),
    };
    return await runRestScript({ baseUrl: cluster.url, jars, workDir: path.join(work, 'data'), taskManagerId: RECORDING_TASK_MANAGER_ID, waitMs: 20000,
      // REPLAY_LOG=1 shows each step (for a replay that stops part way).
      log: process.env.REPLAY_LOG ? (l) => void process.stderr.write(`[replay ${version}] ${l}\n`) : undefined });
  } finally {
    await cluster.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
