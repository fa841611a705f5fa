// "The offers declined and why, while a session is still waiting": the launcher's mapping of the core's snapshot, the data a
// real Session Resources panel posts, and the webview's rendering of it (media/panels/sessionResources.ts run against a
// small stand-in document, since the extension host has no DOM; the UI flow checks the real webview in Chromium).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FlinkMesosApi } from '../../src/extension';
import { declinedOffers } from '../../src/session/MesosSessionLauncher';
import type { PanelDataSource } from '../../src/webviews/PanelDataSource';
import type { SessionResourcesData } from '../../src/webviews/protocol';
import { SessionResourcesPanel } from '../../src/webviews/SessionResourcesPanel';

// ---- a stand-in document: just what media/dom.ts uses (elements, text nodes, attributes, children)

class FakeNode {
  readonly childNodes: FakeNode[] = [];
  parentNode: FakeNode | undefined;
  constructor(readonly nodeType: number, readonly tagName: string, private text = '') {}
  get firstChild(): FakeNode | undefined { return this.childNodes[0]; }
  get textContent(): string { return this.nodeType === 3 ? this.text : this.childNodes.map(c => c.textContent).join(''); }
  set textContent(v: string) { this.childNodes.length = 0; this.text = v; if (this.nodeType === 1) this.appendChild(new FakeNode(3, '#text', v)); }
  appendChild<T extends FakeNode>(c: T): T { c.parentNode = this; this.childNodes.push(c); return c; }
  removeChild<T extends FakeNode>(c: T): T { this.childNodes.splice(this.childNodes.indexOf(c), 1); return c; }
}

class FakeElement extends FakeNode {
  readonly attributes = new Map<string, string>();
  readonly listeners: string[] = [];
  /** Set if anything tried to parse HTML. */
  static htmlParsed = 0;
  constructor(tag: string) { super(1, tag.toUpperCase()); }
  setAttribute(k: string, v: string): void { this.attributes.set(k, String(v)); }
  getAttribute(k: string): string | null { return this.attributes.get(k) ?? null; }
  addEventListener(type: string): void { this.listeners.push(type); }
  set innerHTML(_: string) { FakeElement.htmlParsed++; }
  get children(): FakeElement[] { return this.childNodes.filter((c): c is FakeElement => c instanceof FakeElement); }
  all(pred: (e: FakeElement) => boolean): FakeElement[] {
    return this.children.flatMap(c => [...(pred(c) ? [c] : []), ...c.all(pred)]);
  }
  byTestId(id: string): FakeElement | undefined { return this.all(e => e.getAttribute('data-testid') === id)[0]; }
}

const fakeDocument = {
  createElement: (tag: string) => new FakeElement(tag),
  createElementNS: (_ns: string, tag: string) => new FakeElement(tag),
  createTextNode: (text: string) => new FakeNode(3, '#text', text),
};

type Renderer = (d: SessionResourcesData) => FakeElement;

/** Loads the webview's renderer with the stand-in document (and a stand-in for the webview's vscode API). */
async function loadRenderer(): Promise<Renderer> {
  const g = globalThis as Record<string, unknown>;
  g.document = fakeDocument;
  g.acquireVsCodeApi = () => ({ postMessage: () => undefined, getState: () => undefined, setState: () => undefined });
  const mod = await import('../../media/panels/sessionResources');
  return d => mod.renderSessionResources(d) as unknown as FakeElement;
}

const XSS = '<img src=x onerror="window.__xss=1"></script><script>window.__xss=2</script>';
const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);

function data(init: Partial<SessionResourcesData> = {}): SessionResourcesData {
  return {
    session: 'waiting', phase: 'launchingJobManager', master: '127.0.0.1:5050', agents: [],
    asked: { cpus: 4, memMb: 8192, taskManagers: 3 }, used: { cpus: 0, memMb: 0, taskManagers: 0 },
    phaseDetail: 'needs 4096 MB per TaskManager; the largest offer so far has 2048 MB on agent-b',
    declinedOffers: [
      { agent: 'agent-a.example', reason: 'mem 1024 < 4096 needed', at: T0 },
      { agent: XSS, reason: `cpus 0.5 < 1 needed ${XSS}`, at: T0 + 5000 },
    ],
    ...init,
  };
}

function rowsOf(table: FakeElement): string[][] {
  return table.all(e => e.tagName === 'TR').filter(r => r.children.every(c => c.tagName === 'TD')).map(r => r.children.map(c => c.textContent));
}

