// One master process as seen over HTTP: transport rules of /api/v1/scheduler (in the order a real 1.12 master
// applies them), the operator API, /redirect, v0 state endpoints, and the test-only /__test__/ fault routes.
import * as http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import type { MesosMaster } from './MesosMaster';
import {
  base64Error, dropNulls, idOf, isObject, isV4UuidBytes, missingRequiredFields, parseJsonLikeMesos, type Json,
} from './mesosJson';
import { methodNotAllowed, replyEmpty, replyJson, replyText, unauthorized } from './httpReplies';

export interface CallFaults {
  delayMs: number;
  delayTypes?: string[];
  refuse?: { status: number; body?: string; types?: string[]; remaining?: number };
}

/** What an endpoint needs from the cluster around it. */
export interface EndpointHost {
  readonly master: MesosMaster;
  readonly credentials?: { principal: string; secret: string }[];
  readonly callFaults: CallFaults;
  leaderIndex(): number | null;
  endpointAt(index: number): MasterEndpoint;
  testRequest(name: string, args: Json): Promise<unknown>;
}

const CALL_TYPES = new Set([
  'UNKNOWN', 'SUBSCRIBE', 'TEARDOWN', 'ACCEPT', 'DECLINE', 'ACCEPT_INVERSE_OFFERS', 'DECLINE_INVERSE_OFFERS', 'REVIVE', 'KILL', 'SHUTDOWN',
  'ACKNOWLEDGE', 'ACKNOWLEDGE_OPERATION_STATUS', 'RECONCILE', 'RECONCILE_OPERATIONS', 'MESSAGE', 'REQUEST', 'SUPPRESS', 'UPDATE_FRAMEWORK',
]);
const OPERATOR_TYPES = new Set([
  'UNKNOWN', 'GET_HEALTH', 'GET_FLAGS', 'GET_VERSION', 'GET_METRICS', 'GET_LOGGING_LEVEL', 'SET_LOGGING_LEVEL', 'LIST_FILES', 'READ_FILE', 'GET_STATE',
  'GET_AGENTS', 'GET_FRAMEWORKS', 'GET_EXECUTORS', 'GET_OPERATIONS', 'GET_TASKS', 'GET_ROLES', 'GET_WEIGHTS', 'UPDATE_WEIGHTS', 'GET_MASTER',
  'SUBSCRIBE', 'RESERVE_RESOURCES', 'UNRESERVE_RESOURCES', 'CREATE_VOLUMES', 'DESTROY_VOLUMES', 'GROW_VOLUME', 'SHRINK_VOLUME', 'GET_MAINTENANCE_STATUS',
  'GET_MAINTENANCE_SCHEDULE', 'UPDATE_MAINTENANCE_SCHEDULE', 'START_MAINTENANCE', 'STOP_MAINTENANCE', 'DRAIN_AGENT', 'DEACTIVATE_AGENT',
  'REACTIVATE_AGENT', 'GET_QUOTA', 'UPDATE_QUOTA', 'SET_QUOTA', 'REMOVE_QUOTA', 'TEARDOWN', 'MARK_AGENT_GONE',
]);
const SUB_MESSAGE: Record<string, string> = {
  ACCEPT: 'accept', DECLINE: 'decline', ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers', DECLINE_INVERSE_OFFERS: 'decline_inverse_offers',
  KILL: 'kill', SHUTDOWN: 'shutdown', ACKNOWLEDGE: 'acknowledge', ACKNOWLEDGE_OPERATION_STATUS: 'acknowledge_operation_status',
  RECONCILE: 'reconcile', RECONCILE_OPERATIONS: 'reconcile_operations', MESSAGE: 'message', REQUEST: 'request', UPDATE_FRAMEWORK: 'update_framework',
};

/** Like libprocess' Request::acceptsMediaType: no Accept header accepts everything. */
function accepts(header: string | undefined, type: string): boolean {
  if (header === undefined) return true;
  const [main] = type.split('/');
  return header.split(',').some((part) => {
    const [range, ...params] = part.trim().split(';').map((s) => s.trim());
    const q = params.find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) <= 0) return false;
    return range === type || range === '*/*' || range === `${main}/*`;
  });
}

type Converted = { ok: true; call: Json } | { ok: false; message: string };

