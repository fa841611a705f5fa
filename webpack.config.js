// @ts-check
'use strict';
const path = require('path');
const webpack = require('webpack');

/** undici modules the extension never reaches, replaced by stubs that say so (see src/core/http/undiciStubs/). */
const UNDICI_STUBS = [
  [/undici[\\/]lib[\\/]llhttp[\\/]llhttp-wasm\.js$/, 'llhttpWasmFallback.js'],
  [/undici[\\/]lib[\\/]web[\\/]fetch[\\/]body\.js$/, 'fetchBody.js'],
  [/undici[\\/]lib[\\/]dispatcher[\\/]client-h2\.js$/, 'clientH2.js'],
].map(([pattern, stub]) => new webpack.NormalModuleReplacementPlugin(/** @type {RegExp} */ (pattern), path.resolve(__dirname, 'src/core/http/undiciStubs', /** @type {string} */ (stub))));

/** The helper libraries node-zookeeper-client needs three functions of each from, replaced by those functions (src/core/mesos/zookeeperShims/). */
const ZOOKEEPER_SHIMS = ['async', 'underscore'].map((name) => new webpack.NormalModuleReplacementPlugin(new RegExp(`^${name}$`), (resource) => {
  if (/node-zookeeper-client/.test(resource.context ?? '')) resource.request = path.resolve(__dirname, 'src/core/mesos/zookeeperShims', `${name}.js`);
}));

/** Three bundles: the extension (with lazily loaded chunks), the flink-mesos CLI (one file) and the webviews. */
module.exports = (_env, argv) => {
  const production = argv.mode === 'production';
  const tsRule = {
    test: /\.ts$/,
    exclude: /node_modules/,
    use: [{ loader: 'ts-loader', options: { transpileOnly: true, compilerOptions: { sourceMap: true, module: 'es2020' } } }],
  };
  /** @type {import('webpack').Configuration} */
  const nodeBase = {
    target: 'node',
    mode: production ? 'production' : 'development',
    externals: { vscode: 'commonjs vscode' },
    resolve: { extensions: ['.ts', '.js'] },
    module: { rules: [tsRule] },
    devtool: 'source-map',
    infrastructureLogging: { level: 'warn' },
    performance: { hints: false },
  };
  /** @type {import('webpack').Configuration} */
  const extension = {
    ...nodeBase,
    name: 'extension',
    entry: { extension: './src/extension.ts' },
    // Parts loaded on first use go to dist/<name>.chunk.js next to the entry, loaded with require(): the core (src/extensionCore.ts: sessions,
    // Flink and Mesos clients, panels, command handlers) and ZooKeeper master detection (zk:// masters only).
    output: { path: path.resolve(__dirname, 'dist'), filename: '[name].js', chunkFilename: '[name].chunk.js', libraryTarget: 'commonjs2' },
    plugins: [...UNDICI_STUBS, ...ZOOKEEPER_SHIMS],
    // Each lazily loaded chunk carries its own libraries (no shared vendors chunk that would drag ZooKeeper in with the core).
    optimization: { splitChunks: false },
  };
  /** @type {import('webpack').Configuration} */
  const cli = {
    ...nodeBase,
    name: 'cli',
    entry: { cli: './src/core/cli/main.ts' },
    output: { path: path.resolve(__dirname, 'dist'), filename: '[name].js', libraryTarget: 'commonjs2' },
    plugins: [
      new webpack.BannerPlugin({ banner: '#!/usr/bin/env node', raw: true, entryOnly: true, include: /^cli\.js$/ }),
      // The CLI stays one file (package.json "bin").
      new webpack.optimize.LimitChunkCountPlugin({ maxChunks: 1 }),
      ...ZOOKEEPER_SHIMS,
    ],
  };
  /** @type {import('webpack').Configuration} */
  const webview = {
    target: 'web',
    mode: production ? 'production' : 'development',
    entry: { webview: './media/main.ts' },
    // Inside media/ so that the webviews' localResourceRoots can be media/ alone.
    output: { path: path.resolve(__dirname, 'media', 'dist'), filename: '[name].js' },
    resolve: { extensions: ['.ts', '.js'] },
    module: { rules: [tsRule] },
    devtool: production ? false : 'source-map',
    performance: { hints: false },
  };
  return [extension, cli, webview];
};
