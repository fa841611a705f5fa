#!/usr/bin/env bash
# The one test command: typecheck, lint, node tests, real Flink (provisioned from PyPI into the user cache), the extension-host suite in VS Code web, the UI flows in Chromium,
# then the packaged .vsix as users install it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
step() { printf '\n=== %s\n' "$1"; }
step typecheck;        npm run --silent typecheck
step lint;             npm run --silent lint
step build;            npm run --silent compile:tests && npm run --silent build
step "node tests";     npm run --silent test:node
step "real Flink: provisioning"; npm run --silent provision:flink
# Every tested version; the streaming tests (about 85 s a version, each passed on all three) ride along on the newest.
# Application mode: every test on the newest, the version-dependent ones (streaming stop with savepoint and restore,
# the unfetchable jar, a jar with no entry class) on the older two.
step "real Flink: end to end (2.3.0 with the streaming, JobManager HA, maintenance, TLS and application-mode tests)"; FLINK_MESOS_REAL_STREAMING=1 npm run --silent test:real -- flink-2.3.0 jobManagerHa-2.3.0 maintenance-2.3.0 tlsFlink-2.3.0 applicationMode-2.3.0
step "real Flink: end to end (1.20.5 with the TLS test, 1.13.6, with their application-mode tests)"; npm run --silent test:real -- flink-1.20.5 flink-1.13.6 tlsFlink-1.20.5 applicationMode-1.20.5 applicationMode-1.13.6
step "extension host"; npm run --silent test:host
step "UI flows";       npm run --silent test:ui
step "installed package"; bash scripts/test-packaged.sh
