// Role names and FrameworkInfo roles as a Mesos 1.12 master validates them (src/common/roles.cpp, master/validation.cpp).
import type { FrameworkInfo } from '../../../src/core/mesos/types';

// Tab, line feed, vertical tab, form feed, carriage return, space and DEL; nothing else (other control characters pass).
const ROLE_INVALID_CHARACTERS = '\t\n\v\f\r \x7f';

/** roles::validate: the error for an invalid role name, or undefined. `*` is valid; `/` separates hierarchical roles. */
export function validateRole(role: string): string | undefined {
  if (role === '*') return undefined;
  if (role.startsWith('/')) return `Role '${role}' cannot start with a slash`;
  if (role.endsWith('/')) return `Role '${role}' cannot end with a slash`;
  if (role.includes('//')) return `Role '${role}' cannot contain two adjacent slashes`;
  const components = role.split('/').filter((c) => c.length > 0);
  if (components.length === 0) return 'Role names cannot be the empty string';
  for (const c of components) {
    if (c === '.') return `Role '${role}' cannot include '.' as a component`;
    if (c === '..') return `Role '${role}' cannot include '..' as a component`;
    if (c === '*') return `Role '${role}' cannot include '*' as a component`;
    if (c.startsWith('-')) return `Role component '${c}' is invalid because it starts with a dash`;
    if ([...c].some((ch) => ROLE_INVALID_CHARACTERS.includes(ch))) return `Role component '${c}' is invalid because it contains backspace or whitespace`;
  }
  return undefined;
}

/** stout's stringify of a set: `{ a, b }`. */
export const stringifySet = (items: Iterable<string>): string => `{ ${[...items].join(', ')} }`;

/** The ERROR text a SUBSCRIBE gets for its FrameworkInfo roles (validateRoles, then the suppressed roles), or undefined. */
export function validateFrameworkRoles(info: FrameworkInfo, multiRole: boolean, suppressedRoles: string[]): string | undefined {
  if (multiRole && info.role !== undefined) return "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable";
  if (!multiRole && info.roles && info.roles.length > 0) return "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable";
  if (multiRole) {
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const r of info.roles ?? []) (seen.has(r) ? duplicates : seen).add(r);
    if (duplicates.size > 0) return `'FrameworkInfo.roles' contains duplicate items: ${stringifySet(duplicates)}`;
    for (const r of info.roles ?? []) {
      const error = validateRole(String(r));
      if (error) return `'FrameworkInfo.roles' contains invalid role: ${error}`;
    }
  } else {
    const error = validateRole(String(info.role ?? '*'));
    if (error) return `'FrameworkInfo.role' is not a valid role: ${error}`;
  }
  const roles = new Set(multiRole ? (info.roles ?? []) : [info.role ?? '*']);
  const strays = [...new Set(suppressedRoles)].filter((r) => !roles.has(r)).sort();
  if (strays.length > 0) return `Suppressed roles ${stringifySet(strays)} are not contained in the set of roles`;
  return undefined;
}
