// What both entry points share: command line, configuration folder, log folder, signals and exit codes.
import * as path from 'node:path';
import { ProcessLog } from './ProcessLog';
import { FlinkConfiguration, loadConfiguration, parseCommandLine } from './standinConfiguration';

export interface RunningService {
  stop(): Promise<void>;
  onShutdown?(cb: () => void): void;
}

export function runEntrypoint(
  service: 'standalonesession' | 'taskexecutor',
  start: (configuration: FlinkConfiguration, log: ProcessLog, exit: (code: number) => void) => Promise<RunningService>,
): void {
  const flinkHome = process.env.FLINK_HOME ?? path.resolve(__dirname, '..');
  let log: ProcessLog | undefined;
  const exit = (code: number): void => {
    log?.close();
    process.exit(code);
  };
  void (async () => {
    const cli = parseCommandLine(process.argv.slice(2));
    const configDir = cli.configDir ?? process.env.FLINK_CONF_DIR ?? path.join(flinkHome, 'conf');
    const logDir = process.env.FLINK_LOG_DIR ?? path.join(flinkHome, 'log');
    log = new ProcessLog(logDir, service);
    const warnings: string[] = [];
    const loaded = loadConfiguration(configDir, cli.dynamicProperties, (w) => warnings.push(w));
    const logger = 'org.apache.flink.configuration.GlobalConfiguration';
    if (loaded.configFile) log.info(logger, `Loading configuration file ${loaded.configFile}`);
    for (const w of warnings) log.warn(logger, w);
    for (const [k, v] of Object.entries(loaded.configuration)) log.info(logger, `Loading configuration property: ${k}, ${/password|secret/i.test(k) ? '******' : v}`);
    const running = await start(loaded.configuration, log, exit);
    let stopping = false;
    const onSignal = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log?.info('org.apache.flink.runtime.util.SignalHandler', `RECEIVED SIGNAL 15: ${signal}. Shutting down as requested.`);
      void running.stop().finally(() => exit(0));
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
    running.onShutdown?.(() => exit(0));
  })().catch((e: Error) => {
    const message = `Could not start the ${service === 'standalonesession' ? 'cluster entrypoint' : 'TaskManager'}: ${e.message}`;
    if (log) log.error('org.apache.flink.runtime.entrypoint.ClusterEntrypoint', message);
    process.stderr.write(`${message}\n`);
    exit(1);
  });
}
