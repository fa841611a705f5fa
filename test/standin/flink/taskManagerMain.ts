// Entry point of bin/taskmanager.sh: TaskManagerRunner.
import { runEntrypoint } from './entrypoint';
import { TaskManager } from './TaskManager';

runEntrypoint('taskexecutor', async (configuration, log, exit) => {
  const tm = await TaskManager.start({ configuration, log });
  tm.onFatal = (code) => void tm.stop().then(() => exit(code));
  return { stop: () => tm.stop() };
});
