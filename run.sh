#!/usr/bin/env bash
# Runs Blueshift locally: Azurite and the control plane. Ctrl+C stops everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
[ -x node_modules/.bin/azurite ] || npm ci --no-audit --no-fund --loglevel=error
mkdir -p .local/azurite
node_modules/.bin/azurite --silent --skipApiVersionCheck --loose --location .local/azurite &
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
FUNCTIONS_CUSTOMHANDLER_PORT="${FUNCTIONS_CUSTOMHANDLER_PORT:-7071}" dotnet run --project src/Functions -c Release -- --urls "http://127.0.0.1:${FUNCTIONS_CUSTOMHANDLER_PORT:-7071}"
