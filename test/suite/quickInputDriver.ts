// Plays the person at the keyboard for the extension's quick inputs: the wizards ask through a QuickInputUi, and this one
// hands each input box or pick to the test, which types (firing the same change events VS Code fires), reads the validation
// message shown, presses Back, accepts or dismisses.
import * as vscode from 'vscode';
import type { QuickInputUi } from '../../src/wizard/multiStep';

abstract class FakeQuickInput {
  title: string | undefined;
  step: number | undefined;
  totalSteps: number | undefined;
  placeholder: string | undefined;
  ignoreFocusOut = false;
  busy = false;
  enabled = true;
  buttons: readonly vscode.QuickInputButton[] = [];
  shown = false;
  disposed = false;
  protected readonly valueChanged = new vscode.EventEmitter<string>();
  protected readonly accepted = new vscode.EventEmitter<void>();
  protected readonly hidden = new vscode.EventEmitter<void>();
  protected readonly buttonTriggered = new vscode.EventEmitter<vscode.QuickInputButton>();
  readonly onDidChangeValue = this.valueChanged.event;
  readonly onDidAccept = this.accepted.event;
  readonly onDidHide = this.hidden.event;
  readonly onDidTriggerButton = this.buttonTriggered.event;
  private _value = '';

  constructor(private readonly shownNow: (q: FakeQuickInput) => void) {}

  get value(): string { return this._value; }
  set value(v: string) { this._value = v; }

  show(): void {
    this.shown = true;
    this.shownNow(this);
  }
  hide(): void {
    if (!this.shown) return;
    this.shown = false;
    this.hidden.fire();
  }
  dispose(): void {
    this.disposed = true;
    this.hide();
  }

  /** Types text as a person would: the value changes and the change event fires. */
  type(text: string): void {
    this._value = text;
    this.valueChanged.fire(text);
  }
  back(): void {
    this.buttonTriggered.fire(vscode.QuickInputButtons.Back);
  }
  hasBackButton(): boolean {
    return this.buttons.includes(vscode.QuickInputButtons.Back);
  }
}

export class FakeInputBox extends FakeQuickInput {
  readonly kind = 'input';
  prompt: string | undefined;
  password = false;
  valueSelection: readonly [number, number] | undefined;
  validationMessage: string | vscode.InputBoxValidationMessage | undefined;

  /** The validation message shown right now, as text. */
  get error(): string | undefined {
    const m = this.validationMessage;
    return typeof m === 'string' ? m : m?.message;
  }

  /** Presses Enter: VS Code hands the accept to the extension, which decides whether the value is good. */
  accept(): void {
    this.accepted.fire();
  }

  /** Types the text and presses Enter. */
  answer(text: string): void {
    this.type(text);
    this.accept();
  }
}

export class FakeQuickPick<T extends vscode.QuickPickItem = vscode.QuickPickItem> extends FakeQuickInput {
  readonly kind = 'pick';
  items: readonly T[] = [];
  activeItems: readonly T[] = [];
  selectedItems: readonly T[] = [];
  canSelectMany = false;
  matchOnDescription = false;
  matchOnDetail = false;
  keepScrollPosition = false;
  onDidChangeActive = new vscode.EventEmitter<readonly T[]>().event;
  onDidChangeSelection = new vscode.EventEmitter<readonly T[]>().event;
  onDidTriggerItemButton = new vscode.EventEmitter<vscode.QuickPickItemButtonEvent<T>>().event;

  /** Selects the first item whose label matches and presses Enter. */
  pick(label: string | RegExp): T {
    const item = this.items.find(i => typeof label === 'string' ? i.label === label : label.test(i.label));
    if (!item) throw new Error(`no item ${String(label)} among: ${this.items.map(i => i.label).join(' | ')}`);
    this.selectedItems = [item];
    this.accepted.fire();
    return item;
  }
}

export type FakeInput = FakeInputBox | FakeQuickPick;

/** A QuickInputUi whose inputs the test answers one by one. */
export class QuickInputDriver implements QuickInputUi {
  private readonly shown: FakeInput[] = [];
  private waiter: ((q: FakeInput) => void) | undefined;
  readonly history: FakeInput[] = [];

  createInputBox(): vscode.InputBox {
    return new FakeInputBox(q => this.arrive(q as FakeInput)) as unknown as vscode.InputBox;
  }

  createQuickPick<T extends vscode.QuickPickItem>(): vscode.QuickPick<T> {
    return new FakeQuickPick<T>(q => this.arrive(q as FakeInput)) as unknown as vscode.QuickPick<T>;
  }

  private arrive(q: FakeInput): void {
    this.history.push(q);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(q);
    } else {
      this.shown.push(q);
    }
  }

  /** The next input the extension shows (within timeoutMs). */
  next(timeoutMs = 10000): Promise<FakeInput> {
    const ready = this.shown.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiter = undefined; reject(new Error(`the extension showed no quick input within ${timeoutMs} ms`)); }, timeoutMs);
      this.waiter = q => { clearTimeout(timer); resolve(q); };
    });
  }

  async nextBox(titlePart?: string): Promise<FakeInputBox> {
    const q = await this.next();
    if (q.kind !== 'input') throw new Error(`expected an input box, got a pick "${q.title}" (${q.items.map(i => i.label).join(' | ')})`);
    if (titlePart && !`${q.title} ${q.prompt}`.includes(titlePart)) throw new Error(`expected an input box about "${titlePart}", got "${q.title}: ${q.prompt}"`);
    return q;
  }

  async nextPick(): Promise<FakeQuickPick> {
    const q = await this.next();
    if (q.kind !== 'pick') throw new Error(`expected a pick, got an input box "${q.title}: ${q.prompt}"`);
    return q;
  }
}
