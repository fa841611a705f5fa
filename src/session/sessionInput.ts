// From the extension's settings to the core's session options: one mapping for sessions and applications.
import type { SessionOptionsInput } from '../core/session/SessionOptions';
import type { SessionSettings } from '../settings/extensionSettings';
import { flinkSslInput } from '../settings/flinkSslSettings';
import { rolesSetting, taskOptionsInput } from '../settings/taskSettings';
import { flinkLocation } from './FlinkSessionHandle';

/** The session options the settings give (a session's, and an application's resources and task options). */
export function sessionInput(settings: SessionSettings): SessionOptionsInput {
  return {
    name: settings.name, master: settings.master,
    taskManagers: settings.taskManagers === 'greedy' ? undefined : settings.taskManagers,
    slotsPerTaskManager: settings.slotsPerTaskManager, taskManagerMemoryMb: settings.taskManagerMemoryMb, taskManagerCpus: settings.taskManagerCpus,
    jobManagerMemoryMb: settings.jobManagerMemoryMb, jobManagerCpus: settings.jobManagerCpus,
    confDir: settings.configDir || undefined, dynamicProperties: settings.dynamicProperties, flink: flinkLocation(settings.flinkLocation),
    webUi: settings.webUi, ...rolesSetting(settings.role), failoverTimeoutSeconds: settings.failoverTimeoutSeconds,
    constraints: settings.constraints, fitTimeoutSeconds: settings.resourceWaitTimeoutSeconds, verbose: settings.verbose,
    maxTaskManagerFailuresPerMinute: settings.maxTaskManagerFailuresPerMinute,
    user: settings.user ? settings.user : undefined,
    declineRefuseSeconds: settings.declineRefuseSeconds,
    unreachableGraceSeconds: settings.unreachableGraceSeconds,
    ...taskOptionsInput(settings),
    ha: settings.highAvailability || undefined, haStorage: settings.highAvailabilityStorage || undefined,
    maxJobManagerRestartsPerHour: settings.maxJobManagerRestartsPerHour,
    ...(settings.flinkSsl ? flinkSslInput(settings.flinkSsl) : {}),
  };
}