/** JSON text to a Call the way the master converts it: parse errors, then protobuf conversion errors. */
function convert(body: string, typeSet: Set<string>): Converted {
  const parsed = parseJsonLikeMesos(body);
  if (!parsed.ok) return { ok: false, message: `Failed to parse body into JSON: ${parsed.error}` };
  const prefix = 'Failed to convert JSON into Call protobuf: ';
  if (!isObject(parsed.value)) return { ok: false, message: `${prefix}Expecting a JSON object` };
  const call = dropNulls(parsed.value) as Json;
  if (call.type !== undefined && typeof call.type !== 'string') {
    const kind = typeof call.type === 'number' ? 'number' : typeof call.type === 'boolean' ? 'boolean' : Array.isArray(call.type) ? 'array' : 'object';
    return { ok: false, message: `${prefix}Not expecting a JSON ${kind} for field 'type'` };
  }
  // An enum name protobuf does not know is dropped, as if the field were absent.
  if (typeof call.type === 'string' && !typeSet.has(call.type)) delete call.type;
  if (isObject(call.acknowledge) && typeof call.acknowledge.uuid === 'string') {
    const err = base64Error(call.acknowledge.uuid);
    if (err) return { ok: false, message: `${prefix}Failed to base64 decode bytes field 'uuid': ${err}` };
  }
  const missing = missingRequiredFields(call);
  if (missing.length) return { ok: false, message: `${prefix}Missing required fields: ${missing.join(', ')}` };
  return { ok: true, call };
}

