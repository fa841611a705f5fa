// Builds our own Flink test jobs (test/real/jobs, Java) against a real Flink distribution's lib/ jars with javac, one
// jar per job, cached by a hash of the sources, the Flink version and the javac release.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../repoRoot';
import { cacheRoot } from './codeServer';
import { ensureFlink, realFlinkVersion, systemJdk17 } from './realFlink';

export const TEST_JOBS = {
  wordCount: 'flinkmesos.testjobs.WordCount',
  streaming: 'flinkmesos.testjobs.StreamingCounter',
  /** A changed StreamingCounter with compatible state (same uids), for upgrades: its lines end in " v2". */
  streamingV2: 'flinkmesos.testjobs.StreamingCounterV2',
  failing: 'flinkmesos.testjobs.FailingJob',
  accumulators: 'flinkmesos.testjobs.AccumulatorJob',
} as const;
export type TestJob = keyof typeof TEST_JOBS;
export type TestJobJars = Record<TestJob, string>;

function sourceDirs(major: number): string[] {
  const root = path.join(repoRoot(__dirname), 'test', 'real', 'jobs');
  // One small file differs between the majors: where SourceFunction and SinkFunction live.
  return [path.join(root, 'common'), path.join(root, major >= 2 ? 'flink2' : 'flink1')];
}

function javaFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...javaFiles(p));
    else if (e.name.endsWith('.java')) out.push(p);
  }
  return out.sort();
}

/** The test job jars for a Flink version (provisioning the version first when needed). */
export function ensureTestJobs(version: string): TestJobJars {
  const v = realFlinkVersion(version);
  const home = ensureFlink(version);
  const major = Number(version.split('.')[0]);
  const sources = sourceDirs(major).flatMap(javaFiles);
  const hash = createHash('sha256');
  hash.update(`${version}\0${v.javacRelease}\0`);
  for (const f of sources) hash.update(`${path.relative(repoRoot(__dirname), f)}\0`).update(fs.readFileSync(f)).update('\0');
  const dir = path.join(cacheRoot(), 'test-jobs', `flink-${version}-${hash.digest('hex').slice(0, 16)}`);
  const jars = Object.fromEntries(Object.keys(TEST_JOBS).map((k) => [k, path.join(dir, `${k}.jar`)])) as TestJobJars;
  if (fs.existsSync(path.join(dir, '.built'))) return jars;

  const jdk = systemJdk17();
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const classes = path.join(tmp, 'classes');
  fs.mkdirSync(classes, { recursive: true });
  const classpath = fs.readdirSync(path.join(home, 'lib')).filter((n) => n.endsWith('.jar')).map((n) => path.join(home, 'lib', n)).join(':');
  run(path.join(jdk, 'bin', 'javac'), ['--release', String(v.javacRelease), '-Xlint:-options', '-encoding', 'UTF-8', '-cp', classpath, '-d', classes, ...sources],
    `compiling the test jobs for Flink ${version}`);
  for (const [job, mainClass] of Object.entries(TEST_JOBS)) {
    run(path.join(jdk, 'bin', 'jar'), ['--create', '--file', path.join(tmp, `${job}.jar`), '--main-class', mainClass, '-C', classes, '.'],
      `packing ${job}.jar`);
  }
  fs.rmSync(classes, { recursive: true, force: true });
  fs.writeFileSync(path.join(tmp, '.built'), `${new Date().toISOString()}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return jars;
}

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what} failed (${cmd} exit ${r.status ?? r.signal}):\n${(r.stdout ?? '') + (r.stderr ?? '')}`);
}
