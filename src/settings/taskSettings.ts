// The task settings (flinkMesos.taskManagerGpus, flinkMesos.fetchUris, flinkMesos.container.*, ...) and their mapping to
// the core's task options. No vscode import: the mapping is tested in plain Node.
import type { TaskOptionsInput } from '../core/session/taskOptions';
import { DEFAULT_IMAGE_FLINK_HOME } from '../core/session/taskOptions';

/** The settings (and profile keys) that shape each TaskInfo; the same words as the command line's flags. */
export interface TaskSettings {
  /** 0: the session's disk (none). */
  taskManagerDiskMb?: number;
  taskManagerGpus?: number;
  /** URI[,executable][,extract|no-extract][,cache] */
  fetchUris?: string[];
  environment?: Record<string, string>;
  bootstrapCommand?: string;
  portAssignments?: string[];
  taskManagerHostname?: string;
  containerizer?: 'docker' | 'mesos';
  imageFlinkHome?: string;
  dockerForcePull?: boolean;
  dockerVolumes?: string[];
  dockerParameters?: string[];
  dockerNetwork?: string;
}

export const TASK_SETTING_KEYS: (keyof TaskSettings)[] = [
  'taskManagerDiskMb', 'taskManagerGpus', 'fetchUris', 'environment', 'bootstrapCommand', 'portAssignments', 'taskManagerHostname',
  'containerizer', 'imageFlinkHome', 'dockerForcePull', 'dockerVolumes', 'dockerParameters', 'dockerNetwork',
];

/** The task settings that say something (defaults left out, so a folder location never trips over unused container options). */
export function taskOptionsInput(t: TaskSettings): TaskOptionsInput {
  const out: TaskOptionsInput = {};
  if (t.taskManagerDiskMb) out.taskManagerDiskMb = t.taskManagerDiskMb;
  if (t.taskManagerGpus) out.taskManagerGpus = t.taskManagerGpus;
  if (t.fetchUris?.length) out.uris = t.fetchUris;
  if (t.environment && Object.keys(t.environment).length > 0) out.environment = t.environment;
  if (t.bootstrapCommand?.trim()) out.bootstrapCommand = t.bootstrapCommand;
  if (t.portAssignments?.length) out.portAssignments = t.portAssignments;
  if (t.taskManagerHostname?.trim()) out.taskManagerHostname = t.taskManagerHostname;
  if (t.containerizer && t.containerizer !== 'docker') out.containerizer = t.containerizer;
  if (t.imageFlinkHome?.trim() && t.imageFlinkHome.trim() !== DEFAULT_IMAGE_FLINK_HOME) out.imageFlinkHome = t.imageFlinkHome.trim();
  if (t.dockerForcePull) out.dockerForcePull = true;
  if (t.dockerVolumes?.length) out.dockerVolumes = t.dockerVolumes;
  if (t.dockerParameters?.length) out.dockerParameters = t.dockerParameters;
  if (t.dockerNetwork && t.dockerNetwork.toUpperCase() !== 'HOST') out.dockerNetwork = t.dockerNetwork;
  return out;
}

/** flinkMesos.role: one role, or several separated by commas. */
export function rolesSetting(role: string): { role?: string; roles?: string[] } {
  const roles = role.split(',').map((r) => r.trim()).filter((r) => r !== '');
  if (roles.length === 0 || (roles.length === 1 && roles[0] === '*')) return {};
  return roles.length === 1 ? { role: roles[0] } : { roles };
}

/** The task keys a profile sets, checked for their types only (the session's validation checks the values). */
export function pickTaskSettings(o: Record<string, unknown>): TaskSettings {
  const out: Record<string, unknown> = {};
  for (const k of TASK_SETTING_KEYS) if (o[k] !== undefined && o[k] !== '') out[k] = o[k];
  return out as TaskSettings;
}
