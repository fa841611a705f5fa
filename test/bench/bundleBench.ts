// bundle_kb: size of the minified extension bundle. Builds the extension entry of webpack.config.js in production mode
// into a temporary folder (dist/ stays untouched), through webpack's Node API.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../repoRoot';
import { figure, missing, round, runStandalone, type BenchOptions, type Figure } from './benchUtil';

interface WebpackConfig { entry: Record<string, string>; output: { path: string }; target?: string; context?: string }
interface WebpackStats { hasErrors(): boolean; toString(o: unknown): string }
type Webpack = (config: WebpackConfig, cb: (err: Error | null, stats?: WebpackStats) => void) => unknown;

export async function bundleBench(opts: BenchOptions): Promise<Figure[]> {
  const target = '<= 300';
  const how = 'dist/extension.js of `webpack --mode production` (the extension entry of webpack.config.js, built into a temp folder)';
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
    const bytes = fs.statSync(path.join(out, 'extension.js')).size;
    opts.log(`bundle: production build in ${Math.round((Date.now() - started) / 1000)} s, extension.js ${bytes} bytes`);
    return [figure('bundle_kb', round(bytes / 1024, 1), target, how)];
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

if (require.main === module) runStandalone(bundleBench, ['bundle_kb']);
