// The one command that starts a session again with the options it had: offered when its JobManager ended it without HA.
import type { SessionOptions } from '../session/SessionOptions';
import { SESSION_DEFAULTS } from '../session/SessionOptions';
import { shellQuote } from '../session/flinkTasks';

/** `flink-mesos session start ...` with every option of the session that differs from the defaults. */
export function restartCommandLine(o: SessionOptions, extra: { storeDir?: string } = {}): string {
  const a: string[] = ['flink-mesos', 'session', 'start', '-m', o.master, '--name', o.name];
  if (o.taskManagers !== undefined) a.push('-n', String(o.taskManagers));
  a.push('-s', String(o.slotsPerTaskManager), '-tm', String(o.taskManagerMemoryMb), '-tmc', String(o.taskManagerCpus),
    '-jm', String(o.jobManagerMemoryMb), '-jmc', String(o.jobManagerCpus));
  if (o.diskMb > 0) a.push('--disk', String(o.diskMb));
  if (o.confDir) a.push('-c', o.confDir);
  for (const [k, v] of Object.entries(o.dynamicProperties)) a.push('-D', `${k}=${v}`);
  if (o.flink.kind === 'home') a.push('--flink-home', o.flink.path);
  else if (o.flink.kind === 'uri') a.push('--flink-uri', o.flink.uri);
  else a.push('--docker-image', o.flink.image);
  if (!o.webUi) a.push('--no-web-ui');
  if (o.role) a.push('--role', o.role);
  if (o.principal) a.push('--principal', o.principal);
  a.push('--user', o.user);
  if (o.frameworkName !== `${SESSION_DEFAULTS.frameworkName} ${o.name}`) a.push('--framework-name', o.frameworkName);
  if (o.failoverTimeoutSeconds !== SESSION_DEFAULTS.failoverTimeoutSeconds) a.push('--failover-timeout', String(o.failoverTimeoutSeconds));
  for (const c of o.constraints) a.push('--constraint', `${c.attribute}:${c.value}`);
  if (o.maxTaskManagerFailuresPerMinute !== SESSION_DEFAULTS.maxTaskManagerFailuresPerMinute) a.push('--max-failures-per-minute', String(o.maxTaskManagerFailuresPerMinute));
  if (o.fitTimeoutSeconds !== SESSION_DEFAULTS.fitTimeoutSeconds) a.push('--fit-timeout', String(o.fitTimeoutSeconds));
  if (o.declineRefuseSeconds !== SESSION_DEFAULTS.declineRefuseSeconds) a.push('--decline-seconds', String(o.declineRefuseSeconds));
  if (extra.storeDir) a.push('--store', extra.storeDir);
  return a.map(shellQuote).join(' ');
}
