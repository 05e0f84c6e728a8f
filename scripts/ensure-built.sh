# Sourced by the run-*.sh scripts: builds dist/ when it is missing or older than a source file.
# Needs the npm dependencies (npm run setup, or npm ci).
ensure_built() {
  local root marker
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  marker="$root/dist/src/cli.js"
  if [ ! -d "$root/node_modules" ]; then
    echo "$(basename "$0"): node_modules is missing: run npm run setup (or npm ci) first" >&2
    exit 1
  fi
  if [ ! -f "$marker" ] || [ -n "$(find "$root/src" "$root/scripts" -name '*.ts' -newer "$marker" -print -quit)" ]; then
    echo "$(basename "$0"): building (npm run build)" >&2
    (cd "$root" && npm run build --silent) >&2
  fi
}
