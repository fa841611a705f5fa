// The flink-mesos command dispatcher (main.ts runs it on the real process; tests run it in-process).
import { ExitCode, type CliIo } from './cliIo';
import { JOB_COMMANDS, JOB_COMMANDS_USAGE, runJobCommand } from './jobCommands';
import { SESSION_USAGE, resolveSessionJobManager, runSessionCommand } from './sessionCommands';
import { defaultSessionDir } from '../session/SessionStore';
import { SAVEPOINT_COMMANDS, SAVEPOINT_USAGE, historyOf, runSavepointCommand } from './savepointCommands';
import { SCHEDULE_COMMAND, SCHEDULE_USAGE, runScheduleCommand, sessionDriven } from './savepointScheduleCommand';
import { SavepointHistoryStore, savepointDirFor } from '../session/SavepointHistoryStore';
import { APPLICATION_USAGE, runApplicationCommand } from './applicationCommands';

export const OVERVIEW = `flink-mesos: run Apache Flink sessions on an Apache Mesos cluster and submit jobs to them.

Usage: flink-mesos session start -m HOST:PORT [-n N] [-s S] [-tm MB] [-tmc C] [-jm MB] [-jmc C] [-c CONFDIR]
                                 [-D key=value]... [--flink-home DIR | --flink-uri URI | --docker-image IMAGE]
                                 [-w] [-v] [--detach] [--json] [--ca-file FILE | --insecure-skip-tls-verify]
       flink-mesos session attach|status|scale|stop [--name NAME] [--ca-file FILE | --insecure-skip-tls-verify]
       flink-mesos run|list|cancel|stop ...
       flink-mesos savepoint|savepoints|upgrade|savepoint-schedule ...
       flink-mesos application start -m HOST:PORT [options] JAR [ARGS...]   (status|list|stop|attach)

Example: flink-mesos session start -m mesos-master:5050 -n 4 -s 2 -tm 4096 --flink-home /opt/flink
         flink-mesos run --session default ./wordcount.jar --input /data/in

${SESSION_USAGE}
${JOB_COMMANDS_USAGE}
${SAVEPOINT_USAGE}
${SCHEDULE_USAGE}

${APPLICATION_USAGE}`;

function storeDirOf(argv: readonly string[], env: CliIo['env']): string {
  const i = argv.indexOf('--store');
  return i >= 0 && argv[i + 1] ? argv[i + 1] : defaultSessionDir(env);
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.err(OVERVIEW);
    return ExitCode.usage;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    io.out(OVERVIEW);
    return ExitCode.ok;
  }
  if (command === 'session') return runSessionCommand(rest, io);
  if (command === 'application') return runApplicationCommand(rest, io);
  if ((JOB_COMMANDS as readonly string[]).includes(command)) {
    const storeDir = storeDirOf(rest, io.env);
    const jobArgs = argv.filter((a, i) => !(a === '--store' || (i > 0 && argv[i - 1] === '--store')));
    return runJobCommand(jobArgs, io, (name) => resolveSessionJobManager(name, storeDir), {
      recordSubmission: (flags, submission) => { const h = historyOf(flags, storeDir, io.env); return h.store.recordSubmission(h.key, submission); },
      setSchedule: async (session, schedule) => {
        await new SavepointHistoryStore(savepointDirFor(storeDir)).setSchedule(session, schedule);
        return { driven: await sessionDriven(storeDir, session, io) };
      },
    });
  }
  if ((SAVEPOINT_COMMANDS as readonly string[]).includes(command)) {
    const storeDir = storeDirOf(rest, io.env);
    const args = argv.filter((a, i) => !(a === '--store' || (i > 0 && argv[i - 1] === '--store')));
    return runSavepointCommand(args, io, (name) => resolveSessionJobManager(name, storeDir), storeDir);
  }
  if (command === SCHEDULE_COMMAND) {
    const storeDir = storeDirOf(rest, io.env);
    const args = rest.filter((a, i) => !(a === '--store' || (i > 0 && rest[i - 1] === '--store')));
    return runScheduleCommand(args, io, (name) => resolveSessionJobManager(name, storeDir), storeDir);
  }
  io.err(`flink-mesos: unknown command "${command}". Run "flink-mesos --help" for the overview.\n`);
  return ExitCode.usage;
}
