// How a savepoint fails when its folder cannot be made, per recorded version (test/fixtures/flink-rest/<version>/*-savepoint-unwritable-status.json).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FlinkVersion, versionAtLeast } from './flinkVersion';
import type { JavaException } from './restErrors';

/**
 * The failure of a savepoint whose folder cannot be made, as recorded: a CompletionException around Flink's
 * CheckpointException, the IOException naming the folder, and the file system's reason (a file where a folder should be).
 */
export function savepointDirectoryFailure(version: FlinkVersion, target: string): JavaException[] {
  const local = target.replace(/^file:\/\//, '').replace(/^file:/, '');
  let blocker = local;
  while (!fs.existsSync(blocker) && path.dirname(blocker) !== blocker) blocker = path.dirname(blocker);
  const reason: JavaException = fs.existsSync(blocker) && !fs.statSync(blocker).isDirectory()
    ? { className: 'java.nio.file.FileAlreadyExistsException', message: blocker }
    : { className: 'java.nio.file.AccessDeniedException', message: blocker };
  const io: JavaException = { className: 'java.io.IOException', message: `Failed to create savepoint directory at file:${local}` };
  const checkpoint = versionAtLeast(version, '1.15') ? 'An Exception occurred while triggering the checkpoint. IO-problem detected.' : 'Trigger checkpoint failure.';
  return [
    { className: 'java.util.concurrent.CompletionException', message: `org.apache.flink.runtime.checkpoint.CheckpointException: ${checkpoint}` },
    { className: 'org.apache.flink.runtime.checkpoint.CheckpointException', message: checkpoint },
    io,
    ...(versionAtLeast(version, '1.15') ? [reason] : []),
  ];
}
