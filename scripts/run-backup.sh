#!/usr/bin/env bash
# Runs the backup daemon by hand, configured by the STREAMVAULT_* variables of this shell.
#   scripts/run-backup.sh            # the daemon; Ctrl-C (SIGINT) shuts it down in order
#   scripts/run-backup.sh --once     # back up to the current end offsets, then exit
# Builds first when needed. Exit codes: see the README (or node dist/src/cli.js --help).
set -euo pipefail
source "$(dirname "$0")/ensure-built.sh"
ensure_built
# The node flags of the image (Dockerfile ENTRYPOINT; README, Performance), kept alike by a test.
exec node --max-semi-space-size=2 "$(dirname "$0")/../dist/src/cli.js" backup "$@"
