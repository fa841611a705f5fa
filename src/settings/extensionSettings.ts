import * as vscode from 'vscode';
import { SESSION_DEFAULTS } from '../core/session/SessionOptions';
import type { TaskSettings } from './taskSettings';
import type { FlinkSslSettings } from './flinkSslSettings';

export const SECTION = 'flinkMesos';

/** What the Start Session wizard asks for; the same shape is saved as "the last run" and used by profiles (which may also set the task settings). */
export interface StartInput extends TaskSettings {
  name: string;
  master: string;
  taskManagers: number | 'greedy';
  slotsPerTaskManager: number;
  taskManagerMemoryMb: number;
  taskManagerCpus: number;
  jobManagerMemoryMb: number;
  jobManagerCpus: number;
  /** A directory present on every agent, a URI the agents fetch (an archive is extracted), or `docker:IMAGE`. */
  flinkLocation: string;
  configDir: string;
  dynamicProperties: string[];
  /** ZooKeeper HA, `zk://host:port[,host:port]/path` (`flinkMesos.highAvailability`); empty for none. */
  highAvailability?: string;
  /** HA storage: a folder every agent shares or a URI (`flinkMesos.highAvailabilityStorage`). */
  highAvailabilityStorage?: string;
}

export interface SessionSettings extends StartInput {
  webUi: boolean;
  role: string;
  failoverTimeoutSeconds: number;
  constraints: string[];
  resourceWaitTimeoutSeconds: number;
  verbose: boolean;
  /** TaskManager failures a minute the session replaces before it stops (`flinkMesos.maxTaskManagerFailuresPerMinute`). */
  maxTaskManagerFailuresPerMinute?: number;
  /** The Unix user tasks run as; empty for the framework default (`flinkMesos.user`). */
  user?: string;
  /** refuse_seconds sent with DECLINE (`flinkMesos.declineRefuseSeconds`). */
  declineRefuseSeconds?: number;
  /** How long a TaskManager may be unreachable before it is replaced (`flinkMesos.unreachableGraceSeconds`). */
  unreachableGraceSeconds?: number;
  /** With HA: JobManager relaunches an hour before the session stops (`flinkMesos.maxJobManagerRestartsPerHour`). */
  maxJobManagerRestartsPerHour?: number;
  /** Flink's TLS (`flinkMesos.flinkSsl.*`). */
  flinkSsl?: FlinkSslSettings;
}

export interface ConnectionSettings {
  tlsRejectUnauthorized: boolean;
  tlsCaFile: string;
}

