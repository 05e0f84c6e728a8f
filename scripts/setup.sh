#!/usr/bin/env bash
# One-time (and repeatable) setup of a fresh Debian/Ubuntu machine for streamvault's demo and tests:
# kcat (the tests' and the demo's Kafka-protocol broker), the npm dependencies, the build.
# Usage: npm run setup    (or: bash scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

node_ok=$(node -e 'const [a,b]=process.versions.node.split(".").map(Number); console.log(a>20||(a===20&&b>=19)?1:0)' 2>/dev/null || echo 0)
if [ "$node_ok" != 1 ]; then
  echo "setup: Node.js 20.19 or newer is needed (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

if command -v kcat >/dev/null 2>&1; then
  echo "setup: kcat found ($(command -v kcat))"
elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing kcat with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends kcat
else
  echo "setup: kcat is missing; install it as root and rerun: sudo apt-get install kcat" >&2
  exit 1
fi

npm ci --no-audit --no-fund
npm run build
echo "setup: done. Next: npm run demo, or npm test"
