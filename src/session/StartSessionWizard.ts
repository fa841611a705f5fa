import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FlinkConfigurationError, readFlinkConfiguration } from '../core/flink/flinkConfiguration';
import { MIN_JOB_MANAGER_MEMORY_MB, MIN_TASK_MANAGER_MEMORY_MB, parseDynamicProperties, validateMasterAddress } from '../core/session/SessionOptions';
import { validateHighAvailability } from '../core/session/highAvailability';
import { StartInput, readProfiles, readSessionSettings } from '../settings/extensionSettings';
import { pickTaskSettings } from '../settings/taskSettings';
import { QuickInputUi, StepValidation, inputStep, pickStep, runSteps, vscodeQuickInput } from '../wizard/multiStep';

const LAST_RUN_KEY = 'flinkMesos.lastStart';
const TITLE = 'Start Flink Session on Mesos';
const SESSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** The defaults a new session starts from: settings, overridden by the last run. */
export function startDefaults(state: vscode.Memento): StartInput {
  const settings = readSessionSettings();
  const last = state.get<Partial<StartInput>>(LAST_RUN_KEY) ?? {};
  return { ...settings, ...pickStartInput(last), master: last.master || settings.master };
}

export async function rememberStart(state: vscode.Memento, input: StartInput): Promise<void> {
  await state.update(LAST_RUN_KEY, input);
}

/** Multi-step input: a profile starts in one step; otherwise every value, prefilled and checked as it is typed. */
/** Asks for a folder with VS Code's open dialog; the path, or undefined when dismissed. */
export type FolderPicker = (current: string) => Thenable<string | undefined>;

export const pickFolderWithDialog: FolderPicker = async current => {
  const start = current.trim() ? resolveConfigDir(current) : undefined;
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true, canSelectFiles: false, canSelectMany: false,
    title: 'Flink configuration folder (holds flink-conf.yaml or config.yaml)', openLabel: 'Use this folder',
    defaultUri: start ? vscode.Uri.file(start) : vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  const uri = picked?.[0];
  if (!uri) return undefined;
  return uri.scheme === 'file' ? uri.fsPath : uri.path;
};

/** The number of steps of the wizard when no profile is used. */
export const START_WIZARD_STEPS = 12;

export class StartSessionWizard {
  constructor(
    private readonly state: vscode.Memento,
    private readonly usedNames: () => string[],
    private readonly ui: QuickInputUi = vscodeQuickInput,
    private readonly pickFolder: FolderPicker = pickFolderWithDialog,
  ) {}

  async run(): Promise<StartInput | undefined> {
    const defaults = startDefaults(this.state);
    const profiles = readProfiles();
    if (profiles.size > 0) {
      const manual = { label: '$(edit) Enter values…', description: 'prefilled from settings and the last run', profile: undefined as string | undefined };
      const items = [manual, ...[...profiles.keys()].map(p => ({ label: `$(rocket) ${p}`, description: describeProfile(profiles.get(p) ?? {}), profile: p }))];
      const picked = await pickStep({ ui: this.ui, title: TITLE, step: 1, totalSteps: 1, placeholder: 'Start a profile in one step, or enter the values', items });
      if (!picked || typeof picked === 'symbol') return undefined;
      if (picked.profile) {
        const profile = profiles.get(picked.profile) ?? {};
        const input = { ...defaults, ...pickStartInput(profile), ...pickTaskSettings(profile as Record<string, unknown>) };
        if (!profiles.get(picked.profile)?.name) input.name = picked.profile;
        const problem = checkStartInput(input);
        if (problem) throw new Error(`Profile "${picked.profile}": ${problem} Fix it in the setting flinkMesos.profiles.`);
        return input;
      }
    }
    return this.ask(defaults);
  }

