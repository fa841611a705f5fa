import { summarizeFlinkErrors } from '../../src/core/flink/FlinkRestError';
import type { JobResultData } from '../../src/webviews/protocol';
import { button, formatBytes, formatDuration, formatTime, h, linkButton, table } from '../dom';
import { request } from '../vscodeApi';
import { renderCheckpoints, renderSavepoints } from './checkpoints';
import { renderJobGraph } from './jobGraph';

export function renderJobResult(d: JobResultData): Node {
  const root = h('div', { class: 'panel' });
  root.appendChild(h('header', {},
    h('h1', {}, h('span', { 'data-testid': 'job-name' }, d.name || d.id)),
    h('p', {}, h('span', { class: `state state-${d.state.toLowerCase()}`, 'data-testid': 'job-state' }, d.state),
      h('span', { class: 'muted' }, ` · ${d.id} · ${formatDuration(d.durationMs)}`)),
    d.error ? h('p', { class: 'error' }, d.error) : undefined,
    h('div', { class: 'actions' },
      d.state === 'RUNNING' ? button('Trigger Savepoint', () => void request({ action: 'triggerSavepoint' }), { testId: 'trigger-savepoint' }) : undefined,
      d.state === 'RUNNING' ? button('Upgrade Job…', () => void request({ action: 'upgradeJob' }), { secondary: true, testId: 'upgrade-job' }) : undefined,
      button('Open Flink Web UI', () => void request({ action: 'openFlinkUi' }), { secondary: true })),
    d.savepointProgress ? h('p', { class: 'muted', 'data-testid': 'savepoint-progress' }, d.savepointProgress) : undefined));

  if (d.graph && d.graph.vertices.length) {
    root.appendChild(h('section', { 'data-testid': 'graph' }, h('h2', {}, 'Job graph'), renderJobGraph(d.graph)));
  }
  if (d.checkpoints) root.appendChild(renderCheckpoints(d.checkpoints));
  if (d.savepoints) root.appendChild(renderSavepoints(d.savepoints));

  if (d.outputFiles.length) {
    root.appendChild(h('section', { 'data-testid': 'outputs' }, h('h2', {}, 'Output'),
      h('ul', {}, ...d.outputFiles.map((f, index) => h('li', {},
        f.exists ? linkButton(f.label, () => void request({ action: 'openOutputFile', index }), `output-${index}`) : h('span', { class: 'muted' }, `${f.label} (not written yet)`))))));
  }

  root.appendChild(h('section', {}, h('h2', {}, 'Timeline'),
    h('ol', { class: 'timeline', 'data-testid': 'timeline' }, ...d.timeline.map(t => h('li', {}, h('strong', {}, t.state), ` ${formatTime(t.at)}`)))));

  root.appendChild(h('section', {}, h('h2', {}, 'Vertices'),
    d.vertices.length ? table(['Vertex', 'Parallelism', 'Status', 'Records in', 'Records out', 'Bytes in', 'Bytes out'],
      d.vertices.map(v => [v.name, String(v.parallelism), v.status, num(v.readRecords), num(v.writeRecords), formatBytes(v.readBytes), formatBytes(v.writeBytes)]), 'vertices', [1, 3, 4, 5, 6])
      : h('p', { class: 'muted' }, 'No vertices reported.')));

  root.appendChild(h('section', {}, h('h2', {}, 'Accumulators'),
    d.accumulators.length ? table(['Name', 'Type', 'Value'], d.accumulators.map(a => [a.name, a.type, a.value]), 'accumulators')
      : h('p', { class: 'muted' }, 'None.')));

  if (d.rootException || d.exceptionHistory.length) {
    root.appendChild(h('section', { 'data-testid': 'exceptions' }, h('h2', {}, 'Exceptions'),
      d.rootExceptionFix ? h('p', { class: 'fix', 'data-testid': 'exception-fix' }, `Fix: ${d.rootExceptionFix}`) : undefined,
      // Real Flink's root exception starts with the scheduler's "Recovery is suppressed by ..."; the job's own failure is the
      // innermost "Caused by:", so that goes first.
      rootCause(d.rootException) ? h('p', { class: 'error', 'data-testid': 'root-cause' }, `Cause: ${rootCause(d.rootException)}`) : undefined,
      d.rootException ? h('pre', { class: 'exception', 'data-testid': 'root-exception' }, d.rootException) : undefined,
      ...d.exceptionHistory.map((e, i) => h('details', { 'data-testid': 'exception-entry' },
        h('summary', {}, `${formatTime(e.at)} ${e.name ?? ''}`, e.taskManagerId ? ' on ' : '',
          e.taskManagerId && e.at !== undefined ? linkButton(e.taskManagerId, () => void request({ action: 'showTaskManagerLog', taskManagerId: e.taskManagerId!, at: e.at! }), `exception-tm-${i}`)
            : e.taskManagerId ?? ''),
        h('pre', { class: 'exception' }, e.message)))));
  }
  return root;
}

function rootCause(trace: string | undefined): string | undefined {
  return trace ? summarizeFlinkErrors([trace]).rootCause : undefined;
}

function num(n: number | undefined): string {
  return n === undefined ? '' : n.toLocaleString();
}
