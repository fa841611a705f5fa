// Issue 9's security checks that need the real VS Code API: the three panels' HTML (CSP, one script with a fresh nonce,
// no inline handlers), their webview options (only media/ as a resource root, no command links), and tree tooltips that
// carry cluster strings with markup (escaped, untrusted, no HTML).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FlinkMesosApi } from '../../src/extension';
import { SessionModel } from '../../src/session/SessionModel';
import { emptySessionView } from '../../src/session/sessionViews';
import { SessionTreeDataProvider, SessionTreeNode } from '../../src/tree/SessionTreeDataProvider';
import type { PanelResource } from '../../src/webviews/protocol';

const XSS = '<img src=x onerror="window.__xss=1"></script><script>window.__xss=2</script>';

function extension(): vscode.Extension<FlinkMesosApi> {
  const ext = vscode.extensions.all.find(e => e.packageJSON?.name === 'flink-on-mesos') as vscode.Extension<FlinkMesosApi> | undefined;
  assert.ok(ext, 'the extension is not loaded');
  return ext;
}

interface PageFacts { csp: Map<string, string>; scripts: { attrs: string; body: string }[]; nonce: string }

/** Reads the CSP meta tag and every script tag of a panel's HTML. */
function pageFacts(html: string): PageFacts {
  const metas = [...html.matchAll(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"\s*\/?>/gi)];
  assert.equal(metas.length, 1, 'exactly one CSP meta tag');
  const csp = new Map<string, string>();
  for (const directive of metas[0][1].split(';').map(d => d.trim()).filter(Boolean)) {
    const [name, ...values] = directive.split(/\s+/);
    assert.ok(!csp.has(name), `directive ${name} given twice`);
    csp.set(name, values.join(' '));
  }
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)].map(m => ({ attrs: m[1], body: m[2] }));
  const nonce = /^'nonce-([A-Za-z0-9+/=]+)'$/.exec(csp.get('script-src') ?? '')?.[1] ?? '';
  return { csp, scripts, nonce };
}

const RESOURCES: PanelResource[] = [
  { kind: 'sessionResources', session: 'security-none' },
  { kind: 'taskManager', session: 'security-none', id: 'security-none-taskmanager-1' },
  { kind: 'jobResult', session: 'security-none', id: '0123456789abcdef0123456789abcdef' },
];

suite('Webview security: CSP, nonces, resource roots', function () {
  this.timeout(30000);
  let api: FlinkMesosApi;

  suiteSetup(async () => {
    api = await extension().activate();
  });

  teardown(() => {
    for (const r of RESOURCES) api.panels.get(r)?.dispose();
  });

  for (const resource of RESOURCES) {
    test(`the ${resource.kind} panel: default-src 'none', one script whose nonce is the CSP's, no inline handlers`, () => {
      const html = api.panels.show(resource).panel.webview.html;
      const { csp, scripts, nonce } = pageFacts(html);
      assert.equal(csp.get('default-src'), "'none'");
      assert.match(csp.get('script-src') ?? '', /^'nonce-[A-Za-z0-9+/=]{16,}'$/, `script-src must allow only a nonce: ${csp.get('script-src')}`);
      assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
      assert.equal(scripts.length, 1, 'exactly one script tag');
      assert.equal(/\bnonce="([^"]*)"/.exec(scripts[0].attrs)?.[1], nonce, 'the script tag carries the CSP nonce');
      assert.match(scripts[0].attrs, /\bsrc="[^"]*\/media\/dist\/webview\.js"/, 'the script is the bundle under media/dist');
      assert.equal(scripts[0].body.trim(), '', 'no inline script');
      assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handler attributes');
      assert.doesNotMatch(html, /javascript:/i);
    });

    test(`the ${resource.kind} panel: resource roots are exactly media/, no command links`, () => {
      const { options } = api.panels.show(resource).panel.webview;
      const media = vscode.Uri.joinPath(extension().extensionUri, 'media').toString();
      assert.deepEqual((options.localResourceRoots ?? []).map(u => u.toString()), [media]);
      assert.equal(options.enableCommandUris, false);
      assert.equal(options.enableScripts, true);
    });
  }

  test('every render gets a fresh nonce: three panels differ, and a panel opened again differs from before', () => {
    const first = RESOURCES.map(r => pageFacts(api.panels.show(r).panel.webview.html).nonce);
    assert.equal(new Set(first).size, 3, `the panels share a nonce: ${first.join(', ')}`);
    for (const r of RESOURCES) api.panels.get(r)?.dispose();
    const again = RESOURCES.map(r => pageFacts(api.panels.show(r).panel.webview.html).nonce);
    for (let i = 0; i < 3; i++) assert.notEqual(again[i], first[i], `${RESOURCES[i].kind} reused its nonce`);
  });
});

