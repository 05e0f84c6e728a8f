#!/usr/bin/env bash
# Runs a restore by hand, configured by the STREAMVAULT_* variables of this shell (the backup's
# S3 settings plus STREAMVAULT_RESTORE_*). Arguments go to `streamvault restore`:
#   scripts/run-restore.sh --dry-run
#   scripts/run-restore.sh --source samples --until 2025-03-01T12:00:00Z
# Builds first when needed. Exit codes: see the README (or node dist/src/cli.js --help).
set -euo pipefail
source "$(dirname "$0")/ensure-built.sh"
ensure_built
# The node flags of the image (Dockerfile ENTRYPOINT; README, Performance), kept alike by a test.
exec node --max-semi-space-size=2 "$(dirname "$0")/../dist/src/cli.js" restore "$@"
