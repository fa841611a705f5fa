// Serves one local jar to the Mesos fetchers of an application's tasks, for the life of the cluster (as Flink's Mesos
// artifact server did): bound to an address the agents reach, only that jar, under an unguessable path, HTTPS with a certificate.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';

export interface ArtifactServerOptions {
  /** The address to bind, as the agents reach it: an IP literal or a host name of this machine. */
  host: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** 0.0.0.0 or :: only when the user asked for every interface explicitly. */
  allowAnyAddress?: boolean;
  /** PEM certificate and key: HTTPS. */
  certFile?: string;
  keyFile?: string;
  /** The secret part of the path (given again on reattach, so the saved URI keeps working); new when absent. */
  token?: string;
  /** Host name written into the URI when it differs from the bound address (NAT, a DNS name for the address). */
  advertisedHost?: string;
}

export class ArtifactServerError extends Error {
  constructor(message: string, readonly fix: string) {
    super(`${message} ${fix}`);
    this.name = 'ArtifactServerError';
  }
}

const ANY_ADDRESS = new Set(['0.0.0.0', '::', '[::]', '']);

/** Checks the address setting before anything starts. */
export function validateArtifactAddress(host: string | undefined, allowAnyAddress: boolean): string {
  const fix = 'Set the artifact server address (--artifact-address HOST, the setting flinkMesos.application.artifactServerAddress) to an ' +
    'address of this machine the Mesos agents can reach, or give the jar as a URI the agents fetch (http://, hdfs://, s3://, or a path on a shared mount).';
  const h = (host ?? '').trim();
  if (h === '' && !allowAnyAddress) throw new ArtifactServerError('A local jar needs the artifact server, and its address is not set.', fix);
  if (ANY_ADDRESS.has(h) && !allowAnyAddress) {
    throw new ArtifactServerError(`The artifact server address "${h}" binds every interface, which exposes the jar to any network this machine is on.`,
      'Set an address the agents reach instead, or confirm every interface explicitly (--artifact-address-any, the setting flinkMesos.application.artifactServerAllowAnyAddress).');
  }
  return h === '' ? '0.0.0.0' : h.replace(/^\[(.*)\]$/, '$1');
}

export class ArtifactServer {
  private server?: http.Server;
  private readonly token: string;
  private readonly fileName: string;
  private boundPort = 0;
  /** Requests answered with the jar (for tests and the log). */
  served = 0;

  constructor(private readonly jarPath: string, private readonly options: ArtifactServerOptions) {
    this.token = options.token ?? randomBytes(24).toString('hex');
    this.fileName = path.basename(jarPath);
  }

  get port(): number { return this.boundPort; }
  get listening(): boolean { return this.server?.listening ?? false; }
  get secure(): boolean { return this.options.certFile !== undefined; }

  /** The URI the fetchers get: the only path this server answers. */
  get uri(): string {
    const host = this.options.advertisedHost ?? this.options.host;
    const shown = net.isIPv6(host) ? `[${host}]` : host;
    return `${this.secure ? 'https' : 'http'}://${shown}:${this.boundPort}/${this.token}/${encodeURIComponent(this.fileName)}`;
  }

  async start(): Promise<string> {
    const host = validateArtifactAddress(this.options.host, this.options.allowAnyAddress ?? false);
    const st = fs.statSync(this.jarPath, { throwIfNoEntry: false });
    if (!st?.isFile()) throw new ArtifactServerError(`The jar ${this.jarPath} does not exist.`, 'Pass the path of a jar file.');
    const expected = `/${this.token}/${encodeURIComponent(this.fileName)}`;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || req.url !== expected) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      fs.stat(this.jarPath, (err, now) => {
        if (err) { res.writeHead(410, { 'content-type': 'text/plain' }).end('the jar is gone\n'); return; }
        res.writeHead(200, { 'content-type': 'application/java-archive', 'content-length': String(now.size) });
        if (req.method === 'HEAD') { res.end(); return; }
        this.served++;
        fs.createReadStream(this.jarPath).pipe(res);
      });
    };
    let server: http.Server;
    if (this.options.certFile) {
      if (!this.options.keyFile) throw new ArtifactServerError('The artifact server has a certificate but no key.', 'Set the key file (--artifact-key FILE) beside the certificate.');
      let cert: Buffer; let key: Buffer;
      try {
        cert = fs.readFileSync(this.options.certFile);
        key = fs.readFileSync(this.options.keyFile);
      } catch (e) {
        throw new ArtifactServerError(`The artifact server's certificate or key cannot be read (${(e as Error).message}).`, 'Pass readable PEM files (--artifact-cert FILE --artifact-key FILE).');
      }
      server = https.createServer({ cert, key }, handler);
    } else {
      server = http.createServer(handler);
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        const why = e.code === 'EADDRNOTAVAIL' ? `${host} is not an address of this machine`
          : e.code === 'EADDRINUSE' ? `port ${this.options.port} on ${host} is taken` : e.code === 'ENOTFOUND' ? `the host name ${host} does not resolve` : e.message;
        const at = this.options.port ? `${host}:${this.options.port}` : host;
        reject(new ArtifactServerError(`The artifact server cannot listen on ${at}: ${why}, so the Mesos agents could not fetch the jar from it; nothing was started.`,
          'Set the artifact server address (--artifact-address HOST, the setting flinkMesos.application.artifactServerAddress) to an address of this machine ' +
          'that the Mesos agents reach (and a free port, or none), or give the jar as a URI the agents fetch.'));
      });
      server.listen(this.options.port ?? 0, host, () => resolve());
    });
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
    return this.uri;
  }

  /** Stops listening and closes open connections: the port is free afterwards. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

/** The parts of a URI an artifact server made, to start it again on reattach (same port, same secret path). */
export function parseArtifactUri(uri: string): { host: string; port: number; token: string; secure: boolean } | undefined {
  const m = /^(https?):\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/([0-9a-f]{48})\/[^/]+$/.exec(uri);
  if (!m) return undefined;
  return { secure: m[1] === 'https', host: m[2].replace(/^\[(.*)\]$/, '$1'), port: Number(m[3]), token: m[4] };
}
