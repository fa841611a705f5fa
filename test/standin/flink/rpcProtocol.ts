// The stand-in's internal protocol between TaskManagers and the JobManager: JSON over HTTP on jobmanager.rpc.port.
import * as http from 'node:http';
import type { TaskExecutorMemory } from './taskExecutorMemory';

export interface TaskManagerMetrics {
  heapUsed: number;
  heapCommitted: number;
  heapMax: number;
  nonHeapUsed: number;
  nonHeapCommitted: number;
  nonHeapMax: number;
  directCount: number;
  directUsed: number;
  directMax: number;
  mappedCount: number;
  mappedUsed: number;
  mappedMax: number;
  garbageCollectors: { name: string; count: number; time: number }[];
}

export interface RegistrationRequest {
  resourceId: string;
  host: string;
  /** The TaskManager's own endpoint (logs, thread dump), on taskmanager.rpc.port. */
  rpcPort: number;
  dataPort: number;
  slots: number;
  cpuCores: number;
  physicalMemory: number;
  memory: TaskExecutorMemory;
  metrics: TaskManagerMetrics;
}

export interface RegistrationResponse {
  jobManagerId: string;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
}

export interface HeartbeatRequest {
  resourceId: string;
  metrics: TaskManagerMetrics;
}

export interface HeartbeatResponse {
  /** false: the JobManager does not know this TaskManager (it timed out or the JobManager restarted): register again. */
  known: boolean;
}

/** POSTs or GETs JSON with a timeout; rejects on connection errors and non-2xx answers. */
export function rpcCall<T>(host: string, port: number, method: 'GET' | 'POST', pathname: string, body?: unknown, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      { host, port, method, path: pathname, timeout: timeoutMs, headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 300) return reject(new Error(`${method} ${pathname} answered ${res.statusCode}: ${text}`));
          try {
            resolve((text ? JSON.parse(text) : {}) as T);
          } catch (e) {
            reject(e);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} http://${host}:${port}${pathname} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Streams a plain GET from a TaskManager's endpoint (log files). */
export function rpcGetStream(host: string, port: number, pathname: string, timeoutMs = 5000): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: pathname, timeout: timeoutMs }, resolve);
    req.on('timeout', () => req.destroy(new Error(`GET ${pathname} timed out`)));
    req.on('error', reject);
  });
}

/** A plausible JVM thread dump for /thread-dump answers. */
export function threadDump(mainThread: string): { threadName: string; stringifiedThreadInfo: string }[] {
  const names = [mainThread, 'main', 'Flink Netty Server (0) Thread 0', 'Timer-0'];
  return names.map((name, i) => ({
    threadName: name,
    stringifiedThreadInfo: `"${name}" Id=${i + 1} ${i === 1 ? 'WAITING' : 'RUNNABLE'}\n\tat java.base@11/jdk.internal.misc.Unsafe.park(Native Method)\n\tat java.base@11/java.lang.Thread.run(Thread.java:829)\n\n`,
  }));
}

