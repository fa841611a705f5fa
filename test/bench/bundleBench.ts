// bundle_kb: size of the minified extension bundle: the TOTAL of every JavaScript file the extension host can load, the
// entry (extension.js) plus every chunk it may load later (*.chunk.js); source maps, license texts, the CLI and the
// webview bundle are not part of it. Builds the extension configuration of webpack.config.js in production mode into
// a temporary folder (dist/ stays untouched), through webpack's Node API. The entry's own size is printed separately.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { figure, missing, round, runStandalone, type BenchOptions, type Figure } from './benchUtil';
import { buildProduction, listJs } from './productionBuild';

export async function bundleBench(opts: BenchOptions): Promise<Figure[]> {
  const target = '<= 300';
  const how = 'every .js file of `webpack --mode production` for the extension (dist/extension.js + dist/*.chunk.js; no maps, CLI or webview), built into a temp folder';
  if (opts.quick) return [missing('bundle_kb', target, how, 'quick mode skips the production webpack build (about a minute on 2 cores)')];
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bundle-'));
  try {
    const started = Date.now();
    await buildProduction(out);
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

if (require.main === module) runStandalone(bundleBench, ['bundle_kb']);
