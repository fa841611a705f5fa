// The part of node-zookeeper-client (pure JavaScript, no types of its own) that master detection and its tests use.
declare module 'node-zookeeper-client' {
  import { EventEmitter } from 'node:events';

  export interface ZkException extends Error { getCode(): number; getName(): string; getPath(): string }
  export interface ZkEvent { getType(): number; getName(): string; getPath(): string }
  export interface ZkStat { version: number; ephemeralOwner: Buffer }
  export interface ZkACL { permission: number; id: unknown }

  export interface Client extends EventEmitter {
    connect(): void;
    close(): void;
    addAuthInfo(scheme: string, auth: Buffer): void;
    getChildren(path: string, watcher: ((event: ZkEvent) => void) | undefined, callback: (error: ZkException | null, children: string[], stat: ZkStat) => void): void;
    getData(path: string, watcher: ((event: ZkEvent) => void) | undefined, callback: (error: ZkException | null, data: Buffer | undefined, stat: ZkStat) => void): void;
    exists(path: string, watcher: ((event: ZkEvent) => void) | undefined, callback: (error: ZkException | null, stat: ZkStat | null) => void): void;
    create(path: string, data: Buffer | undefined, acls: ZkACL[], mode: number, callback: (error: ZkException | null, path: string) => void): void;
    mkdirp(path: string, callback: (error: ZkException | null, path: string) => void): void;
    remove(path: string, version: number, callback: (error: ZkException | null) => void): void;
    getSessionId(): Buffer;
  }

  export function createClient(connectionString: string, options?: { sessionTimeout?: number; spinDelay?: number; retries?: number }): Client;

  export const CreateMode: { PERSISTENT: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL: number; EPHEMERAL_SEQUENTIAL: number };
  export const ACL: { OPEN_ACL_UNSAFE: ZkACL[] };
  export const Exception: { NO_NODE: number; NODE_EXISTS: number; CONNECTION_LOSS: number; SESSION_EXPIRED: number };
}
