// What makes a Flink cluster on Mesos an application cluster: one jar, its entry class and arguments, run by Flink's
// standalone application entry point (bin/standalone-job.sh) in the JobManager task; the cluster lives as long as the job.
import { shellQuote } from '../session/flinkTasks';
import type { CommandURI } from '../mesos/types';

/** Where the jar comes from: a URI every agent fetches, or a local file served by this process's artifact server. */
export type ApplicationJarSource = { kind: 'uri'; uri: string } | { kind: 'local'; path: string };

export interface ApplicationSpec {
  jar: ApplicationJarSource;
  /** The URI the Mesos fetcher of every task fetches: the jar's own, or the artifact server's. */
  fetchUri: string;
  /** The jar's file name in usrlib/ (the fetcher's output_file). */
  jarFileName: string;
  /** --job-classname; undefined lets Flink take the Main-Class of the jar in usrlib/. */
  entryClass?: string;
  args: string[];
  parallelism?: number;
  savepoint?: string;
  allowNonRestoredState: boolean;
}

/** The folder in each sandbox that stands in for FLINK_HOME's lib/ and usrlib/ (only usrlib/ is new). */
export const APPLICATION_DIR = 'flink-application';

/**
 * Flink's application entry point reads user jars from usrlib/ beside $FLINK_LIB_DIR, and puts them on the job's
 * classpath relative to the working folder; every TaskManager resolves that path against its own working folder (seen
 * in 1.13.6, 1.20.5 and 2.3.0). So every task builds the same sandbox-relative layout: lib/ links to FLINK_HOME's jars,
 * usrlib/ holds the fetched jar, and the task runs in its sandbox.
 */
export function applicationLayoutScript(spec: ApplicationSpec): string {
  const dir = `"$MESOS_SANDBOX/${APPLICATION_DIR}"`;
  const jar = shellQuote(spec.jarFileName);
  return `mkdir -p ${dir}/lib ${dir}/usrlib && ln -sf "$FLINK_HOME"/lib/* ${dir}/lib/ && ` +
    `{ [ -f ${dir}/usrlib/${jar} ] || mv "$MESOS_SANDBOX"/${jar} ${dir}/usrlib/; } && ` +
    `export FLINK_LIB_DIR="$MESOS_SANDBOX/${APPLICATION_DIR}/lib" && cd "$MESOS_SANDBOX"`;
}

/** The fetcher entry of the jar: kept as a file, never extracted. */
export function applicationJarUri(spec: ApplicationSpec): CommandURI {
  return { value: spec.fetchUri, extract: false, cache: false, output_file: spec.jarFileName };
}

/** The entry point's own arguments and the program's, after the -D words. */
export function applicationEntryArgs(spec: ApplicationSpec): string {
  const words: string[] = [];
  if (spec.entryClass) words.push('--job-classname', spec.entryClass);
  if (spec.savepoint) words.push('--fromSavepoint', spec.savepoint);
  if (spec.savepoint && spec.allowNonRestoredState) words.push('--allowNonRestoredState');
  words.push(...spec.args);
  return words.map(shellQuote).join(' ');
}

/**
 * The JobManager's own keys for an application: it stays up once the job ended (Flink 1.15+), so its final state and
 * exceptions can be read before the framework is torn down; -p becomes the default parallelism.
 */
export function applicationJobManagerConfiguration(spec: ApplicationSpec): Record<string, string> {
  const conf: Record<string, string> = { 'execution.shutdown-on-application-finish': 'false' };
  if (spec.parallelism !== undefined) conf['parallelism.default'] = String(spec.parallelism);
  return conf;
}
