// flink-mesos application upgrade: stop an application with a savepoint and run a new jar from it as the same
// application (upgradeApplication), rolling back to the previous jar when the new one fails; then follow it.
import * as path from 'node:path';
import { ExitCode, type CliIo } from './cliIo';
import { FlinkApplication } from '../application/FlinkApplication';
import { upgradeApplication } from '../application/ApplicationUpgrade';
import { UpgradeError } from '../flink/JobUpgrader';
import { SessionError } from '../session/FlinkSession';
import { SavepointHistoryStore, savepointDirFor } from '../session/SavepointHistoryStore';
import { FileSessionStore } from '../session/SessionStore';
import { UsageError, drivenBy, type CommonArgs } from './sessionCliCommon';
import { appDeps, attachToStop, follow, parseApplicationFlags, parseSavepointFlags, serveDriven, stopJobWithSavepoint, untilDriverTornDown } from './applicationCliCommon';

export const APPLICATION_UPGRADE_USAGE = `  flink-mesos application upgrade --name NAME [--savepoint DIR] [--drain] [--class CLASS] [-p P]
      [--allow-non-restored-state] [--no-rollback] [--stable-seconds S] [--detach] [--json] NEW.jar [PROGRAM ARGS...]
                                    stop the job with a savepoint (DIR, or the cluster's state.savepoints.dir), run NEW.jar
                                    from it as the same application with the same resources, and follow it; if the new job
                                    fails to start or within S seconds (default 10), the previous jar runs again from the
                                    same savepoint (exit code 6)
`;

export async function upgradeCommand(common: CommonArgs, io: CliIo, jar: string | undefined, programArgs: string[]): Promise<number> {
  if (!jar) throw new UsageError('application upgrade needs the new jar: "flink-mesos application upgrade --name NAME NEW.jar [ARGS...]".');
  const flags = parseApplicationFlags(common.rest);
  if (flags.input.savepoint !== undefined) throw new UsageError('application upgrade takes its savepoint itself: pass the folder with --savepoint DIR, not -s.');
  const { savepointDir, drain, rest: others } = parseSavepointFlags(flags.rest);
  let noRollback = false;
  let stableMs: number | undefined;
  const rest: string[] = [];
  for (let i = 0; i < others.length; i++) {
    const a = others[i];
    if (a === '--no-rollback') noRollback = true;
    else if (a === '--stable-seconds') {
      const v = others[++i];
      if (!v || !/^\d+$/.test(v)) throw new UsageError(`--stable-seconds must be a whole number, not "${v ?? ''}".`);
      stableMs = Number(v) * 1000;
    } else if (a === '--name' || a === '--principal') i++;
    else if (a !== '-v' && a !== '--verbose') rest.push(a);
  }
  if (rest.length > 0) throw new UsageError(`Unknown argument${rest.length > 1 ? 's' : ''} for application upgrade: ${rest.join(' ')}.`);
  if (common.detach && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(jar)) {
    throw new UsageError('--detach needs the new jar as a URI the agents fetch: a local jar is served by this process, which has to stay for the life of the cluster.');
  }
  const store = new FileSessionStore(common.storeDir);
  const record = await store.load(common.name);
  if (!record?.options.application) {
    throw new SessionError(record ? `"${common.name}" is a Flink session, not an application.` : `No application named "${common.name}" is running.`,
      record ? `Upgrade its jobs with "flink-mesos upgrade --session ${common.name} JOBID NEW.jar".` : 'List them with "flink-mesos application list".', 'notFound');
  }
  const say = (t: string): void => { if (!common.json) io.err(`${t}\n`); };
  const owner = await drivenBy(common, io);
  let result;
  try {
    result = await upgradeApplication({
      current: record, next: { jar, entryClass: flags.input.entryClass, args: programArgs, parallelism: flags.input.parallelism },
      savepointDir, drain, allowNonRestoredState: flags.input.allowNonRestoredState, noRollback, stableMs, artifactServer: flags.artifact,
      history: new SavepointHistoryStore(savepointDirFor(common.storeDir)),
      stopCurrent: async (dir, drainIt) => {
        if (owner) {
          // Another client follows it: the savepoint goes to Flink directly, and that client tears the cluster down.
          const at = await stopJobWithSavepoint(record, dir ?? '', drainIt);
          await untilDriverTornDown(common.storeDir, common.name, common.timeoutMs);
          if (await store.load(common.name)) throw new SessionError(`The client that drives ${common.name} did not tear its cluster down after the savepoint at ${at}.`, 'Stop it there, then start the new jar with -s.');
          return at;
        }
        const current = await attachToStop(common, io, flags.artifact, true);
        const ended = await current.stop({ savepointDir: dir ?? '', drain: drainIt });
        if (!ended.savepoint) throw new SessionError(`Application ${common.name} ended without a savepoint (${ended.reason ?? ended.outcome}).`, 'Start the new jar with -s from its last savepoint (flink-mesos savepoints --session NAME).');
        return ended.savepoint;
      },
      launch: async (validated, artifact) => {
        const app = await FlinkApplication.create(validated, appDeps(common, io, validated.options.principal, flags.artifact), artifact);
        await app.start();
        await serveDriven(app, common, io);
        return app;
      },
      onProgress: say,
    });
  } catch (err) {
    if (!(err instanceof UpgradeError)) throw err;
    const code = err.kind === 'badInput' || err.kind === 'notRunning' ? ExitCode.usage : ExitCode.failed;
    if (common.json) io.out(`${JSON.stringify({ error: err.message, kind: err.kind, oldJobRunning: err.oldJobRunning, savepoint: err.statePath, resumeCommand: err.resumeCommand, exitCode: code })}\n`);
    io.err(`flink-mesos: ${err.message}\n`);
    return code;
  }
  const { app, ...summary } = result;
  if (common.json) io.out(`${JSON.stringify({ name: common.name, ...summary })}\n`);
  else if (summary.outcome === 'upgraded') io.out(`Upgraded: application ${common.name} runs ${path.basename(jar)} as job ${summary.runningJobId}, from ${summary.savepoint}.\n`);
  else io.out(`Rolled back: the new jar failed (${summary.reason}). The previous jar runs again as job ${summary.runningJobId}, from ${summary.savepoint}.\n`);
  // Then as after application start: followed until its job ends, or detached once it runs (--detach).
  const code = await follow(app, common, io, true);
  if (summary.outcome === 'rolledBack' && code === ExitCode.ok) return ExitCode.rolledBack;
  return code;
}
