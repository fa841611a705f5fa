// Offer filters on the stand-in master: DECLINE and the unused part of an ACCEPT refuse an agent's resources to one
// role of a framework for refuse_seconds (Mesos' default: 5 s).
import { isObject } from './mesosJson';

export const filterKey = (role: string, agentId: string): string => `${role}\n${agentId}`;

/** A call's filters.refuse_seconds, or Mesos' default 5 s. */
export function refuseSeconds(filters: unknown): number {
  if (isObject(filters) && filters.refuse_seconds !== undefined) return Number(filters.refuse_seconds);
  return 5;
}
