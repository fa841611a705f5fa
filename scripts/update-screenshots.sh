#!/usr/bin/env bash
# Re-runs the UI flows in Chromium and copies the screenshots the README shows into docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npm run --silent compile:tests
npm run --silent build
npm run --silent test:ui
mkdir -p docs/screenshots
for name in sessions-welcome explorer-jar-context-menu session-tree session-resources job-result taskmanager-panel job-result-escaped session-after-reload session-stopped \
    job-result-light job-result-dark job-result-high-contrast; do
  cp "test-results/screenshots/$name.png" "docs/screenshots/$name.png"
done
echo "screenshots copied to docs/screenshots/"
