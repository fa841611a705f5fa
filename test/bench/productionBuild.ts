// The production build of the extension, made by the benchmarks themselves (dist/ stays untouched, whatever mode other
// work left it in): the extension configuration of webpack.config.js, `mode: production`, through webpack's Node API.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../repoRoot';

interface WebpackConfig { entry: Record<string, string>; output: { path: string }; context?: string; name?: string }
interface WebpackStats { hasErrors(): boolean; toString(o: unknown): string }
type Webpack = (config: WebpackConfig | WebpackConfig[], cb: (err: Error | null, stats?: WebpackStats) => void) => unknown;

/** Builds the extension bundle (entry + chunks) in production mode into outDir; with the webview too when asked. */
export async function buildProduction(outDir: string, opts: { webviewDir?: string } = {}): Promise<void> {
  const root = repoRoot(__dirname);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const webpack = require(require.resolve('webpack', { paths: [root] })) as Webpack;
  const configs = (require(path.join(root, 'webpack.config.js')) as (env: unknown, argv: { mode: string }) => WebpackConfig[])({}, { mode: 'production' });
  /* eslint-enable @typescript-eslint/no-require-imports */
  const extension = configs.find((c) => c.entry && 'extension' in c.entry);
  if (!extension) throw new Error('webpack.config.js has no configuration with an "extension" entry');
  const wanted: WebpackConfig[] = [{ ...extension, context: root, output: { ...extension.output, path: outDir } }];
  const webview = configs.find((c) => c.entry && 'webview' in c.entry);
  if (opts.webviewDir && webview) wanted.push({ ...webview, context: root, output: { ...webview.output, path: opts.webviewDir } });
  const cwd = process.cwd();
  process.chdir(root); // the configuration's entries are relative to the repository
  try {
    await new Promise<void>((resolve, reject) => webpack(wanted, (err, stats) => {
      if (err) return reject(err);
      if (stats?.hasErrors()) return reject(new Error(`webpack failed:\n${stats.toString({ all: false, errors: true })}`));
      resolve();
    }));
  } finally {
    process.chdir(cwd);
  }
}

/** The .js files under dir (relative paths with '/', sorted). */
export function listJs(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listJs(dir, rel));
    else if (e.name.endsWith('.js')) out.push(rel);
  }
  return out.sort();
}

/**
 * A complete extension folder with the production bundle: package.json and media/ from the repository, dist/ and
 * media/dist/ freshly built. What VS Code web loads for the activation benchmark.
 */
export async function stageProductionExtension(dir: string): Promise<void> {
  const root = repoRoot(__dirname);
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  fs.cpSync(path.join(root, 'media'), path.join(dir, 'media'), { recursive: true, filter: (src) => !src.includes(`${path.sep}dist`) && !src.endsWith('.ts') });
  await buildProduction(path.join(dir, 'dist'), { webviewDir: path.join(dir, 'media', 'dist') });
}
