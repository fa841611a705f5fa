// A JobManager REST API for the extension-host benchmarks at scale: the answers of a 1,000-TaskManager cluster (the same
// documents treeRefreshBench parses), served from memory. The Flink stand-in would need 1,000 TaskManager objects with
// their heartbeats in the benchmark's process; what the extension host holds depends only on the answers.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { answers } from './treeRefreshBench';

export interface ScaleJobManager { url: string; taskManagerIds: string[]; close(): Promise<void> }

export async function startScaleJobManager(taskManagers: number, jobs: number): Promise<ScaleJobManager> {
  const texts = answers(0, taskManagers, jobs);
  const tms = (JSON.parse(texts.taskManagers) as { taskmanagers: { id: string }[] }).taskmanagers;
  const byId = new Map(tms.map((t) => [t.id, JSON.stringify({ ...t, metrics: {}, allocatedSlots: [] })]));
  const metrics = JSON.stringify([
    { id: 'Status.JVM.Memory.Heap.Used', value: '104857600' }, { id: 'Status.JVM.Memory.Heap.Max', value: '402653184' },
    { id: 'Status.JVM.CPU.Load', value: '0.05' },
  ]);
  const server = http.createServer((req, res) => {
    const p = (req.url ?? '/').split('?')[0];
    let body: string | undefined;
    if (p === '/overview') body = texts.overview;
    else if (p === '/taskmanagers') body = texts.taskManagers;
    else if (p === '/jobs/overview') body = texts.jobs;
    else if (p === '/jars') body = texts.jars;
    else if (p === '/config') body = texts.config;
    else if (p === '/jobmanager/config') body = '[]';
    else {
      const m = /^\/taskmanagers\/([^/]+)(\/metrics|\/logs)?$/.exec(p);
      const tm = m ? byId.get(decodeURIComponent(m[1])) : undefined;
      if (tm) body = m?.[2] === '/metrics' ? metrics : m?.[2] === '/logs' ? '{"logs":[]}' : tm;
    }
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(body ?? JSON.stringify({ errors: [`Not found: ${p}`] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    taskManagerIds: tms.map((t) => t.id),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
