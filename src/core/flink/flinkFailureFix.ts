// Fixes for Flink failures whose cause is in the user's hands, found in Flink's own text (an error body or a job's stack trace).

export const SAVEPOINT_PATH_FIX = 'Check the savepoint path: it must be a savepoint folder (or its _metadata file) that the JobManager can read; ' +
  'flink-mesos savepoints lists the ones in the session\'s history.';

export const NON_RESTORED_STATE_FIX = 'The savepoint holds state of an operator the job no longer has: keep the operator uids stable, ' +
  'or run with --allowNonRestoredState (-n) to skip that state.';

const KNOWN: { pattern: RegExp; fix: string }[] = [
  // CheckpointStorage / AbstractFsCheckpointStorageAccess when the path or its _metadata is missing or unreadable.
  { pattern: /Cannot find checkpoint or savepoint|Cannot find meta data file|Could not find (?:a )?(?:savepoint|checkpoint)|savepoint .*(?:does not exist|not found)|_metadata.*(?:does not exist|not found|denied)/i, fix: SAVEPOINT_PATH_FIX },
  { pattern: /Failed to rollback to checkpoint\/savepoint|Cannot map checkpoint\/savepoint state for operator/i, fix: NON_RESTORED_STATE_FIX },
];

/** The fix for a failure Flink describes in `text` (any part of its stack trace), when it is a known one. */
export function flinkFailureFix(text: string | undefined): string | undefined {
  if (!text) return undefined;
  return KNOWN.find((k) => k.pattern.test(text))?.fix;
}

