// Known Flink failures get a fix: in a job's stack trace (the result of run) and in an error body (any command).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { flinkFailureFix, SAVEPOINT_PATH_FIX, NON_RESTORED_STATE_FIX } from '../../../src/core/flink/flinkFailureFix';
import { runJobCommand } from '../../../src/core/cli/jobCommands';
import { bufferIo } from '../../helpers/bufferIo';

const MISSING_SAVEPOINT_TRACE = [
  'org.apache.flink.runtime.client.JobInitializationException: Could not start the JobMaster.',
  '\tat org.apache.flink.runtime.jobmaster.DefaultJobMasterServiceProcess.lambda$new$0(DefaultJobMasterServiceProcess.java:97)',
  'Caused by: java.util.concurrent.CompletionException: java.lang.RuntimeException: java.io.FileNotFoundException: ' +
    'Cannot find checkpoint or savepoint file/directory \'file:/tmp/sp-1\' on file system \'file\'.',
  'Caused by: java.io.FileNotFoundException: Cannot find checkpoint or savepoint file/directory \'file:/tmp/sp-1\' on file system \'file\'.',
  '\tat org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess.resolveCheckpointPointer(AbstractFsCheckpointStorageAccess.java:275)',
].join('\n');


describe('fixes for known Flink failures', () => {
  test('a savepoint path Flink cannot find or read gets the savepoint fix', () => {
    assert.equal(flinkFailureFix(MISSING_SAVEPOINT_TRACE), SAVEPOINT_PATH_FIX);
    assert.equal(flinkFailureFix('java.io.FileNotFoundException: Cannot find meta data file \'_metadata\' in directory \'/tmp/sp\'.'), SAVEPOINT_PATH_FIX);
    assert.match(SAVEPOINT_PATH_FIX, /^Check the savepoint path: it must be a savepoint folder \(or its _metadata file\) that the JobManager can read; flink-mesos savepoints lists the ones in the session's history\.$/);
  });

  test('state that maps to no operator gets the --allowNonRestoredState fix', () => {
    assert.equal(flinkFailureFix('java.lang.IllegalStateException: Failed to rollback to checkpoint/savepoint file:/sp. Cannot map checkpoint/savepoint state for operator abc to the new program'), NON_RESTORED_STATE_FIX);
  });

  test('other failures get no invented fix', () => {
    assert.equal(flinkFailureFix('java.lang.ArithmeticException: / by zero'), undefined);
    assert.equal(flinkFailureFix(''), undefined);
    assert.equal(flinkFailureFix(undefined), undefined);
  });

  test('an error body naming a missing savepoint: the command prints Flink\'s cause and the fix', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: ['Internal server error.', `<Exception on server side:\n${MISSING_SAVEPOINT_TRACE}\nEnd of exception on server side>`] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const io = bufferIo();
      const code = await runJobCommand(['cancel', '-m', url, 'a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5'], io, async () => url, { timeoutMs: 2000 });
      assert.notEqual(code, 0);
      assert.match(io.stderr, /Cannot find checkpoint or savepoint file\/directory 'file:\/tmp\/sp-1'/, io.stderr);
      assert.ok(io.stderr.includes(SAVEPOINT_PATH_FIX), io.stderr);
      assert.equal(io.stderr.split(SAVEPOINT_PATH_FIX).length, 2, 'the fix once');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
