import type { MetricSampleData, TaskManagerData } from '../../src/webviews/protocol';
import { button, formatBytes, formatTime, h, svg, table } from '../dom';
import { request } from '../vscodeApi';

export function renderTaskManager(d: TaskManagerData): Node {
  const root = h('div', { class: 'panel' });
  root.appendChild(h('header', {},
    h('h1', {}, 'TaskManager ', h('span', { 'data-testid': 'tm-id' }, d.id)),
    h('p', { class: 'muted' }, `${d.agentHost ?? 'unknown agent'} · Mesos ${d.mesosState ?? 'n/a'} · Flink ${d.registered ? 'registered' : 'not registered'}`),
    d.error ? h('p', { class: 'error', 'data-testid': 'error' }, d.error) : undefined,
    h('div', { class: 'actions' },
      button('Flink log', () => void request({ action: 'showLogs', log: 'flinkLog' }), { testId: 'open-log' }),
      button('Flink stdout', () => void request({ action: 'showLogs', log: 'flinkStdout' }), { secondary: true }),
      d.hasSandbox ? button('Sandbox stdout', () => void request({ action: 'showLogs', log: 'sandboxStdout' }), { secondary: true }) : undefined,
      d.hasSandbox ? button('Sandbox stderr', () => void request({ action: 'showLogs', log: 'sandboxStderr' }), { secondary: true }) : undefined)));

  root.appendChild(h('section', {},
    h('h2', {}, 'Mesos task'),
    table(['', ''], [['Agent', d.agentHost ?? ''], ['Agent id', d.agentId ?? ''], ['State', d.mesosState ?? '']]),
    d.stateHistory.length ? table(['Time', 'State', 'Message'], d.stateHistory.map(s => [formatTime(s.at), s.state, s.message ?? '']), 'state-history') : undefined));

  root.appendChild(h('section', {},
    h('h2', {}, 'Flink'),
    table(['', ''], [['Slots', d.slotsTotal !== undefined ? `${d.slotsFree ?? '?'} free of ${d.slotsTotal}` : 'unknown']]),
    d.memoryConfiguration.length ? h('details', {}, h('summary', {}, 'Memory configuration'),
      table(['Key', 'Value'], d.memoryConfiguration.map(m => [m.key, m.value]))) : undefined));

  root.appendChild(h('section', {}, h('h2', {}, 'Heap and non-heap'), memoryChart(d.samples)));

  root.appendChild(h('section', {},
    h('h2', {}, `Log tail (${d.logSource})`),
    h('pre', { class: 'log', 'data-testid': 'log-tail' }, d.logTail.join('\n'))));
  return root;
}

/** A line chart of heap and non-heap use over time, in plain SVG. */
function memoryChart(samples: MetricSampleData[]): Node {
  const width = 560;
  const height = 180;
  const pad = { l: 60, r: 10, t: 10, b: 22 };
  const chart = svg('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Heap and non-heap memory over time', 'data-testid': 'memory-chart', 'data-samples': samples.length });
  if (samples.length === 0) {
    const t = svg('text', { x: pad.l, y: height / 2, class: 'chart-label' });
    t.textContent = 'Waiting for the first metrics…';
    chart.appendChild(t);
    return chart;
  }
  const t0 = samples[0].at;
  const t1 = Math.max(samples[samples.length - 1].at, t0 + 1);
  const maxY = Math.max(1, ...samples.map(s => Math.max(s.heapUsed, s.nonHeapUsed, s.heapMax ?? 0)));
  const x = (t: number): number => pad.l + ((t - t0) / (t1 - t0)) * (width - pad.l - pad.r);
  const y = (v: number): number => height - pad.b - (v / maxY) * (height - pad.t - pad.b);
  chart.appendChild(svg('line', { x1: pad.l, y1: height - pad.b, x2: width - pad.r, y2: height - pad.b, class: 'axis' }));
  chart.appendChild(svg('line', { x1: pad.l, y1: pad.t, x2: pad.l, y2: height - pad.b, class: 'axis' }));
  for (const frac of [0, 0.5, 1]) {
    const label = svg('text', { x: 2, y: y(maxY * frac) + 4, class: 'chart-value' });
    label.textContent = formatBytes(maxY * frac);
    chart.appendChild(label);
  }
  const path = (pick: (s: MetricSampleData) => number): string =>
    samples.map((s, i) => `${i ? 'L' : 'M'}${x(s.at).toFixed(1)},${y(pick(s)).toFixed(1)}`).join(' ');
  if (samples.length === 1) {
    chart.appendChild(svg('circle', { cx: x(t0), cy: y(samples[0].heapUsed), r: 3, class: 'dot-heap' }));
    chart.appendChild(svg('circle', { cx: x(t0), cy: y(samples[0].nonHeapUsed), r: 3, class: 'dot-nonheap' }));
  }
  chart.appendChild(svg('path', { d: path(s => s.heapUsed), class: 'line-heap', 'data-testid': 'heap-line' }));
  chart.appendChild(svg('path', { d: path(s => s.nonHeapUsed), class: 'line-nonheap', 'data-testid': 'nonheap-line' }));
  const last = samples[samples.length - 1];
  return h('div', {}, chart,
    h('p', { class: 'legend' },
      h('span', { class: 'swatch heap' }), ` heap ${formatBytes(last.heapUsed)}${last.heapMax ? ` of ${formatBytes(last.heapMax)}` : ''}  `,
      h('span', { class: 'swatch nonheap' }), ` non-heap ${formatBytes(last.nonHeapUsed)}`,
      h('span', { class: 'muted' }, `  · ${samples.length} samples since ${formatTime(t0)}`)));
}
