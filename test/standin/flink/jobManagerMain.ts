// Entry point of bin/jobmanager.sh: StandaloneSessionClusterEntrypoint.
import { runEntrypoint } from './entrypoint';
import { JobManager } from './JobManager';

runEntrypoint('standalonesession', async (configuration, log) => {
  const jm = await JobManager.start({ configuration, log });
  return { stop: () => jm.stop('terminated by signal'), onShutdown: (cb) => jm.on('shutdown', cb) };
});
