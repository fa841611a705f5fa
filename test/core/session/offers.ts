// Offer builders for session tests.
import type { Offer, Resource } from '../../../src/core/mesos/types';

let seq = 0;
export interface OfferSpec { agent: string; hostname?: string; cpus?: number; mem?: number; disk?: number; ports?: [number, number][]; attributes?: Record<string, string>; role?: string; gpus?: number }

export function offer(spec: OfferSpec): Offer {
  const role = spec.role ?? '*';
  const scalar = (name: string, value: number): Resource => ({ name, type: 'SCALAR', scalar: { value }, role, allocation_info: { role } });
  const resources: Resource[] = [scalar('cpus', spec.cpus ?? 8), scalar('mem', spec.mem ?? 16384), scalar('disk', spec.disk ?? 20000)];
  if (spec.gpus !== undefined) resources.push(scalar('gpus', spec.gpus));
  resources.push({ name: 'ports', type: 'RANGES', ranges: { range: (spec.ports ?? [[31000, 32000]]).map(([begin, end]) => ({ begin, end })) }, role, allocation_info: { role } });
  return {
    id: { value: `offer-${++seq}` }, framework_id: { value: 'fw' }, agent_id: { value: spec.agent }, hostname: spec.hostname ?? `${spec.agent}.example`,
    url: { scheme: 'http', address: { hostname: spec.hostname ?? `${spec.agent}.example`, ip: '10.0.0.1', port: 5051 } },
    resources,
    attributes: Object.entries(spec.attributes ?? {}).map(([name, value]) => ({ name, type: 'TEXT', text: { value } })),
  };
}