/** What VS Code shows for a MarkdownString built with appendText: the backslash escapes and &nbsp; undone. */
function shownText(markdown: string): string {
  return markdown.replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

suite('Tree tooltips escape cluster strings', () => {
  const TM_ID = `tm-${XSS}`;
  const HOST = '<b>agent</b><script>window.__xss=3</script>';
  let model: SessionModel;
  let tree: SessionTreeDataProvider;

  setup(() => {
    model = new SessionModel();
    tree = new SessionTreeDataProvider(model);
    model.set(emptySessionView('markup', {
      phase: 'running', master: '127.0.0.1:5050', taskManagersWanted: 1, flinkReachable: true,
      taskManagers: [{ id: TM_ID, agentHost: HOST, agentId: 'agent-1', mesosState: 'TASK_RUNNING', stateHistory: [], registered: true, lost: false, hasSandbox: true, slotsTotal: 1, slotsFree: 1 }],
      jobs: [{ id: 'job-1', name: XSS, state: 'FAILED', startTime: Date.now() - 1000, endTime: Date.now() }],
    }));
  });

  teardown(() => {
    tree.dispose();
    model.dispose();
  });

  function find(kind: SessionTreeNode['kind'], from?: SessionTreeNode): SessionTreeNode | undefined {
    for (const n of tree.getChildren(from)) {
      if (n.kind === kind) return n;
      const below = find(kind, n);
      if (below) return below;
    }
    return undefined;
  }

  async function tooltipOf(node: SessionTreeNode): Promise<{ item: vscode.TreeItem; tooltip: vscode.MarkdownString }> {
    const item = tree.getTreeItem(node);
    // Tooltips may be built on hover (resolveTreeItem) instead of with the item.
    const resolve = (tree as { resolveTreeItem?: vscode.TreeDataProvider<SessionTreeNode>['resolveTreeItem'] }).resolveTreeItem;
    const resolved = item.tooltip === undefined && resolve ? await resolve.call(tree, item, node, new vscode.CancellationTokenSource().token) : item;
    const tooltip = resolved?.tooltip ?? item.tooltip;
    assert.ok(tooltip instanceof vscode.MarkdownString, `the ${node.kind} tooltip is not markdown`);
    return { item, tooltip };
  }

  function assertEscaped(tooltip: vscode.MarkdownString, raw: string): void {
    assert.equal(tooltip.isTrusted, false, 'an untrusted tooltip runs no command links');
    assert.equal(tooltip.supportHtml, false, 'no HTML in tooltips');
    const value = tooltip.value;
    assert.ok(!value.includes(raw), `the raw markup is in the tooltip: ${value}`);
    for (const tag of ['<script>', '</script>', '<b>', 'onerror="window.__xss=1">']) assert.ok(!value.includes(tag), `${tag} is unescaped in: ${value}`);
    assert.ok(shownText(value).includes(raw), `the text should still read literally: ${value}`);
  }

  test('a job whose name holds markup: the label is the plain name, the tooltip escapes it', async () => {
    const job = find('job');
    assert.ok(job, 'no job node');
    const { item, tooltip } = await tooltipOf(job);
    assert.equal(typeof item.label === 'string' ? item.label : item.label?.label, XSS, 'a tree label is plain text: the name as it is');
    assertEscaped(tooltip, XSS);
  });

  test('a TaskManager whose id and host hold markup: the tooltip escapes both', async () => {
    const tm = find('taskManager');
    assert.ok(tm, 'no TaskManager node');
    const { item, tooltip } = await tooltipOf(tm);
    assert.equal(typeof item.label === 'string' ? item.label : item.label?.label, HOST);
    assertEscaped(tooltip, TM_ID);
    assertEscaped(tooltip, HOST);
  });
});
