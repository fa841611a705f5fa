// Disposing a savepoint through the JobManager (POST /savepoint-disposal, then its trigger's status): Flink deletes
// the savepoint's files in its own file system, which this machine may not see. Used only where the user asked for it.
import type { FlinkRestClient } from './FlinkRestClient';
import { FlinkRestError, summarizeFlinkErrors } from './FlinkRestError';

interface DisposalStatus {
  status?: { id?: string };
  operation?: { 'failure-cause'?: { class?: string; 'stack-trace'?: string } };
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves once Flink disposed the savepoint; throws its failure (e.g. no savepoint at that path). */
export async function disposeSavepoint(client: FlinkRestClient, location: string, options: { pollMs?: number; timeoutMs?: number } = {}): Promise<void> {
  const answer = await client.postJson<{ 'request-id'?: string }>('/savepoint-disposal', { 'savepoint-path': location });
  const id = answer['request-id'];
  const endpoint = 'POST /savepoint-disposal';
  if (typeof id !== 'string') throw new FlinkRestError(`${client.baseUrl} answered ${endpoint} without a request id.`, { kind: 'notFlink', address: client.baseUrl, endpoint });
  const deadline = Date.now() + (options.timeoutMs ?? 120000);
  for (;;) {
    const st = await client.getJson<DisposalStatus>(`/savepoint-disposal/${encodeURIComponent(id)}`);
    if (st.status?.id === 'COMPLETED') {
      const failure = st.operation?.['failure-cause'];
      if (!failure) return;
      const { first, rootCause } = summarizeFlinkErrors([failure['stack-trace'] ?? failure.class ?? 'unknown failure']);
      throw new FlinkRestError(`Disposing the savepoint ${location} failed: ${first}${rootCause && rootCause !== first ? ` (cause: ${rootCause})` : ''}`, {
        kind: 'operation', address: client.baseUrl, endpoint, flinkMessage: first, rootCause,
        fix: 'check that the path is a savepoint the JobManager can reach and delete',
      });
    }
    if (Date.now() > deadline) {
      throw new FlinkRestError(`Disposing the savepoint ${location} did not complete in time; it may still finish.`, { kind: 'timeout', address: client.baseUrl, endpoint });
    }
    await delay(options.pollMs ?? 300);
  }
}