export function readSessionSettings(): SessionSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const tms = c.get<number>('taskManagers', 1);
  return {
    name: c.get<string>('sessionName', 'flink') || 'flink',
    master: c.get<string>('master', ''),
    taskManagers: tms <= 0 ? 'greedy' : tms,
    slotsPerTaskManager: c.get<number>('slotsPerTaskManager', 1),
    taskManagerMemoryMb: c.get<number>('taskManagerMemoryMb', 1728),
    taskManagerCpus: c.get<number>('taskManagerCpus', 1),
    jobManagerMemoryMb: c.get<number>('jobManagerMemoryMb', 1600),
    jobManagerCpus: c.get<number>('jobManagerCpus', 1),
    flinkLocation: c.get<string>('flinkLocation', '/opt/flink'),
    configDir: c.get<string>('configDir', ''),
    dynamicProperties: c.get<string[]>('dynamicProperties', []),
    webUi: c.get<boolean>('webUi', true),
    role: c.get<string>('role', '*'),
    failoverTimeoutSeconds: c.get<number>('failoverTimeoutSeconds', 604800),
    constraints: c.get<string[]>('constraints', []),
    resourceWaitTimeoutSeconds: c.get<number>('resourceWaitTimeoutSeconds', 300),
    verbose: c.get<boolean>('verbose', false),
    maxTaskManagerFailuresPerMinute: c.get<number>('maxTaskManagerFailuresPerMinute', SESSION_DEFAULTS.maxTaskManagerFailuresPerMinute),
    user: (c.get<string>('user', '') ?? '').trim(),
    declineRefuseSeconds: c.get<number>('declineRefuseSeconds', SESSION_DEFAULTS.declineRefuseSeconds),
    unreachableGraceSeconds: c.get<number>('unreachableGraceSeconds', SESSION_DEFAULTS.unreachableGraceSeconds),
    taskManagerDiskMb: c.get<number>('taskManagerDiskMb', 0),
    taskManagerGpus: c.get<number>('taskManagerGpus', 0),
    fetchUris: c.get<string[]>('fetchUris', []),
    environment: c.get<Record<string, string>>('environment', {}),
    bootstrapCommand: c.get<string>('bootstrapCommand', ''),
    portAssignments: c.get<string[]>('portAssignments', []),
    taskManagerHostname: c.get<string>('taskManagerHostname', ''),
    containerizer: c.get<'docker' | 'mesos'>('container.containerizer', 'docker'),
    imageFlinkHome: c.get<string>('container.imageFlinkHome', '/opt/flink'),
    dockerForcePull: c.get<boolean>('container.forcePull', false),
    dockerVolumes: c.get<string[]>('container.volumes', []),
    dockerParameters: c.get<string[]>('container.parameters', []),
    dockerNetwork: c.get<string>('container.network', 'HOST'),
    highAvailability: (c.get<string>('highAvailability', '') ?? '').trim(),
    highAvailabilityStorage: (c.get<string>('highAvailabilityStorage', '') ?? '').trim(),
    maxJobManagerRestartsPerHour: c.get<number>('maxJobManagerRestartsPerHour', SESSION_DEFAULTS.maxJobManagerRestartsPerHour),
    flinkSsl: readFlinkSslSettings(),
  };
}

/** `flinkMesos.flinkSsl.*`: Flink's TLS stores and the CA the JobManager's REST certificate is verified against. */
export function readFlinkSslSettings(): FlinkSslSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const get = (k: string): string => (c.get<string>(`flinkSsl.${k}`, '') ?? '').trim();
  return {
    connections: get('connections') || 'internal,rest', keystore: get('keystore'), truststore: get('truststore'),
    restKeystore: get('restKeystore'), restTruststore: get('restTruststore'), restCaFile: get('restCaFile'),
  };
}

export function readPollingIntervalMs(): number {
  const s = vscode.workspace.getConfiguration(SECTION).get<number>('pollingIntervalSeconds', 5);
  return Math.max(0.2, Number.isFinite(s) ? s : 5) * 1000;
}

/** The periodic savepoints a job submitted from the editor gets (`flinkMesos.periodicSavepoints.*`); interval '' is none. */
export function readPeriodicSavepointDefaults(): { interval: string; keep: number; disposeOld: boolean } {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    interval: (c.get<string>('periodicSavepoints.interval', '') ?? '').trim(),
    keep: c.get<number>('periodicSavepoints.keep', 0),
    disposeOld: c.get<boolean>('periodicSavepoints.disposeOld', false),
  };
}

/** `flinkMesos.flinkRequestTimeoutSeconds`: how long one Flink REST call may take. */
export function readFlinkTimeoutMs(): number {
  const s = vscode.workspace.getConfiguration(SECTION).get<number>('flinkRequestTimeoutSeconds', 10);
  return Math.max(0.5, Number.isFinite(s) ? s : 10) * 1000;
}

export function readConnectionSettings(): ConnectionSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  return {
    tlsRejectUnauthorized: c.get<boolean>('tls.verifyCertificates', true),
    tlsCaFile: c.get<string>('tls.caFile', ''),
  };
}

/** Named profiles (`flinkMesos.profiles`): each a partial StartInput that overrides the defaults. */
export function readProfiles(): Map<string, Partial<StartInput>> {
  const raw = vscode.workspace.getConfiguration(SECTION).get<Record<string, unknown>>('profiles', {});
  const out = new Map<string, Partial<StartInput>>();
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) out.set(name, value as Partial<StartInput>);
  }
  return out;
}
