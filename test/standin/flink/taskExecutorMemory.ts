// The TaskManager memory model of Flink 1.10+, enough to report memoryConfiguration and resource profiles.
import { ConfigReader } from './standinConfiguration';

export interface TaskExecutorMemory {
  frameworkHeap: number;
  taskHeap: number;
  frameworkOffHeap: number;
  taskOffHeap: number;
  networkMemory: number;
  managedMemory: number;
  jvmMetaspace: number;
  jvmOverhead: number;
  totalFlinkMemory: number;
  totalProcessMemory: number;
}

const MB = 1024 * 1024;

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}

/** From taskmanager.memory.process.size (or .flink.size); the stand-in default is Flink's shipped 1728m. */
export function taskExecutorMemory(conf: ConfigReader): TaskExecutorMemory {
  const metaspace = conf.memory('taskmanager.memory.jvm-metaspace.size') ?? 256 * MB;
  const frameworkHeap = conf.memory('taskmanager.memory.framework.heap.size') ?? 128 * MB;
  const frameworkOffHeap = conf.memory('taskmanager.memory.framework.off-heap.size') ?? 128 * MB;
  const taskOffHeap = conf.memory('taskmanager.memory.task.off-heap.size') ?? 0;
  const flinkSize = conf.memory('taskmanager.memory.flink.size');
  const processSize = conf.memory('taskmanager.memory.process.size');
  let totalFlink: number;
  let overhead: number;
  if (flinkSize !== undefined) {
    totalFlink = flinkSize;
    overhead = clamp(Math.round(((totalFlink + metaspace) / 0.9) * 0.1), 192 * MB, 1024 * MB);
  } else {
    const total = processSize ?? 1728 * MB;
    overhead = clamp(Math.round(total * 0.1), 192 * MB, 1024 * MB);
    totalFlink = total - overhead - metaspace;
  }
  const network = conf.memory('taskmanager.memory.network.min') !== undefined && conf.memory('taskmanager.memory.network.min') === conf.memory('taskmanager.memory.network.max')
    ? (conf.memory('taskmanager.memory.network.min') as number)
    : clamp(Math.round(totalFlink * conf.number('taskmanager.memory.network.fraction', 0.1)), 64 * MB, 1024 * MB);
  const managed = conf.memory('taskmanager.memory.managed.size') ?? Math.round(totalFlink * conf.number('taskmanager.memory.managed.fraction', 0.4));
  const taskHeap = totalFlink - frameworkHeap - frameworkOffHeap - taskOffHeap - network - managed;
  if (taskHeap <= 0) {
    throw new Error(
      `Sum of configured Framework Heap Memory, Framework Off-Heap Memory, Task Off-Heap Memory, Managed Memory and Network Memory exceeds configured Total Flink Memory (${Math.round(totalFlink / MB)} mb): raise taskmanager.memory.process.size`,
    );
  }
  return {
    frameworkHeap,
    taskHeap,
    frameworkOffHeap,
    taskOffHeap,
    networkMemory: network,
    managedMemory: managed,
    jvmMetaspace: metaspace,
    jvmOverhead: overhead,
    totalFlinkMemory: totalFlink,
    totalProcessMemory: totalFlink + metaspace + overhead,
  };
}
