import { AgentFiles, sandboxPath } from '../core/mesos/AgentFiles';

/** The last maxBytes of a task's sandbox stdout or stderr: the size first (offset -1), then 64 KiB chunks. */
export async function readSandboxTail(files: AgentFiles, agentUrl: string, frameworkId: string, taskId: string, file: 'stdout' | 'stderr', maxBytes: number): Promise<string> {
  const p = sandboxPath(frameworkId, taskId, file);
  const size = (await files.read(agentUrl, p, -1)).offset;
  let offset = Math.max(0, size - maxBytes);
  let out = '';
  while (offset < size) {
    const chunk = await files.read(agentUrl, p, offset);
    if (!chunk.data) break;
    out += chunk.data;
    offset += Buffer.byteLength(chunk.data);
  }
  return out;
}
