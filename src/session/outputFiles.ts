import * as path from 'node:path';

const OUTPUT_FLAGS = new Set(['--output', '--out', '--output-path', '--outputPath', '--sink', '--sink-path']);

/**
 * The local files a job says it writes, from its program arguments (WordCount's `--output /path`).
 * Only absolute paths and file: URIs count: a relative path means the JobManager's working folder, not ours.
 */
export function outputFilesFromArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  const take = (value: string | undefined): void => {
    if (!value) return;
    const file = value.startsWith('file://') ? decodeURIComponent(value.slice('file://'.length)) : value;
    if (path.isAbsolute(file) && !out.includes(file)) out.push(path.normalize(file));
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    if (eq > 0 && OUTPUT_FLAGS.has(a.slice(0, eq))) take(a.slice(eq + 1));
    else if (OUTPUT_FLAGS.has(a)) take(args[++i]);
  }
  return out;
}
