// What a command of the flink-mesos command line may touch: its output streams, environment and Ctrl-C.
// main.ts passes the real process; tests pass buffers.
export interface CliIo {
  /** Standard output (results, --json documents). */
  out(text: string): void;
  /** Standard error (progress, warnings, errors). */
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Calls handler on Ctrl-C (SIGINT/SIGTERM); returns a function that removes it. */
  onInterrupt(handler: () => void): () => void;
}

/** Exit codes shared by every flink-mesos command, fit for scripts. */
export const ExitCode = {
  ok: 0,
  /** The operation ran and failed (session failed, job failed, stop left tasks). */
  failed: 1,
  /** Bad command line or option: nothing was started. */
  usage: 2,
  /** Mesos or Flink could not be reached. */
  unreachable: 3,
  /** The named session does not exist (or was removed by the master). */
  notFound: 4,
  /** Another client holds the session. */
  conflict: 5,
  /** An upgrade failed and was rolled back: the previous jar runs again from the same state. */
  rolledBack: 6,
  /** Interrupted (Ctrl-C) after a clean stop. */
  interrupted: 130,
} as const;

export function processIo(): CliIo {
  return {
    out: (text) => { process.stdout.write(text); },
    err: (text) => { process.stderr.write(text); },
    env: process.env,
    cwd: process.cwd(),
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => { process.off('SIGINT', handler); process.off('SIGTERM', handler); };
    },
  };
}
