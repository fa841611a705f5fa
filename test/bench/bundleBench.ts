// bundle_kb: size of the minified extension bundle: the TOTAL of every JavaScript file the extension host can load, the
// entry (extension.js) plus every chunk it may load later (chunks/*.js); source maps, license texts, the CLI and the
// webview bundle are not part of it. Builds the extension configuration of webpack.config.js in production mode into
// a temporary folder (dist/ stays untouched), through webpack's Node API. The entry's own size is printed separately.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../repoRoot';
import { figure, missing, round, runStandalone, type BenchOptions, type Figure } from './benchUtil';

interface WebpackConfig { entry: Record<string, string>; output: { path: string }; target?: string; context?: string; name?: string }
interface WebpackStats { hasErrors(): boolean; toString(o: unknown): string }
type Webpack = (config: WebpackConfig, cb: (err: Error | null, stats?: WebpackStats) => void) => unknown;

export async function bundleBench(opts: BenchOptions): Promise<Figure[]> {
  const target = '<= 300';
  const how = 'every .js file of `webpack --mode production` for the extension (dist/extension.js + dist/chunks/*.js; no maps, CLI or webview), built into a temp folder';
  if (opts.quick) return [missing('bundle_kb', target, how, 'quick mode skips the production webpack build (about a minute on 2 cores)')];
  const root = repoRoot(__dirname);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const webpack = require(require.resolve('webpack', { paths: [root] })) as Webpack;
  const configs = (require(path.join(root, 'webpack.config.js')) as (env: unknown, argv: { mode: string }) => WebpackConfig[])({}, { mode: 'production' });
  /* eslint-enable @typescript-eslint/no-require-imports */
  const node = configs.find((c) => c.entry && 'extension' in c.entry);
  if (!node) throw new Error('webpack.config.js has no configuration with an "extension" entry');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bundle-'));
  try {
    const config: WebpackConfig = { ...node, context: root, entry: { extension: node.entry.extension }, output: { ...node.output, path: out } };
    const started = Date.now();
    const cwd = process.cwd();
    process.chdir(root); // the configuration's entries are relative to the repository
    try {
      await new Promise<void>((resolve, reject) => webpack(config, (err, stats) => {
        if (err) return reject(err);
        if (stats?.hasErrors()) return reject(new Error(`webpack failed:\n${stats.toString({ all: false, errors: true })}`));
        resolve();
      }));
    } finally {
      process.chdir(cwd);
    }
    const files = listJs(out);
    if (!files.includes('extension.js')) throw new Error(`the production build wrote no extension.js (it wrote ${files.join(', ') || 'nothing'})`);
    const sizes = files.map((f) => ({ file: f, bytes: fs.statSync(path.join(out, f)).size }));
    const total = sizes.reduce((sum, f) => sum + f.bytes, 0);
    const entry = sizes.find((f) => f.file === 'extension.js')?.bytes ?? 0;
    opts.log(`bundle: production build in ${Math.round((Date.now() - started) / 1000)} s: ${sizes.map((f) => `${f.file} ${round(f.bytes / 1024, 1)} KB`).join(', ')}; total ${round(total / 1024, 1)} KB`);
    return [figure('bundle_kb', round(total / 1024, 1), target,
      `${how}; entry chunk extension.js ${round(entry / 1024, 1)} KB, lazily loaded chunks ${round((total - entry) / 1024, 1)} KB (${sizes.filter((f) => f.file !== 'extension.js').map((f) => `${f.file} ${round(f.bytes / 1024, 1)}`).join(', ') || 'none'})`)];
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** The .js files under dir (relative paths, sorted). */
function listJs(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listJs(dir, rel));
    else if (e.name.endsWith('.js')) out.push(rel);
  }
  return out.sort();
}

if (require.main === module) runStandalone(bundleBench, ['bundle_kb']);
