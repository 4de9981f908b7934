#!/usr/bin/env bash
# Runs Blueshift locally: Azurite (storage), then the published function app under the local Functions host on
# http://127.0.0.1:7071, exactly as it would be deployed. Ctrl+C stops everything.
# Each service is one start_* function below; add new ones (e.g. the App Service emulator) the same way.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

PORT="${BLUESHIFT_PORT:-7071}"
STATE=.local
FUNCTION_APP=artifacts/functionapp
SETTINGS="$STATE/local.settings.json"
mkdir -p "$STATE/azurite" "$STATE/logs"

pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'echo; echo "Stopping..."; exit 130' INT TERM

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Waits until a TCP port on 127.0.0.1 accepts connections, bounded; fails if the process behind it died.
wait_for_port() {
  local port=$1 pid=$2 what=$3 log=$4
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "$what exited; see $log" >&2; tail -20 "$log" >&2; exit 1; fi
    sleep 0.1
  done
  echo "$what did not listen on port $port within 60 s; see $log" >&2
  exit 1
}

install_tools() {
  [ -x node_modules/.bin/azurite ] || { say "Installing Azurite (npm ci)"; npm ci --no-audit --no-fund --loglevel=error; }
}

start_azurite() {
  say "Starting Azurite (data in $STATE/azurite)"
  node_modules/.bin/azurite --silent --skipApiVersionCheck --loose --disableTelemetry \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
    --location "$STATE/azurite" >"$STATE/logs/azurite.log" 2>&1 &
  pids+=($!)
  for port in 10000 10001 10002; do wait_for_port "$port" "${pids[-1]}" Azurite "$STATE/logs/azurite.log"; done
}

publish_function_app() {
  say "Publishing the function app to $FUNCTION_APP"
  dotnet publish src/Functions -c Release -r linux-x64 --self-contained -nologo -v quiet >"$STATE/logs/publish.log" 2>&1 \
    || { tail -30 "$STATE/logs/publish.log" >&2; exit 1; }
}

# local.settings.json = the sample's Values and Host, plus function keys generated once and kept in $STATE.
write_local_settings() {
  node -e '
    const fs = require("fs"), crypto = require("crypto");
    const [sample, target] = process.argv.slice(1);
    const settings = JSON.parse(fs.readFileSync(sample, "utf8"));
    let keys;
    try { keys = JSON.parse(fs.readFileSync(target, "utf8")).Keys; } catch { keys = undefined; }
    const key = () => crypto.randomBytes(32).toString("base64url");
    settings.Keys = keys ?? { Master: key(), Host: { default: key() }, Functions: {} };
    fs.writeFileSync(target, JSON.stringify(settings, null, 2) + "\n", { mode: 0o600 });
  ' local.settings.sample.json "$SETTINGS"
}

start_functions() {
  say "Starting the local Functions host on http://127.0.0.1:$PORT"
  dotnet build tools/LocalFunctionsHost -c Release -nologo -v quiet >"$STATE/logs/localhost-build.log" 2>&1 \
    || { tail -30 "$STATE/logs/localhost-build.log" >&2; exit 1; }
  dotnet tools/LocalFunctionsHost/bin/Release/net10.0/Blueshift.LocalFunctionsHost.dll \
    --script-root "$FUNCTION_APP" --settings "$SETTINGS" --port "$PORT" >"$STATE/logs/functions.log" 2>&1 &
  pids+=($!)
  local pid=${pids[-1]}
  for _ in $(seq 1 1200); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/health/ready" || true)" = 200 ]; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "The local Functions host exited; see $STATE/logs/functions.log" >&2; tail -30 "$STATE/logs/functions.log" >&2; exit 1; fi
    sleep 0.1
  done
  echo "/api/health/ready did not answer 200 within 120 s; see $STATE/logs/functions.log" >&2
  exit 1
}

install_tools
start_azurite
publish_function_app
write_local_settings
start_functions

cat <<INFO

Blueshift is running.
  API            http://127.0.0.1:$PORT/api   (health: /api/health, /api/health/live, /api/health/ready)
  function app   $FUNCTION_APP   (host.json, one folder per function, the handler)
  settings       $SETTINGS   (app settings; Keys: master and host keys for x-functions-key or ?code=)
  storage        Azurite on 127.0.0.1:10000-10002, data in $STATE/azurite
  logs           $STATE/logs/
Press Ctrl+C to stop.
INFO

# Returns when any service stops (or on Ctrl+C, through the INT trap); the EXIT trap stops the rest.
status=0
wait -n "${pids[@]}" || status=$?
echo "A service stopped (exit $status); see $STATE/logs/" >&2
exit 1
