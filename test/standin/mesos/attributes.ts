// Agent attributes (`--attributes rack:r1;zone:2`) in the shapes a Mesos 1.12 master and agent write them.
import type { Attribute } from '../../../src/core/mesos/types';

const SCALAR_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const RANGES_TEXT = /^\[\d+-\d+(,\d+-\d+)*\]$/;

/**
 * An agent's `--attributes` values as Mesos parses them (Attributes::parse, values::parse): spaces dropped, `[a-b,c-d]`
 * is RANGES, a number is SCALAR (3 decimals), anything else TEXT. Fields in the proto's declaration order.
 */
export function attributesJson(attrs: Record<string, string>): Attribute[] {
  return Object.entries(attrs).map(([name, raw]) => {
    const value = raw.replace(/ /g, '');
    if (RANGES_TEXT.test(value)) {
      const range = value.slice(1, -1).split(',').map((r) => { const [b, e] = r.split('-').map(Number); return { begin: b, end: e }; });
      return { name, type: 'RANGES' as const, ranges: { range } };
    }
    if (SCALAR_TEXT.test(value)) return { name, type: 'SCALAR' as const, scalar: { value: Math.round(Number(value) * 1000) / 1000 } };
    return { name, type: 'TEXT' as const, text: { value } };
  });
}

/** The v0 endpoints' `attributes` object (model(Attributes)): scalars as numbers, ranges as `[a-b, c-d]`, text as is. */
export function attributesV0(attrs: Record<string, string>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const a of attributesJson(attrs)) {
    if (a.type === 'SCALAR') out[a.name] = a.scalar!.value;
    else if (a.type === 'RANGES') out[a.name] = '[' + a.ranges!.range.map((r) => `${r.begin}-${r.end}`).join(', ') + ']';
    else out[a.name] = a.text!.value;
  }
  return out;
}
