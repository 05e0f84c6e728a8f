#!/usr/bin/env bash
# Resolves the JVM servers the tests run (scripts/local/jvm/<name>/pom.xml, one Maven project each)
# into node_modules/.cache/streamvault-jvm/<name>/: the runtime jars, for `java -cp '<dir>/*'`, plus
# pom.sha256 so the test setup can tell an outdated copy from a current one. Maven keeps what it
# downloads in ~/.m2, so only the first run on a machine needs the network.
# Usage: bash scripts/local/jvm/resolve.sh    (npm run setup calls it when java and mvn are present)
set -euo pipefail
cd "$(dirname "$0")/../../.."

cache=node_modules/.cache/streamvault-jvm
mkdir -p "$cache"
for pom in scripts/local/jvm/*/pom.xml; do
  name=$(basename "$(dirname "$pom")")
  out="$cache/$name"
  sum=$(sha256sum "$pom" | cut -d' ' -f1)
  if [ -f "$out/pom.sha256" ] && [ "$(cat "$out/pom.sha256")" = "$sum" ]; then
    echo "jvm: $name is up to date ($out)"
    continue
  fi
  echo "jvm: resolving $name ($pom) into $out"
  # Into a fresh folder, then renamed: a run that fails halfway never leaves a mix of old and new jars.
  staging="$cache/.$name.staging"
  rm -rf "$staging"
  # Quiet Maven still prints colour codes; its output is shown only when it fails.
  if ! log=$(mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$PWD/$staging" 2>&1); then
    echo "$log" >&2
    echo "jvm: resolving $name failed (Maven Central reachable? proxy settings in ~/.m2/settings.xml?)" >&2
    exit 1
  fi
  echo "$sum" >"$staging/pom.sha256"
  rm -rf "$out"
  mv "$staging" "$out"
  echo "jvm: $name: $(find "$out" -name '*.jar' | wc -l) jars"
done
