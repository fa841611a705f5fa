// The stand-in's savepoint disposal (POST /savepoint-disposal, GET /savepoint-disposal/:triggerid), shaped as Flink
// answers it: a trigger id at once, then COMPLETED with no operation body, or with the failure-cause when the path
// holds no savepoint. Disposal removes the savepoint folder, as the JobManager does with the savepoint's own files.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import * as path from 'node:path';
import { RestError, notFound } from './restErrors';
import type { StreamingEndpointHost } from './streamingEndpoints';

type Outcome = { failure?: string };

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    throw new RestError(400, 'Request did not match expected format SavepointDisposalRequest.');
  }
}

export function defineSavepointDisposal(host: Pick<StreamingEndpointHost, 'route'>): void {
  const operations = new Map<string, Outcome>();
  host.route('POST', '/savepoint-disposal', async (req) => {
    const body = await bodyOf(req as IncomingMessage);
    const location = body['savepoint-path'];
    if (typeof location !== 'string') throw new RestError(400, 'Request did not match expected format SavepointDisposalRequest.');
    const dir = location.replace(/^file:(\/\/)?/, '/').replace(/^\/+/, '/');
    const id = randomBytes(16).toString('hex');
    if (!fs.existsSync(path.join(dir, '_metadata'))) {
      operations.set(id, { failure: `java.io.FileNotFoundException: Cannot find meta data file '_metadata' in directory '${location}'. Please try to load the checkpoint/savepoint directly from the metadata file instead of the directory.` });
    } else {
      fs.rmSync(dir, { recursive: true, force: true });
      operations.set(id, {});
    }
    return { 'request-id': id };
  });
  host.route('GET', '/savepoint-disposal/:triggerid', async (_q, _r, [id]) => {
    const op = operations.get(id);
    if (!op) throw notFound(`Operation not found under key: OperationKey{triggerId=${id}}`);
    return { status: { id: 'COMPLETED' }, operation: op.failure ? { 'failure-cause': { class: 'java.io.FileNotFoundException', 'stack-trace': op.failure } } : {} };
  });
}
