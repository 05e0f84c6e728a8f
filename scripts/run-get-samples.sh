#!/usr/bin/env bash
# Refreshes testdata/ from a live platform, with the STREAMVAULT_* variables of this shell
# (brokers, TLS/SASL, pairs/topics, STREAMVAULT_EVENT_SCHEMA; default schema: testdata/schema).
#   scripts/run-get-samples.sh samples/sourced system/insert --count 20
#       captures the 20 most recent events of each pair's topic into
#       testdata/events/{source}/{event}/ (replacing what is there): NNN.avro datums, NNN.json
#       twins, records.json with keys, headers, timestamps and the original offsets
#   scripts/run-get-samples.sh --to-avro [source/event...]   JSON twins -> .avro (after edits)
#   scripts/run-get-samples.sh --to-json [source/event...]   .avro -> JSON twins (new schema)
# Other options: --root DIR (instead of testdata), --timeout SECONDS (default 60).
set -euo pipefail
source "$(dirname "$0")/ensure-built.sh"
ensure_built
samples="$(dirname "$0")/../dist/scripts/samples.js"
case "${1:-}" in
  --to-avro) shift; exec node "$samples" to-avro "$@" ;;
  --to-json) shift; exec node "$samples" to-json "$@" ;;
  "" | -h | --help) exec node "$samples" --help ;;
  *) exec node "$samples" capture "$@" ;;
esac