  private async ask(d: StartInput): Promise<StartInput | undefined> {
    const v = { ...d };
    const total = START_WIZARD_STEPS;
    const used = new Set(this.usedNames());
    const ok = await runSteps([
      async () => this.set(v, 'master', await inputStep({ ui: this.ui, title: TITLE, step: 1, totalSteps: total, value: v.master, prompt: 'Mesos master', placeholder: 'host:port, host:port,host:port or zk://host:port/mesos', validate: checkMaster })),
      async () => this.set(v, 'name', await inputStep({ ui: this.ui, title: TITLE, step: 2, totalSteps: total, value: v.name, prompt: 'Session name (also the Mesos framework name)', validate: x => checkName(x, used) })),
      async () => this.setParsed(v, 'taskManagers', await inputStep({ ui: this.ui, title: TITLE, step: 3, totalSteps: total, value: String(v.taskManagers), prompt: 'Number of TaskManagers, or "greedy" to take every offer that fits one', validate: x => parseTaskManagers(x).error }), x => parseTaskManagers(x).value),
      async () => this.setParsed(v, 'slotsPerTaskManager', await inputStep({ ui: this.ui, title: TITLE, step: 4, totalSteps: total, value: String(v.slotsPerTaskManager), prompt: 'Slots per TaskManager', validate: x => intError(x, 1, 'slots per TaskManager') }), Number),
      async () => this.setParsed(v, 'taskManagerMemoryMb', await inputStep({ ui: this.ui, title: TITLE, step: 5, totalSteps: total, value: String(v.taskManagerMemoryMb), prompt: 'TaskManager process memory (MB)', validate: x => intError(x, MIN_TASK_MANAGER_MEMORY_MB, 'TaskManager memory', 'Flink needs at least this much for a TaskManager process.') }), Number),
      async () => this.setParsed(v, 'taskManagerCpus', await inputStep({ ui: this.ui, title: TITLE, step: 6, totalSteps: total, value: String(v.taskManagerCpus), prompt: 'CPUs per TaskManager', validate: x => cpuError(x) }), Number),
      async () => this.setParsed(v, 'jobManagerMemoryMb', await inputStep({ ui: this.ui, title: TITLE, step: 7, totalSteps: total, value: String(v.jobManagerMemoryMb), prompt: 'JobManager process memory (MB)', validate: x => intError(x, MIN_JOB_MANAGER_MEMORY_MB, 'JobManager memory', 'Flink needs at least this much for a JobManager process.') }), Number),
      async () => this.setParsed(v, 'jobManagerCpus', await inputStep({ ui: this.ui, title: TITLE, step: 8, totalSteps: total, value: String(v.jobManagerCpus), prompt: 'CPUs for the JobManager', validate: x => cpuError(x) }), Number),
      async () => this.set(v, 'flinkLocation', await inputStep({ ui: this.ui, title: TITLE, step: 9, totalSteps: total, value: v.flinkLocation, prompt: 'Where Flink is on the agents: a folder on every agent, a URI to fetch, or docker:IMAGE', validate: x => x.trim() ? undefined : 'Give the Flink folder on the agents (e.g. /opt/flink), a URI of a Flink archive, or docker:IMAGE.' })),
      async () => this.setParsed(v, 'configDir', await inputStep({
        ui: this.ui, title: TITLE, step: 10, totalSteps: total, value: v.configDir,
        prompt: 'Flink configuration folder, holding flink-conf.yaml or config.yaml (empty: Flink\'s defaults)',
        placeholder: 'e.g. /opt/flink/conf, or Browse… (the folder button)',
        validate: checkConfigDir, browse: { tooltip: 'Browse…', pick: this.pickFolder },
      }), x => (x ? resolveConfigDir(x) : '')),
      async () => this.setParsed(v, 'dynamicProperties', await inputStep({ ui: this.ui, title: TITLE, step: 11, totalSteps: total, value: v.dynamicProperties.join(' '), prompt: 'Dynamic properties, key=value separated by spaces', placeholder: 'e.g. rest.flamegraph.enabled=true', validate: x => propsError(x) }), splitProps),
      async () => this.setHa(v, await inputStep({
        ui: this.ui, title: TITLE, step: 12, totalSteps: total, value: [v.highAvailability ?? '', v.highAvailabilityStorage ?? ''].join(' ').trim(),
        prompt: 'JobManager high availability (ZooKeeper): zk://HOST:PORT/PATH and a storage folder every agent shares or a URI; empty for none',
        placeholder: 'e.g. zk://zk1:2181/flink /shared/flink-ha  (Kubernetes HA does not apply on Mesos)', validate: x => haError(x),
      })),
    ]);
    return ok ? v : undefined;
  }

  private setHa(v: StartInput, r: string | symbol | undefined): unknown {
    if (typeof r === 'string') {
      const [ha = '', storage = ''] = r.trim().split(/\s+/);
      v.highAvailability = ha;
      v.highAvailabilityStorage = storage;
    }
    return r;
  }

  private set<K extends keyof StartInput>(v: StartInput, key: K, r: StartInput[K] | symbol | undefined): StartInput[K] | symbol | undefined {
    if (r !== undefined && typeof r !== 'symbol') v[key] = (typeof r === 'string' ? r.trim() : r) as StartInput[K];
    return r;
  }

  private setParsed<K extends keyof StartInput>(v: StartInput, key: K, r: string | symbol | undefined, parse: (s: string) => StartInput[K] | undefined): unknown {
    if (typeof r === 'string') {
      const parsed = parse(r.trim());
      if (parsed !== undefined) v[key] = parsed;
    }
    return r;
  }
}

export function checkStartInput(v: StartInput): string | undefined {
  return checkMaster(v.master) ?? checkName(v.name, new Set())
    ?? parseTaskManagers(String(v.taskManagers)).error
    ?? intError(String(v.slotsPerTaskManager), 1, 'slots per TaskManager')
    ?? intError(String(v.taskManagerMemoryMb), MIN_TASK_MANAGER_MEMORY_MB, 'TaskManager memory')
    ?? intError(String(v.jobManagerMemoryMb), MIN_JOB_MANAGER_MEMORY_MB, 'JobManager memory')
    ?? cpuError(String(v.taskManagerCpus)) ?? cpuError(String(v.jobManagerCpus))
    ?? configDirError(v.configDir)
    ?? propsError(v.dynamicProperties.join(' '))
    ?? haError([v.highAvailability ?? '', v.highAvailabilityStorage ?? ''].join(' '));
}

