// Types for the few undici internals that src/core/http/undici.ts loads instead of the whole package (see there).
declare module 'undici/lib/dispatcher/agent' {
  import { Agent } from 'undici';
  export = Agent;
}
declare module 'undici/lib/dispatcher/pool' {
  import { Pool } from 'undici';
  export = Pool;
}
declare module 'undici/lib/dispatcher/dispatcher' {
  import { Dispatcher } from 'undici';
  export = Dispatcher;
}
declare module 'undici/lib/api' {
  import type { Dispatcher } from 'undici';
  /** The request/stream/pipeline/connect/upgrade methods undici's index.js copies onto Dispatcher.prototype. */
  const api: Record<string, (this: Dispatcher, ...args: unknown[]) => unknown> & {
    request(this: Dispatcher, opts: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>;
  };
  export = api;
}
