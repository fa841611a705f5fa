// flink-mesos session forget NAME: frees the name of a saved session whose cluster is gone (its master unreachable, or no longer
// knowing its framework). Says which, and whether its tasks may still run somewhere, then removes only the saved record.
import { ExitCode, type CliIo } from './cliIo';
import { checkForget, forgetSession } from '../session/forgetSession';
import { FileSessionStore } from '../session/SessionStore';
import { UsageError, credentials, ensureNoExtra, leaseStaleMs, type CommonArgs } from './sessionCliCommon';

export async function forgetCommand(common: CommonArgs, io: CliIo): Promise<number> {
  const positional = common.rest.filter((a, i, all) => !a.startsWith('-') && !(i > 0 && (all[i - 1] === '--name' || all[i - 1] === '--principal')));
  if (positional.length > 1) throw new UsageError(`session forget takes one session name, not ${positional.length}: ${positional.join(' ')}.`);
  const named = common.rest.includes('--name');
  if (positional.length === 0 && !named) throw new UsageError('session forget needs the session name, e.g. "flink-mesos session forget default".');
  if (positional.length === 1 && named && positional[0] !== common.name) throw new UsageError(`session forget was given two names: ${positional[0]} and --name ${common.name}.`);
  ensureNoExtra(common, positional);
  const name = positional[0] ?? common.name;
  const store = new FileSessionStore(common.storeDir);
  const verdict = await checkForget(store, name, { credentials: credentials(common, io, common.principal), tls: common.tls, timeoutMs: 5000, leaseStaleMs: leaseStaleMs(io) });
  await forgetSession(store, verdict, common.storeDir);
  if (common.json) {
    io.out(`${JSON.stringify({ name, forgotten: true, why: verdict.why, frameworkId: verdict.record.frameworkId, tasksMayRun: verdict.tasksMayRun, message: verdict.message })}\n`);
  } else {
    io.out(`Forgot session ${name}: ${verdict.message}\n`);
  }
  return ExitCode.ok;
}