suite('Session Resources: offers declined while the session waits', () => {
  let render: Renderer;
  const saved: Record<string, unknown> = {};

  suiteSetup(async () => {
    const g = globalThis as Record<string, unknown>;
    for (const k of ['document', 'acquireVsCodeApi']) saved[k] = g[k];
    render = await loadRenderer();
  });

  suiteTeardown(() => {
    const g = globalThis as Record<string, unknown>;
    for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete g[k]; else g[k] = v; }
  });

  test('a table "Offers declined" lists agent host, reason and time, newest first, under the diagnosis line', () => {
    const root = render(data());
    const section = root.byTestId('declined');
    assert.ok(section, 'no "Offers declined" section while waiting');
    assert.equal(section.all(e => e.tagName === 'H2')[0]?.textContent, 'Offers declined');
    assert.equal(section.byTestId('declined-diagnosis')?.textContent, data().phaseDetail);
    const table = section.byTestId('declined-offers');
    assert.ok(table);
    assert.deepEqual(table.all(e => e.tagName === 'TH').map(th => th.textContent), ['Agent host', 'Reason', 'Time']);
    assert.deepEqual(rowsOf(table), [
      [XSS, `cpus 0.5 < 1 needed ${XSS}`, new Date(T0 + 5000).toLocaleTimeString()],
      ['agent-a.example', 'mem 1024 < 4096 needed', new Date(T0).toLocaleTimeString()],
    ]);
    // Cluster strings are text nodes: no element made from them, nothing parsed as HTML.
    assert.equal(root.all(e => e.tagName === 'IMG' || e.tagName === 'SCRIPT').length, 0);
    assert.equal(FakeElement.htmlParsed, 0);
  });

  test('nothing about declined offers once the session runs, or when none were declined', () => {
    assert.equal(render(data({ phase: 'running' })).byTestId('declined'), undefined);
    assert.equal(render(data({ declinedOffers: [] })).byTestId('declined'), undefined);
  });

  test('the launcher maps the core\'s declinedOffers while waiting, and falls back to the one diagnosis row', () => {
    const core = [
      { agentId: 'S1', hostname: 'agent-a.example', reason: 'mem 1024 < 4096 needed', at: T0 },
      { agentId: 'S2', hostname: '', reason: 'constraint rack:r1 does not match', at: T0 + 1 },
    ];
    assert.deepEqual(declinedOffers({ phase: 'taskManagers', diagnosis: 'needs more', declinedOffers: core }), [
      { agent: 'agent-a.example', reason: 'mem 1024 < 4096 needed', at: T0 },
      { agent: 'S2', reason: 'constraint rack:r1 does not match', at: T0 + 1 },
    ]);
    assert.deepEqual(declinedOffers({ phase: 'launchingJobManager', diagnosis: 'needs 4096 MB, largest offer 2048 MB' }, T0),
      [{ agent: 'largest offer', reason: 'needs 4096 MB, largest offer 2048 MB', at: T0 }]);
    assert.deepEqual(declinedOffers({ phase: 'launchingJobManager' }), []);
    assert.deepEqual(declinedOffers({ phase: 'running', diagnosis: 'old', declinedOffers: core }), []);
  });

  test('a real Session Resources panel posts the declined offers it is given', async () => {
    const ext = vscode.extensions.all.find(e => e.packageJSON?.name === 'flink-on-mesos');
    assert.ok(ext);
    const api = await (ext.activate() as Thenable<FlinkMesosApi>);
    const changed = new vscode.EventEmitter<string>();
    const given = data();
    const source: PanelDataSource = {
      onDidChangeSession: changed.event,
      sessionResources: name => (name === given.session ? given : undefined),
      taskManager: () => Promise.resolve(undefined),
      jobResult: () => Promise.resolve(undefined),
      outputFile: () => undefined,
      hasTaskManager: () => false,
      pollingIntervalMs: () => 1000,
    };
    const webview = vscode.window.createWebviewPanel(SessionResourcesPanel.viewType, 'Resources: waiting', vscode.ViewColumn.Active, {});
    const panel = new SessionResourcesPanel(webview, { kind: 'sessionResources', session: given.session }, ext.extensionUri, api.logger, source);
    try {
      await panel.render();
      assert.equal(panel.lastPosted?.kind, 'sessionResources');
      assert.deepEqual(panel.lastPosted?.kind === 'sessionResources' ? panel.lastPosted.data.declinedOffers : undefined, given.declinedOffers);
    } finally {
      panel.dispose();
      changed.dispose();
    }
  });
});
