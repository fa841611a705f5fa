import type { CliIo } from '../../src/core/cli/cliIo';

/** A CliIo that keeps what the command line prints, for tests that run it in-process. */
export function bufferIo(env: Record<string, string | undefined> = {}): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '', stderr: '', env: { ...env }, cwd: process.cwd(),
    out(t: string) { io.stdout += t; }, err(t: string) { io.stderr += t; },
    onInterrupt: () => () => undefined,
  };
  return io;
}
