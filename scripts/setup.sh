#!/usr/bin/env bash
# One-time (and repeatable) setup of a fresh Debian/Ubuntu machine for streamvault's demo and tests:
# kcat (the demo's Kafka-protocol broker, and the tests' with STREAMVAULT_TEST_KAFKA=mock), the npm
# dependencies, the build, and, when a JDK 17+ and Maven are present, the jars of the servers the
# integration tests run (Apache Kafka; scripts/local/jvm/resolve.sh, cached in
# node_modules/.cache/streamvault-jvm, downloads kept in ~/.m2).
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

# After npm ci, which empties node_modules and so the jar cache with it (Maven re-copies from ~/.m2).
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\.\{0,1\}\([0-9]*\).*/\1 \2/p' | head -n1 |
  awk '{ print ($1 == 1 ? $2 : $1) }' || true)
if [ -n "$java_major" ] && [ "$java_major" -ge 17 ] && command -v mvn >/dev/null 2>&1; then
  bash scripts/local/jvm/resolve.sh
  echo "setup: done. Next: npm run demo, or npm test (integration tests on Apache Kafka)"
else
  echo "setup: skipped the JVM servers (Apache Kafka for the integration tests): they need java 17+ and mvn" \
    "(found java: ${java_major:-none}, mvn: $(command -v mvn || echo none))." >&2
  echo "setup: done. Next: npm run demo, or STREAMVAULT_TEST_KAFKA=mock npm test (integration tests on the mock cluster)"
fi
