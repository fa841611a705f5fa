import * as path from 'node:path';
import * as vscode from 'vscode';
import { inspectJar } from '../core/flink/jarInspector';
import { splitProgramArgs } from '../core/flink/programArgs';
import { restoreModeField } from '../core/flink/JarSubmitter';
import type { SavepointEntry } from '../core/session/SavepointHistoryStore';
import { SubmitRequest } from '../session/SessionManager';
import { SessionView } from '../session/sessionViews';
import { QuickInputUi, choose, inputStep, pickStep, runSteps, vscodeQuickInput } from '../wizard/multiStep';

const MEMORY_KEY = 'flinkMesos.jarChoices';

interface JarChoices { entryClass?: string; args?: string; savepoint?: string }

/** Jar submit flow: session (when several), entry class (last choice first), arguments (remembered per jar), parallelism, savepoint. */
export class SubmitJarWizard {
  constructor(private readonly state: vscode.Memento, public ui: QuickInputUi = vscodeQuickInput) {}

  async pickSession(sessions: SessionView[], preferred?: string): Promise<SessionView | undefined> {
    const usable = sessions.filter(s => s.jobManager && s.phase !== 'stopped' && s.phase !== 'failed' && s.phase !== 'stopping');
    if (preferred) return usable.find(s => s.name === preferred);
    if (usable.length <= 1) return usable[0];
    const picked = await choose(this.ui, usable.map(s => ({
      label: s.name, description: `${s.jobManager?.restUrl ?? ''} · ${s.slotsFree}/${s.slotsTotal} slots free`, session: s,
    })), { title: 'Submit Jar: pick the session' });
    return picked?.session;
  }

  /** @param savepoints the session's savepoint history, newest first: offered as "restore from" choices */
  async run(jarPath: string, session: SessionView, savepoints: readonly SavepointEntry[] = []): Promise<SubmitRequest | undefined> {
    const info = await inspectJar(jarPath);
    const memory = this.memory()[jarPath] ?? {};
    const title = `Submit ${path.basename(jarPath)} to ${session.name}`;
    const classes = [...new Set([memory.entryClass, info.defaultEntryClass, ...info.entryClasses].filter((c): c is string => !!c))];
    const req: SubmitRequest = { jarPath, args: [], parallelism: Math.max(1, session.slotsTotal) };
    let argsText = memory.args ?? '';
    let savepoint = '';
    const modeField = restoreModeField(session.flinkVersion);
    const total = 4;
    const ok = await runSteps([
      async () => {
        const items = classes.map(c => ({
          label: c,
          description: [c === memory.entryClass ? 'last used' : '', c === info.mainClass ? 'Main-Class' : '', c === info.programClass ? 'program-class' : ''].filter(Boolean).join(' · '),
        }));
        const r = await pickStep({
          ui: this.ui, title, step: 1, totalSteps: total, placeholder: 'Entry class (type any class name)', items,
          allowCustom: v => /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(v) ? { label: v, description: 'typed' } : undefined,
        });
        if (r && typeof r !== 'symbol') req.entryClass = r.label;
        return r;
      },
      async () => {
        const r = await inputStep({ ui: this.ui, title, step: 2, totalSteps: total, value: argsText, prompt: 'Program arguments (quoted as in a shell)', placeholder: 'e.g. --input /data/in.txt --output /data/out', validate: argsError });
        if (typeof r === 'string') { argsText = r; req.args = splitProgramArgs(r); }
        return r;
      },
      async () => {
        const r = await inputStep({ ui: this.ui, title, step: 3, totalSteps: total, value: String(req.parallelism ?? 1), prompt: `Parallelism (the session has ${session.slotsTotal} slots, ${session.slotsFree} free)`, validate: parallelismError });
        if (typeof r === 'string') req.parallelism = Number(r.trim());
        return r;
      },
      async () => {
        if (savepoints.length) {
          // The history first; a typed path stays possible.
          const items = [
            { label: 'Start fresh', description: 'no state', path: '' },
            ...savepoints.map(sp => ({
              label: sp.path, path: sp.path,
              description: `${sp.kind} · ${new Date(sp.at).toLocaleString()}${sp.jobName ? ` · ${sp.jobName}` : ''}`,
              detail: sp.entryClass ? `${sp.entryClass}${sp.jarPath ? ` from ${path.basename(sp.jarPath)}` : ''}` : undefined,
            })),
          ];
          const r = await pickStep({
            ui: this.ui, title, step: 4, totalSteps: total, placeholder: 'Restore from (a savepoint of the history, or type a path)', items,
            allowCustom: v => v.trim() ? { label: v.trim(), description: 'typed path', path: v.trim() } : undefined,
          });
          if (r && typeof r !== 'symbol') { savepoint = r.path; req.savepointPath = savepoint || undefined; }
          return r;
        }
        const r = await inputStep({ ui: this.ui, title, step: 4, totalSteps: total, value: savepoint, prompt: 'Restore from a savepoint (optional: leave empty to start fresh)', placeholder: 'e.g. file:///savepoints/savepoint-1234' });
        if (typeof r === 'string') { savepoint = r.trim(); req.savepointPath = savepoint || undefined; }
        return r;
      },
      async () => {
        // Only JobManagers that know a restore (claim) mode are asked, and only when restoring.
        if (!req.savepointPath || !modeField) { req.restoreMode = undefined; return true; }
        const r = await pickStep({
          ui: this.ui, title, step: 5, totalSteps: 5, placeholder: `Restore mode (${modeField})`, items: [
            { label: 'NO_CLAIM', description: 'default: the savepoint stays yours; the job takes a full first checkpoint', mode: 'NO_CLAIM' as const },
            { label: 'CLAIM', description: 'the job owns the snapshot and may delete it when it is no longer needed', mode: 'CLAIM' as const },
          ],
        });
        if (r && typeof r !== 'symbol') req.restoreMode = r.mode;
        return r;
      },
    ]);
    if (!ok) return undefined;
    await this.remember(jarPath, { entryClass: req.entryClass, args: argsText });
    return req;
  }

  private memory(): Record<string, JarChoices> {
    return this.state.get<Record<string, JarChoices>>(MEMORY_KEY) ?? {};
  }

  private async remember(jarPath: string, choices: JarChoices): Promise<void> {
    await this.state.update(MEMORY_KEY, { ...this.memory(), [jarPath]: choices });
  }

  /** Arguments as last given for this jar, quoted again. */
  lastArgs(jarPath: string): string[] {
    const text = this.memory()[jarPath]?.args;
    try { return text ? splitProgramArgs(text) : []; } catch { return []; }
  }
}

function argsError(text: string): string | undefined {
  try {
    splitProgramArgs(text);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function parallelismError(x: string): string | undefined {
  const n = Number(x.trim());
  return Number.isInteger(n) && n >= 1 ? undefined : `"${x}" is not a parallelism. Type a whole number of 1 or more.`;
}
