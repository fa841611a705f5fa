// Checkpoints of a job: counts, the latest completed and the latest failure, a chart of duration and size, the history.
import type { CheckpointRowData, CheckpointsData, SavepointRowData } from '../../src/webviews/protocol';
import { formatBytes, formatDuration, formatTime, h, svg, table } from '../dom';

export function renderCheckpoints(c: CheckpointsData): Node {
  const section = h('section', { 'data-testid': 'checkpoints' }, h('h2', {}, 'Checkpoints'));
  if (!c.enabled) section.appendChild(h('p', { class: 'muted' }, 'Checkpointing is not enabled for this job.'));
  if (c.warning) section.appendChild(h('p', { class: 'error', 'data-testid': 'checkpoint-warning' }, `⚠ ${c.warning}`));
  section.appendChild(table(['Completed', 'Failed', 'In progress', 'Restored', 'Interval', 'Kept on cancel'], [[
    h('span', { 'data-testid': 'checkpoints-completed' }, String(c.counts.completed)), String(c.counts.failed), String(c.counts.inProgress), String(c.counts.restored),
    c.intervalMs !== undefined && c.enabled ? formatDuration(c.intervalMs) : '–', c.retainedOnCancel === undefined ? '–' : c.retainedOnCancel ? 'yes' : 'no',
  ]], 'checkpoint-counts'));
  if (c.latest) {
    section.appendChild(h('p', { 'data-testid': 'checkpoint-latest' },
      h('strong', {}, `Latest completed: #${c.latest.id}`), ` at ${formatTime(c.latest.at)}, end to end ${formatDuration(c.latest.durationMs)}, ${formatBytes(c.latest.sizeBytes)}`,
      c.latest.path ? h('span', { class: 'muted' }, ` · ${c.latest.path}`) : undefined));
  }
  if (c.latestFailure) {
    section.appendChild(h('p', { class: 'error', 'data-testid': 'checkpoint-failure' },
      `Latest failure: #${c.latestFailure.id} at ${formatTime(c.latestFailure.at)}${c.latestFailure.failure ? `: ${c.latestFailure.failure}` : ''}`));
  }
  if (c.restoredFrom) section.appendChild(h('p', { class: 'muted' }, `Restored from ${c.restoredFrom}`));
  const rows = c.history.filter(r => r.status !== 'IN_PROGRESS');
  if (rows.length) section.appendChild(checkpointChart([...rows].reverse()));
  section.appendChild(c.history.length
    ? table(['#', 'Kind', 'Status', 'Triggered', 'End to end', 'Size', 'Path or failure'],
      c.history.map(r => [String(r.id), r.savepoint ? 'savepoint' : 'checkpoint', r.status, formatTime(r.at), formatDuration(r.durationMs), formatBytes(r.sizeBytes), r.failure ?? r.path ?? '']), 'checkpoint-history')
    : h('p', { class: 'muted' }, 'No checkpoint yet.'));
  return section;
}

/** Duration (bars) and size (line) of the recent checkpoints, oldest left. */
function checkpointChart(rows: CheckpointRowData[]): Node {
  const width = 560;
  const height = 140;
  const pad = { l: 56, r: 64, t: 10, b: 20 };
  const maxD = Math.max(1, ...rows.map(r => r.durationMs));
  const maxS = Math.max(1, ...rows.map(r => r.sizeBytes));
  const chart = svg('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Checkpoint duration and size', 'data-testid': 'checkpoint-chart', 'data-points': rows.length });
  const slot = (width - pad.l - pad.r) / rows.length;
  const y = (frac: number): number => height - pad.b - frac * (height - pad.t - pad.b);
  chart.appendChild(svg('line', { x1: pad.l, y1: height - pad.b, x2: width - pad.r, y2: height - pad.b, class: 'axis' }));
  const label = (x: number, yy: number, t: string, anchor = 'start'): void => {
    const el = svg('text', { x, y: yy, class: 'chart-value', 'text-anchor': anchor });
    el.textContent = t;
    chart.appendChild(el);
  };
  label(2, y(1) + 4, formatDuration(maxD));
  label(width - 2, y(1) + 4, formatBytes(maxS), 'end');
  rows.forEach((r, i) => {
    const hgt = (r.durationMs / maxD) * (height - pad.t - pad.b);
    chart.appendChild(svg('rect', { x: pad.l + i * slot + slot * 0.15, y: height - pad.b - hgt, width: slot * 0.7, height: Math.max(1, hgt), class: r.status === 'FAILED' ? 'bar-failed' : 'bar-duration' }));
  });
  const line = rows.map((r, i) => `${i ? 'L' : 'M'}${(pad.l + i * slot + slot / 2).toFixed(1)},${y(r.sizeBytes / maxS).toFixed(1)}`).join(' ');
  chart.appendChild(svg('path', { d: line, class: 'line-size' }));
  return h('div', {}, chart, h('p', { class: 'legend' }, h('span', { class: 'swatch duration' }), ' end-to-end duration  ', h('span', { class: 'swatch size' }), ' size'));
}

export function renderSavepoints(rows: SavepointRowData[]): Node {
  return h('section', { 'data-testid': 'savepoints' }, h('h2', {}, 'Savepoints'),
    rows.length ? table(['Time', 'Kind', 'Path'], rows.map(r => [formatTime(r.at), r.kind, r.path]), 'savepoint-history')
      : h('p', { class: 'muted' }, 'None taken yet.'));
}
