#!/usr/bin/env bash
# Tests the .vsix as users install it: packs it, unpacks it, and runs UI flows with that copy as the extension.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent package
pkg=$(node -p 'const p=require("./package.json"); `${p.name}-${p.version}.vsix`')
dir=.vscode-test/packaged
rm -rf "$dir" && mkdir -p "$dir"
node -e '
  // A .vsix is a zip; yauzl (a dependency already) unpacks it without needing unzip on the machine.
  const yauzl = require("yauzl"), fs = require("fs"), path = require("path");
  const [file, dest] = process.argv.slice(1);
  yauzl.open(file, { lazyEntries: true }, (err, zip) => {
    if (err) throw err;
    zip.readEntry();
    zip.on("entry", (e) => {
      const out = path.join(dest, e.fileName);
      if (!out.startsWith(path.resolve(dest) + path.sep)) throw new Error(`unsafe path ${e.fileName}`);
      if (/\/$/.test(e.fileName)) { fs.mkdirSync(out, { recursive: true }); zip.readEntry(); return; }
      fs.mkdirSync(path.dirname(out), { recursive: true });
      zip.openReadStream(e, (err2, s) => { if (err2) throw err2; s.pipe(fs.createWriteStream(out)).on("close", () => zip.readEntry()); });
    });
  });' "$pkg" "$PWD/$dir"
EXTENSION_UNDER_TEST="$PWD/$dir/extension" node out/test/harness/runUiFlows.js smoke session-lifecycle
