// Why a Flink process ended before it came up, from the tail of its Mesos sandbox stdout/stderr: Flink's scripts print
// the configuration errors of BashJavaUtils and the entry points there, long before any log reaches the REST API.
import { AgentFiles, sandboxPath } from '../mesos/AgentFiles';
import type { Credentials, TlsOptions } from '../mesos/http';

export interface StartupFailure {
  /** What Flink said, in one line. */
  problem: string;
  fix: string;
  /** A configuration error repeats for every process started with the same configuration. */
  configuration: boolean;
}

/** Our own launch command's message when FLINK_HOME is not a distribution (see flinkTasks.ts). */
export const NOT_A_DISTRIBUTION_MARK = 'is not a Flink distribution';

const MEMORY_FIX = 'Give the process more memory (-tm MB for TaskManagers, -jm MB for the JobManager; the settings taskManagerMemoryMb and ' +
  'jobManagerMemoryMb), or lower the memory options set with -D or in the configuration folder that take from it.';
const OPTION_FIX = 'Correct or remove that option in the session\'s -D properties or its configuration folder (-c), then start the session again.';

/** The first known startup failure in a process's output, or undefined. */
export function diagnoseStartupOutput(output: string): StartupFailure | undefined {
  const ours = output.split('\n').find((l) => l.includes(NOT_A_DISTRIBUTION_MARK));
  if (ours) return { problem: ours.replace(/^flink-mesos:\s*/, '').trim(), fix: '', configuration: true };
  const illegal = /IllegalConfigurationException: (.+)/.exec(output);
  if (illegal) {
    const message = illegal[1].trim();
    const memory = /memory|Memory/.test(message);
    return { problem: `Flink refused its configuration: ${message}`, fix: memory ? MEMORY_FIX : OPTION_FIX, configuration: true };
  }
  const parse = /(Could not parse value '[^']*' for key '[^']*'.*)/.exec(output);
  if (parse) return { problem: `Flink refused its configuration: ${parse[1].trim()}`, fix: OPTION_FIX, configuration: true };
  // The Mesos fetcher's own line (fetcher.cpp) when a URI of the task could not be fetched: said as it is.
  const fetch = /Failed to fetch '([^']+)': (.+)/.exec(output);
  // A URI of our own artifact server (its 48-hex secret path): the agents cannot reach this machine at that address.
  const served = fetch && /^(https?:\/\/[^/]+)\/[0-9a-f]{48}\/([^/]+)$/.exec(fetch[1]);
  if (fetch && served) {
    return {
      problem: `The Mesos agents cannot reach the artifact server at ${served[1]}: the agent's fetcher could not fetch ${served[1]}/<secret>/${served[2]}: ${fetch[2].trim()}`,
      fix: 'Set the artifact server address (--artifact-address HOST, the setting flinkMesos.application.artifactServerAddress; ' +
        '--artifact-advertised-host when the agents know this machine by another name) to an address of this machine the agents reach, ' +
        'or give the jar as a URI every agent fetches (http(s)://, hdfs://, s3://, a path on a shared mount).',
      configuration: true,
    };
  }
  if (fetch) {
    return {
      problem: `The Mesos fetcher of the agent could not fetch ${fetch[1]}: ${fetch[2].trim()}`,
      fix: 'Give a URI every agent can fetch (http(s)://, hdfs://, s3:// or a path on a mount every agent has), or a local file with an artifact server address the agents reach.',
      configuration: true,
    };
  }
  // An application's JobManager (standalone-job.sh) that could not load or run the program.
  const program = /ProgramInvocationException: (.+)/.exec(output);
  if (program) {
    return {
      problem: `Flink could not run the application: ${program[1].trim()}`,
      fix: 'Pass the program\'s entry class (--class CLASS) as it is in the jar, or a jar whose manifest names its Main-Class.',
      configuration: true,
    };
  }
  const noClass = /Error: Could not find or load main class (\S+)/.exec(output);
  if (noClass) {
    return {
      problem: `Java could not load Flink's entry point ${noClass[1]}: the Flink folder has no usable lib/ (not a complete distribution).`,
      fix: 'Point the session at an unpacked Flink distribution (bin/, conf/, lib/ with flink-dist*.jar) present on every agent.',
      configuration: true,
    };
  }
  return undefined;
}

/** Reads the tails of a task's sandbox stdout and stderr (errors read as nothing) and diagnoses them. */
export async function diagnoseStartupFailure(agentUrl: string | undefined, frameworkId: string | undefined, taskId: string,
  opts: { credentials?: Credentials; tls?: TlsOptions; timeoutMs?: number } = {}): Promise<StartupFailure | undefined> {
  if (!agentUrl || !frameworkId) return undefined;
  const files = new AgentFiles({ credentials: opts.credentials, tls: opts.tls, timeoutMs: opts.timeoutMs ?? 3000, connectTimeoutMs: opts.timeoutMs ?? 3000 });
  try {
    const texts = await Promise.all(['stderr', 'stdout'].map(async (file) => {
      try {
        const p = sandboxPath(frameworkId, taskId, file);
        const size = await files.size(agentUrl, p);
        return (await files.read(agentUrl, p, Math.max(0, size - 64 * 1024))).data;
      } catch {
        return '';
      }
    }));
    return diagnoseStartupOutput(texts.join('\n'));
  } finally {
    await files.close();
  }
}
