// What differs between Flink versions on the client's side, as the recordings of real JobManagers show them
// (test/fixtures/flink-rest/<version>): kept out of FlinkRestClient so each quirk has one place.
import type { ExceptionHistoryEntry } from './flinkRestTypes';

/** [major, minor] of a version text, [0, 0] when unknown. */
export function versionParts(version: string | undefined): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

function atLeast(version: string | undefined, major: number, minor: number): boolean {
  const [a, b] = versionParts(version);
  return a > major || (a === major && b >= minor);
}

/** Flink 2.0 removed programArgs: a 2.x JobManager ignores it silently, so never fall back to it there. */
export function ignoresProgramArgs(version: string | undefined): boolean {
  return atLeast(version, 2, 0);
}

/** formatType in savepoint and stop bodies exists from 1.15; before it, the body is refused (400 Unrecognized field). */
export function knowsFormatType(version: string | undefined): boolean {
  return atLeast(version, 1, 15);
}

/** A failure that Flink did not restart shows as a global "Recovery is suppressed" entry; the task's own exception is beside it. */
export function meaningfulHistoryEntry(entry: ExceptionHistoryEntry): Omit<ExceptionHistoryEntry, 'concurrentExceptions'> {
  const concurrent = entry.concurrentExceptions ?? [];
  const generic = entry.exceptionName === 'org.apache.flink.runtime.JobException' && /Recovery is suppressed by/.test(entry.stacktrace ?? '');
  return generic && concurrent.length > 0 ? concurrent[0] : entry;
}
