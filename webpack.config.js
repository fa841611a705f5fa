// @ts-check
'use strict';
const path = require('path');
const webpack = require('webpack');

/** Two bundles for Node (the extension and the flink-mesos CLI) and one for webviews. */
module.exports = (_env, argv) => {
  const production = argv.mode === 'production';
  const tsRule = {
    test: /\.ts$/,
    exclude: /node_modules/,
    use: [{ loader: 'ts-loader', options: { transpileOnly: true, compilerOptions: { sourceMap: true, module: 'es2020' } } }],
  };
  /** @type {import('webpack').Configuration} */
  const node = {
    target: 'node',
    mode: production ? 'production' : 'development',
    entry: { extension: './src/extension.ts', cli: './src/core/cli/main.ts' },
    // Lazily loaded parts (ZooKeeper detection, the session core) go to their own chunks next to the entries, loaded with require().
    output: { path: path.resolve(__dirname, 'dist'), filename: '[name].js', chunkFilename: 'chunks/[name].js', libraryTarget: 'commonjs2' },
    externals: { vscode: 'commonjs vscode' },
    resolve: { extensions: ['.ts', '.js'] },
    module: { rules: [tsRule] },
    plugins: [new webpack.BannerPlugin({ banner: '#!/usr/bin/env node', raw: true, entryOnly: true, include: /^cli\.js$/ })],
    devtool: 'source-map',
    infrastructureLogging: { level: 'warn' },
    performance: { hints: false },
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
  return [node, webview];
};
