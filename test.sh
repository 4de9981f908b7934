#!/usr/bin/env bash
# Runs Blueshift's whole test suite: unit, storage (on Azurite), emulator contract and end-to-end tests.
# Installs the npm dev tools (Azurite) on first use. Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

[ -x node_modules/.bin/azurite ] || npm ci --no-audit --no-fund --loglevel=error

results=artifacts/test-results
rm -rf "$results"
status=0
dotnet test Functions.sln -c Release --logger "trx" --results-directory "$results" "$@" || status=$?

# One closing line over every test project, so the outcome reads at a glance.
passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  total=$(get total); p=$(get passed); f=$(get failed); e=$(get error)
  passed=$((passed + p)); failed=$((failed + f + e)); skipped=$((skipped + total - p - f - e))
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
