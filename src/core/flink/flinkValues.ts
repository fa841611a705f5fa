// Values in Flink's answers and configuration: job plans, memory sizes, and sizes for people.
import type { JobPlan } from './flinkRestTypes';

/** Accepts `plan` as a JSON string (1.13/1.15) or an object (1.19+), or a whole {plan: ...} answer. */
export function parsePlan(plan: unknown): JobPlan {
  let value = plan;
  if (typeof value === 'string') value = JSON.parse(value) as unknown;
  if (value && typeof value === 'object' && 'plan' in value && !('nodes' in value)) value = (value as { plan: unknown }).plan;
  if (typeof value === 'string') value = JSON.parse(value) as unknown;
  if (!value || typeof value !== 'object') throw new Error('The plan Flink sent is neither a JSON object nor a JSON string.');
  const p = value as Partial<JobPlan>;
  return { ...p, nodes: Array.isArray(p.nodes) ? p.nodes : [] } as JobPlan;
}

/** Flink memory sizes: "104857600", "100 mb", "100m", "1g", "512kb", "2 gibibytes". */
export function parseMemorySize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return NaN;
  const n = Number(m[1]);
  const unit = m[2].toLowerCase();
  const k = 1024;
  if (['', 'b', 'bytes'].includes(unit)) return Math.floor(n);
  if (['k', 'kb', 'kibibytes'].includes(unit)) return Math.floor(n * k);
  if (['m', 'mb', 'mebibytes'].includes(unit)) return Math.floor(n * k * k);
  if (['g', 'gb', 'gibibytes'].includes(unit)) return Math.floor(n * k * k * k);
  if (['t', 'tb', 'tebibytes'].includes(unit)) return Math.floor(n * k * k * k * k);
  return NaN;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
