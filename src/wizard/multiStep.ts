import * as vscode from 'vscode';

/** Where quick inputs come from: VS Code's window, or a driver in the extension-host tests. */
export interface QuickInputUi {
  createInputBox(): vscode.InputBox;
  createQuickPick<T extends vscode.QuickPickItem>(): vscode.QuickPick<T>;
}

export const vscodeQuickInput: QuickInputUi = {
  createInputBox: () => vscode.window.createInputBox(),
  createQuickPick: <T extends vscode.QuickPickItem>() => vscode.window.createQuickPick<T>(),
};

/** Returned when the user pressed the back button. */
export const BACK = Symbol('back');
export type StepResult<T> = T | typeof BACK | undefined;

export interface InputStepOptions {
  title: string;
  /** Omitted for a single question (no step counter, no back button). */
  step?: number;
  totalSteps?: number;
  value?: string;
  prompt: string;
  placeholder?: string;
  password?: boolean;
  /** Returns an error message for a bad value, or a warning that still lets the value through; runs as the user types. */
  validate?: (value: string) => string | StepValidation | undefined;
  /** Adds a "Browse…" button: its result (say a folder from an open dialog) replaces the value, which is checked again. */
  browse?: { tooltip: string; pick: (current: string) => Thenable<string | undefined> };
  ui?: QuickInputUi;
}

/** A validation message; only errors stop Enter. */
export interface StepValidation { message: string; severity: 'error' | 'warning' }

/** The button that opens a dialog for an input step (compared by identity). */
export const BROWSE_BUTTON_ICON = 'folder-opened';

/** One input box of a multi-step flow, with a back button from the second step on. */
export function inputStep(o: InputStepOptions): Promise<StepResult<string>> {
  return new Promise(resolve => {
    const box = (o.ui ?? vscodeQuickInput).createInputBox();
    box.title = o.title;
    box.step = o.step;
    box.totalSteps = o.totalSteps;
    box.value = o.value ?? '';
    box.prompt = o.prompt;
    box.placeholder = o.placeholder;
    box.password = !!o.password;
    box.ignoreFocusOut = true;
    const browseButton: vscode.QuickInputButton | undefined = o.browse ? { iconPath: new vscode.ThemeIcon(BROWSE_BUTTON_ICON), tooltip: o.browse.tooltip } : undefined;
    box.buttons = [...((o.step ?? 1) > 1 ? [vscode.QuickInputButtons.Back] : []), ...(browseButton ? [browseButton] : [])];
    let done = false;
    // While a dialog opened from the Browse button is up, the box may be hidden (VS Code web shows the dialog as a quick input).
    let browsing = false;
    let hiddenWhileBrowsing = false;
    const finish = (r: StepResult<string>): void => { if (done) return; done = true; resolve(r); box.dispose(); };
    const check = (v: string): boolean => {
      const r = o.validate?.(v);
      const msg: StepValidation | undefined = typeof r === 'string' ? { message: r, severity: 'error' } : r;
      box.validationMessage = msg ? {
        message: msg.message,
        severity: msg.severity === 'error' ? vscode.InputBoxValidationSeverity.Error : vscode.InputBoxValidationSeverity.Warning,
      } : undefined;
      return msg?.severity !== 'error';
    };
    const browse = async (): Promise<void> => {
      if (!o.browse || browsing) return;
      browsing = true;
      hiddenWhileBrowsing = false;
      try {
        const picked = await o.browse.pick(box.value);
        if (done) return;
        if (picked !== undefined) box.value = picked;
        if (hiddenWhileBrowsing) box.show();
        check(box.value);
      } finally {
        browsing = false;
      }
    };
    box.onDidChangeValue(check);
    box.onDidTriggerButton(b => {
      if (b === vscode.QuickInputButtons.Back) finish(BACK);
      else if (b === browseButton) void browse();
    });
    box.onDidAccept(() => { if (!browsing && check(box.value)) finish(box.value); });
    box.onDidHide(() => { if (browsing) hiddenWhileBrowsing = true; else finish(undefined); });
    check(box.value);
    box.show();
  });
}

export interface PickStepOptions<T extends vscode.QuickPickItem> {
  title: string;
  step?: number;
  totalSteps?: number;
  placeholder?: string;
  matchOnDetail?: boolean;
  ui?: QuickInputUi;
  items: T[];
  active?: T;
  /** When set, typing a value that is not an item offers it as a new item. */
  allowCustom?: (value: string) => T | undefined;
}

export function pickStep<T extends vscode.QuickPickItem>(o: PickStepOptions<T>): Promise<StepResult<T>> {
  return new Promise(resolve => {
    const pick = (o.ui ?? vscodeQuickInput).createQuickPick<T>();
    pick.title = o.title;
    pick.step = o.step;
    pick.totalSteps = o.totalSteps;
    pick.placeholder = o.placeholder;
    pick.items = o.items;
    pick.ignoreFocusOut = true;
    pick.matchOnDescription = true;
    pick.matchOnDetail = !!o.matchOnDetail;
    if (o.active) pick.activeItems = [o.active];
    pick.buttons = (o.step ?? 1) > 1 ? [vscode.QuickInputButtons.Back] : [];
    let done = false;
    const finish = (r: StepResult<T>): void => { if (done) return; done = true; resolve(r); pick.dispose(); };
    if (o.allowCustom) {
      pick.onDidChangeValue(v => {
        const custom = v ? o.allowCustom?.(v) : undefined;
        pick.items = custom && !o.items.some(i => i.label === v) ? [custom, ...o.items] : o.items;
      });
    }
    pick.onDidTriggerButton(b => { if (b === vscode.QuickInputButtons.Back) finish(BACK); });
    pick.onDidAccept(() => { const sel = pick.selectedItems[0] ?? pick.activeItems[0]; if (sel) finish(sel); });
    pick.onDidHide(() => finish(undefined));
    pick.show();
  });
}

/** Runs steps in order; a step returning BACK goes to the previous one, undefined cancels. */
export async function runSteps(steps: (() => Promise<StepResult<unknown>>)[]): Promise<boolean> {
  let i = 0;
  while (i < steps.length) {
    const r = await steps[i]();
    if (r === undefined) return false;
    if (r === BACK) { i = Math.max(0, i - 1); continue; }
    i++;
  }
  return true;
}

/** One question in an input box (no steps): the typed text, or undefined when dismissed. */
export async function ask(ui: QuickInputUi, o: Omit<InputStepOptions, 'ui' | 'step' | 'totalSteps'>): Promise<string | undefined> {
  const r = await inputStep({ ...o, ui });
  return typeof r === 'string' ? r : undefined;
}

/** One pick (no steps): the chosen item, or undefined when dismissed. */
export async function choose<T extends vscode.QuickPickItem>(ui: QuickInputUi, items: T[], o: { title: string; placeholder?: string; matchOnDetail?: boolean }): Promise<T | undefined> {
  const r = await pickStep({ ...o, items, ui });
  return r && typeof r !== 'symbol' ? r : undefined;
}
