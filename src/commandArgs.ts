// What commands receive from tree nodes, panels, the status bar and tests: checked before use.

export interface CommandTarget { session?: string; taskManagerId?: string; jobId?: string; jarId?: string; log?: string }

export function asTarget(arg: unknown): CommandTarget {
  if (typeof arg !== 'object' || arg === null) return {};
  const o = arg as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= 512 ? v : undefined);
  return { session: str(o.session), taskManagerId: str(o.taskManagerId), jobId: str(o.jobId), jarId: str(o.jarId), log: str(o.log) };
}

/** What registers a command handler: vscode.commands.registerCommand, or the extension's table behind its lazily loaded core. */
export type CommandRegistrar = (id: string, handler: (arg?: unknown) => Promise<unknown>) => { dispose(): unknown };

/** Where a failed command reports: the log with its stack, and the user in a message (both masked). */
export interface CommandErrorSink { error(message: string): void; showError(err: unknown): unknown }

/** Registers command handlers bound to `owner`; a handler that throws is logged and shown, never left unhandled. */
export function registerHandlers<T>(
  registerCommand: CommandRegistrar, sink: CommandErrorSink, owner: T,
  handlers: [id: string, fn: (this: T, arg?: unknown) => Promise<unknown>][],
): { dispose(): unknown }[] {
  return handlers.map(([id, fn]) => registerCommand(id, async (arg?: unknown) => {
    try {
      return await fn.call(owner, arg);
    } catch (err) {
      sink.error(`${id}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      sink.showError(err);
      return undefined;
    }
  }));
}
