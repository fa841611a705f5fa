// CLI: provisions the tested real Flink versions (or those named) and their Java, then builds the test jobs;
// prints `VERSION FLINK_HOME JAVA_HOME TEST_JOBS_DIR`.
// Exit codes: 2 bad arguments, 3 a download failed, 4 a JDK is missing.
import * as path from 'node:path';
import { ensureTestJobs } from './realFlinkJobs';
import { ProvisionError, REAL_FLINK_VERSIONS, ensureFlink, ensureJava, realFlinkVersion, systemJdk17 } from './realFlink';

function main(argv: string[]): number {
  const named = argv.filter((a) => !a.startsWith('-'));
  if (argv.some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(`usage: provisionFlink [VERSION ...]\ntested versions: ${REAL_FLINK_VERSIONS.map((v) => v.version).join(', ')}\n`);
    return 0;
  }
  let versions;
  try {
    versions = named.length > 0 ? named.map(realFlinkVersion) : [...REAL_FLINK_VERSIONS];
  } catch (e) {
    process.stderr.write(`provisionFlink: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    systemJdk17();
    for (const v of versions) {
      const home = ensureFlink(v.version);
      const java = ensureJava(v.javaMajor);
      const jobs = ensureTestJobs(v.version);
      process.stdout.write(`${v.version} ${home} ${java} ${path.dirname(jobs.wordCount)}\n`);
    }
  } catch (e) {
    if (e instanceof ProvisionError) {
      process.stderr.write(`provisionFlink: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
