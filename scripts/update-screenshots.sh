#!/usr/bin/env bash
# Re-runs the UI flows in Chromium and copies the screenshots the README shows into docs/screenshots/: those of the
# real-Flink flow (test/ui/realFlink.flow.ts, the newest tested real Flink on the Mesos stand-in), saved as real-<name>.png.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npm run --silent compile:tests
npm run --silent build
npm run --silent provision:flink
npm run --silent test:ui
mkdir -p docs/screenshots
for name in sessions-welcome explorer-jar-context-menu session-tree session-resources job-result taskmanager-panel job-result-escaped session-after-reload session-stopped; do
  cp "test-results/screenshots/real-$name.png" "docs/screenshots/$name.png"
done
# The Job Result in each theme comes from the stand-in flow, which measures the tables in all three.
for name in job-result-light job-result-dark job-result-high-contrast; do
  cp "test-results/screenshots/$name.png" "docs/screenshots/$name.png"
done
echo "screenshots of the real-Flink flow copied to docs/screenshots/"
