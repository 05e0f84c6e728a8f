#!/usr/bin/env bash
# npm run demo [-- --json]: sets up what is missing (kcat, npm dependencies; see setup.sh), builds,
# then runs the demo (scripts/demo.ts). Exit code 0 only when the restore equals the original.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v kcat >/dev/null 2>&1 || [ ! -d node_modules ]; then
  bash scripts/setup.sh >&2
else
  npm run build --silent >&2
fi
exec node dist/scripts/demo.js "$@"