/** "zk://HOST:PORT/PATH STORAGE", or empty: the core's own check of --ha and --ha-storage. */
function haError(text: string): string | undefined {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  if (words.length > 2) return 'Give two values: the ZooKeeper address (zk://HOST:PORT/PATH) and the storage folder or URI, separated by a space.';
  try {
    validateHighAvailability(words[0], words[1], {});
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.replace(/^--ha-storage: /, 'The storage ').replace(/^--ha: /, 'The ZooKeeper address: ') : String(err);
  }
}

/** An absolute path for a typed folder: "~" is the home folder, a relative path is taken from the first workspace folder. */
export function resolveConfigDir(typed: string, base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath): string {
  const t = typed.trim();
  if (t === '~' || t.startsWith('~/')) return path.resolve(os.homedir(), `.${t.slice(1)}`);
  if (path.isAbsolute(t)) return path.resolve(t);
  return path.resolve(base ?? os.homedir(), t);
}

/**
 * The configuration folder as the core reads it: a missing folder, malformed YAML (file:line) or both
 * flink-conf.yaml and config.yaml are errors; unknown Flink keys are a warning the value passes with.
 */
export function checkConfigDir(typed: string): StepValidation | undefined {
  if (typed.trim() === '') return undefined;
  try {
    const conf = readFlinkConfiguration(resolveConfigDir(typed));
    if (conf.warnings.length === 0) return undefined;
    const more = conf.warnings.length > 2 ? ` (and ${conf.warnings.length - 2} more)` : '';
    return { severity: 'warning', message: `${conf.warnings.slice(0, 2).join(' ')}${more}` };
  } catch (err) {
    const text = err instanceof FlinkConfigurationError || err instanceof Error ? err.message : String(err);
    // The core speaks to the command line; here the field is the question itself.
    return { severity: 'error', message: text.replace(/ with -c DIR\./, '.').replace(/\bPass the folder\b/, 'Give the folder') };
  }
}

function configDirError(dir: string): string | undefined {
  const r = checkConfigDir(dir);
  return r?.severity === 'error' ? `Configuration folder: ${r.message}` : undefined;
}

function checkMaster(x: string): string | undefined {
  try {
    validateMasterAddress(x);
    return undefined;
  } catch (err) {
    // The core names the CLI flag; here the field is the question itself.
    return err instanceof Error ? err.message.replace(/^-m: /, '').replace(/Pass -m /, 'Write ').replace(/\(e\.g\. -m /, '(e.g. ') : String(err);
  }
}

function checkName(x: string, used: Set<string>): string | undefined {
  if (!SESSION_NAME.test(x.trim())) return 'Use 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit (it becomes part of Mesos task ids).';
  if (used.has(x.trim())) return `A session named "${x.trim()}" is already in this window. Pick another name.`;
  return undefined;
}

export function parseTaskManagers(x: string): { value?: number | 'greedy'; error?: string } {
  const t = x.trim().toLowerCase();
  if (t === 'greedy') return { value: 'greedy' };
  const n = Number(t);
  if (t === '' || !Number.isInteger(n) || n < 1) return { error: `"${x}" is not a number of TaskManagers. Type 1 or more, or "greedy".` };
  return { value: n };
}

function intError(x: string, min: number, what: string, why = ''): string | undefined {
  const n = Number(x.trim());
  if (x.trim() === '' || !Number.isInteger(n)) return `${what}: "${x}" is not a whole number. Type ${min} or more.`;
  if (n < min) return `${what}: ${n} is below ${min}. ${why || `Type ${min} or more.`}`.trim();
  return undefined;
}

function cpuError(x: string): string | undefined {
  const n = Number(x.trim());
  return x.trim() === '' || !Number.isFinite(n) || n <= 0 ? `"${x}" is not a number of CPUs. Type a number above 0, such as 1 or 0.5.` : undefined;
}

function splitProps(x: string): string[] {
  return x.split(/\s+/).filter(Boolean);
}

function propsError(x: string): string | undefined {
  try {
    parseDynamicProperties(splitProps(x));
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.replace(/^-D: /, '').replace(/as -D key=value/, 'as key=value').replace(/-D /g, '') : String(err);
  }
}

function pickStartInput(o: Partial<StartInput>): Partial<StartInput> {
  const out: Partial<StartInput> = {};
  const keys: (keyof StartInput)[] = ['name', 'master', 'taskManagers', 'slotsPerTaskManager', 'taskManagerMemoryMb', 'taskManagerCpus', 'jobManagerMemoryMb', 'jobManagerCpus', 'flinkLocation', 'configDir', 'dynamicProperties', 'highAvailability', 'highAvailabilityStorage'];
  for (const k of keys) if (o[k] !== undefined && o[k] !== '') (out as Record<string, unknown>)[k] = o[k];
  return out;
}

function describeProfile(p: Partial<StartInput>): string {
  const parts: string[] = [];
  if (p.master) parts.push(p.master);
  if (p.taskManagers !== undefined) parts.push(`${p.taskManagers} TaskManagers`);
  if (p.slotsPerTaskManager) parts.push(`${p.slotsPerTaskManager} slots`);
  return parts.join(' · ');
}
