// Shared by the workbench helpers: the default wait and the small text helpers of their error messages.

/** Default wait for UI elements; raise with HARNESS_TIMEOUT_MS on a slow machine. */
export const DEFAULT_TIMEOUT_MS = Number(process.env.HARNESS_TIMEOUT_MS ?? 30_000);

export function cssString(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function exact(label: string | RegExp): RegExp {
  return typeof label === 'string' ? new RegExp(`^\\s*${escapeRegex(label)}\\s*$`) : label;
}

export function short(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

export function list(items: string[]): string {
  return items.length === 0 ? '(nothing)' : items.map((i) => `"${i}"`).join(', ');
}