export class MasterEndpoint {
  readonly hostname = '127.0.0.1';
  port: number;
  private server?: http.Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly host: EndpointHost, readonly index: number, requestedPort: number, readonly id: string = randomUUID()) {
    this.port = requestedPort;
  }

  get url(): string { return `http://${this.hostname}:${this.port}`; }
  get listening(): boolean { return !!this.server; }

  async listen(): Promise<void> {
    const server = http.createServer((req, res) => this.onRequest(req, res));
    server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.hostname, () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Stops listening and drops every connection (streams included). */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.route(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: Error) => {
        if (!res.headersSent) replyText(res, 500, `stand-in master error: ${err.message}`);
        else res.destroy();
      });
    });
  }

  private leaderRedirect(req: http.IncomingMessage, res: http.ServerResponse, keepPath: boolean): boolean {
    const leader = this.host.leaderIndex();
    if (leader === this.index) return false;
    if (leader === null) {
      replyText(res, 503, 'No leader elected');
      return true;
    }
    const l = this.host.endpointAt(leader);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    replyEmpty(res, 307, [['Location', `//${l.hostname}:${l.port}${keepPath ? path : ''}`]]);
    return true;
  }

  private authenticate(req: http.IncomingMessage): { ok: boolean; principal?: string } {
    const creds = this.host.credentials;
    if (!creds || creds.length === 0) return { ok: true };
    const h = req.headers.authorization;
    if (!h || !h.startsWith('Basic ')) return { ok: false };
    const token = h.slice(6).trim();
    if (base64Error(token)) return { ok: false };
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false };
    const principal = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    return creds.some((c) => c.principal === principal && c.secret === secret) ? { ok: true, principal } : { ok: false };
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (path.startsWith('/__test__/')) return this.testRoute(req, res, path.slice('/__test__/'.length), body);
    if (path === '/api/v1/scheduler') return this.scheduler(req, res, body);
    if (path === '/api/v1') return this.operator(req, res, body);
    if (path === '/redirect' || path === '/master/redirect') {
      if (this.leaderRedirect(req, res, false)) return;
      const l = this.host.endpointAt(this.index);
      return replyEmpty(res, 307, [['Location', `//${l.hostname}:${l.port}`]]);
    }
    if (['/master/state', '/state', '/master/state.json', '/state.json', '/master/frameworks', '/frameworks', '/master/slaves', '/slaves', '/master/tasks', '/tasks'].includes(path)) {
      if (this.leaderRedirect(req, res, true)) return;
      const state = this.host.master.stateV0();
      if (path.endsWith('frameworks')) return replyJson(res, 200, { frameworks: state.frameworks, completed_frameworks: state.completed_frameworks, unregistered_frameworks: [] });
      if (path.endsWith('slaves')) return replyJson(res, 200, { slaves: state.slaves, recovered_slaves: [] });
      if (path.endsWith('tasks')) return replyJson(res, 200, { tasks: (state.frameworks as Json[]).flatMap((f) => f.tasks as Json[]) });
      return replyJson(res, 200, state);
    }
    if (path === '/health' || path === '/master/health') return replyEmpty(res, 200);
    if (path === '/') {
      const html = `<!doctype html><title>Mesos stand-in</title><h1>Mesos 1.12 stand-in master</h1><p>Leader: ${this.host.leaderIndex() === this.index ? 'this master' : 'another master'}</p>`;
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) });
      res.end(html);
      return;
    }
    replyEmpty(res, 404);
  }

  private async testRoute(req: http.IncomingMessage, res: http.ServerResponse, name: string, body: string): Promise<void> {
    if (req.method !== 'POST') return methodNotAllowed(res, req.method ?? 'GET');
    let args: Json = {};
    if (body.trim()) {
      try {
        const v = JSON.parse(body) as unknown;
        if (isObject(v)) args = v;
      } catch {
        return replyText(res, 400, `test fault '${name}': the body must be a JSON object of arguments`);
      }
    }
    try {
      const result = await this.host.testRequest(name, args);
      replyJson(res, 200, { ok: true, result: result ?? null });
    } catch (err) {
      replyText(res, 400, (err as Error).message);
    }
  }

  private async applyCallFaults(type: string): Promise<boolean> {
    const f = this.host.callFaults;
    if (f.delayMs > 0 && (!f.delayTypes || f.delayTypes.includes(type))) await new Promise((r) => setTimeout(r, f.delayMs));
    return !!f.refuse && (!f.refuse.types || f.refuse.types.includes(type));
  }

  private async scheduler(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const auth = this.authenticate(req);
    if (!auth.ok) return unauthorized(res);
    if (this.leaderRedirect(req, res, true)) return;
    if (req.method !== 'POST') return methodNotAllowed(res, req.method ?? 'GET');
    const contentType = req.headers['content-type'];
    if (contentType === undefined) return replyText(res, 400, "Expecting 'Content-Type' to be present");
    if (contentType !== 'application/json') {
      return replyText(res, 415, "Expecting 'Content-Type' of application/json or application/x-protobuf");
    }
    const converted = convert(body, CALL_TYPES);
    if (!converted.ok) return replyText(res, 400, converted.message);
    const call = converted.call;
    const invalid = this.validate(call, auth.principal);
    if (invalid) return replyText(res, 400, `Failed to validate scheduler::Call: ${invalid}`);
    const type = String(call.type);
    if (await this.applyCallFaults(type)) {
      const r = this.host.callFaults.refuse!;
      if (r.remaining !== undefined && --r.remaining <= 0) this.host.callFaults.refuse = undefined;
      return r.body ? replyText(res, r.status, r.body) : replyEmpty(res, r.status);
    }
    const master = this.host.master;
    if (type === 'SUBSCRIBE') {
      if (!accepts(req.headers.accept, 'application/json')) {
        return replyText(res, 406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
      }
      if (req.headers['mesos-stream-id'] !== undefined) return replyText(res, 400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
      return master.subscribe(call, res, auth.principal);
    }
    const frameworkId = idOf(call.framework_id) ?? '';
    const fw = master.framework(frameworkId);
    if (!fw) return replyText(res, 400, 'Framework cannot be found');
    if (auth.principal !== undefined && auth.principal !== fw.principal) {
      return replyText(res, 400, `Authenticated principal '${auth.principal}' does not match principal '${fw.principal ?? ''}' set in \`FrameworkInfo\``);
    }
    if (!fw.connected || !fw.stream) return replyText(res, 403, 'Framework is not subscribed');
    const streamId = req.headers['mesos-stream-id'];
    if (streamId === undefined) return replyText(res, 400, "All non-subscribe calls should include the 'Mesos-Stream-Id' header");
    if (streamId !== fw.stream.id) {
      return replyText(res, 400, `The stream ID '${String(streamId)}' included in this request didn't match the stream ID currently associated with framework ID ${fw.id}`);
    }
    master.handleCall(fw, call, res);
  }

  /** validation::scheduler::call::validate: the text after "Failed to validate scheduler::Call: ". */
  private validate(call: Json, principal: string | undefined): string | undefined {
    if (call.type === undefined) return "Expecting 'type' to be present";
    if (call.type === 'SUBSCRIBE') {
      if (!isObject(call.subscribe)) return "Expecting 'subscribe' to be present";
      const info = call.subscribe.framework_info as Json;
      if (idOf(info.id) !== idOf(call.framework_id)) return "'framework_id' differs from 'subscribe.framework_info.id'";
      if (principal !== undefined && typeof info.principal === 'string' && info.principal !== principal) {
        return `Authenticated principal '${principal}' does not match principal '${info.principal}' set in \`FrameworkInfo\``;
      }
      return undefined;
    }
    if (!isObject(call.framework_id)) return "Expecting 'framework_id' to be present";
    const sub = SUB_MESSAGE[call.type as string];
    if (sub && !isObject(call[sub])) return `Expecting '${sub}' to be present`;
    if (call.type === 'ACKNOWLEDGE') {
      const bytes = Buffer.from(String((call.acknowledge as Json).uuid), 'base64');
      if (!isV4UuidBytes(bytes)) return 'Not a valid UUID';
    }
    return undefined;
  }

  private async operator(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    if (this.leaderRedirect(req, res, true)) return;
    if (req.method !== 'POST') return methodNotAllowed(res, req.method ?? 'GET');
    const contentType = req.headers['content-type'];
    if (contentType === undefined) return replyText(res, 400, "Expecting 'Content-Type' to be present");
    if (contentType !== 'application/json') return replyText(res, 415, "Expecting 'Content-Type' of application/json or application/x-protobuf");
    const converted = convert(body, OPERATOR_TYPES);
    if (!converted.ok) return replyText(res, 400, converted.message.replace('into Call protobuf', 'into Call protobuf'));
    const call = converted.call;
    if (call.type === undefined) return replyText(res, 400, "Failed to validate master::Call: Expecting 'type' to be present");
    if (!accepts(req.headers.accept, 'application/json')) {
      return replyText(res, 406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'");
    }
    this.host.master.operatorCall(call, res);
  }
}
