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
