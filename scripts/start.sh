#!/usr/bin/env bash
# The main job: build the extension, provision VS Code web, start the local stand-in cluster and print the address.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npm run --silent compile:tests
npm run --silent build
exec node out/test/harness/startDemo.js "$@"
