#!/usr/bin/env bash
# Runs Blueshift locally: Azurite (storage), the App Service emulator (ARM + a demo app with a staging slot under
# steady synthetic load), then Blueshift's functions under the local Functions host on http://127.0.0.1:7071 (the
# isolated-worker [Function] classes in-process, function keys checked, timers on their schedules; in Azure the Functions
# host runs the published package instead). Unless --no-demo is given it then drives Blueshift's main job through the HTTP API:
# a healthy release that goes all the way, and a faulty one that is rolled back automatically.
# Every run starts fresh: Azurite's data and the emulator's sites both begin empty (only the keys are kept).
# Everything keeps running afterwards so the API can be tried; Ctrl+C stops everything, and so does any service
# stopping on its own (the script names it and its log).
# Each service is one start_* function below; add new ones the same way.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

USAGE="usage: ./run.sh [--no-demo] [--no-load] [-h|--help]
  --no-demo   start the stack but do not run the demo releases
  --no-load   no synthetic users on demo-app's front door (releases then see no traffic and cannot pass; needs --no-demo)
environment: BLUESHIFT_PORT (Functions host, default 7071), BLUESHIFT_EMULATOR_PORT (App Service emulator, default 7200),
  BLUESHIFT_STATE_DIR (Azurite's data, logs, settings and keys, the lock; default .local; a relative path is taken
  from the repository root)"

if ((BASH_VERSINFO[0] < 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] < 1))); then
  echo "run.sh needs bash 5.1 or later (it has $BASH_VERSION)" >&2
  exit 2
fi

DEMO=1
LOAD=1
for arg in "$@"; do
  case "$arg" in
    --no-demo) DEMO=0 ;;
    --no-load) LOAD=0 ;;
    -h|--help) echo "$USAGE"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; echo "$USAGE" >&2; exit 2 ;;
  esac
done
if [ "$DEMO" = 1 ] && [ "$LOAD" = 0 ]; then
  echo "--no-load needs --no-demo: the demo's releases are judged on demo-app's traffic, and without it they fail." >&2
  exit 2
fi

PORT="${BLUESHIFT_PORT:-7071}"
EMULATOR_PORT="${BLUESHIFT_EMULATOR_PORT:-7200}"
EMULATOR="http://127.0.0.1:$EMULATOR_PORT"
DEMO_APP=demo-app
SUBSCRIPTION=00000000-0000-0000-0000-000000000000
RESOURCE_GROUP=blueshift
# The synthetic users the emulator keeps on the demo app's front door for as long as it runs (unless --no-load).
LOAD_RPS=40
# The demo's clock: bakes just over a minute — the shortest that gives Azure Monitor's one-minute metric grain (which the
# emulator reproduces) a whole bucket to judge — and polls and probes every second.
BAKE=75
STATE="${BLUESHIFT_STATE_DIR:-.local}"
SETTINGS="$STATE/local.settings.json"
mkdir -p "$STATE/logs"

# One run at a time per state folder: a second one would wipe the first one's storage under it. The lock is held on
# an open file descriptor until this script ends; every long-lived child is started with it closed ({lock_fd}>&-),
# so a service or a build server that outlives the script never keeps the lock.
command -v flock >/dev/null || { echo "run.sh needs flock (util-linux)" >&2; exit 2; }
exec {lock_fd}>"$STATE/run.lock"
flock -n "$lock_fd" || { echo "another ./run.sh is running (lock $STATE/run.lock)" >&2; exit 1; }

# Before anything is wiped or started: a port already taken means another stack (or a stray Azurite) is up, and
# starting anyway would destroy its state and then fail on "address in use".
for port in "$PORT" "$EMULATOR_PORT" 10000 10001 10002; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is already in use (another ./run.sh or a stray Azurite?); nothing was changed" >&2
    exit 1
  fi
done

pids=()
# What each pid is and where its log is, so a service that stops can be named.
declare -A names=() logs=()
track() {
  local pid=$1
  pids+=("$pid")
  names[$pid]=$2
  logs[$pid]=$3
}

# Asks every service to stop, gives them 10 s, then kills whatever is left (a stuck shutdown must not hang Ctrl+C).
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'echo; echo "Stopping..."; exit 130' INT TERM

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Waits until a TCP port on 127.0.0.1 accepts connections, bounded; fails if the process behind it died.
wait_for_port() {
  local port=$1 pid=$2 what=$3 log=$4
  for _ in $(seq 1 600); do
    # The port answering is only ours if the process is still alive (it may have died on "address in use").
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && kill -0 "$pid" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "$what exited; see $log" >&2; tail -20 "$log" >&2; exit 1; fi
    sleep 0.1
  done
  echo "$what did not listen on port $port within 60 s; see $log" >&2
  exit 1
}

install_tools() {
  [ -x node_modules/.bin/azurite ] || { say "Installing Azurite (npm ci)"; npm ci --no-audit --no-fund --loglevel=error {lock_fd}>&-; }
}

# Starts from empty storage on purpose: the emulator keeps nothing between runs, so releases and apps kept from an
# earlier run would talk to an App Service that never heard of them.
start_azurite() {
  say "Starting Azurite (fresh: data of earlier runs in $STATE/azurite is wiped, as the emulator starts fresh too)"
  rm -rf "$STATE/azurite"
  mkdir -p "$STATE/azurite"
  node_modules/.bin/azurite --silent --skipApiVersionCheck --loose --disableTelemetry \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
    --location "$STATE/azurite" >"$STATE/logs/azurite.log" 2>&1 {lock_fd}>&- &
  track $! Azurite "$STATE/logs/azurite.log"
  for port in 10000 10001 10002; do wait_for_port "$port" "${pids[-1]}" Azurite "$STATE/logs/azurite.log"; done
}

start_emulator() {
  local load=()
  if [ "$LOAD" = 1 ]; then
    load=(--load "$DEMO_APP:$LOAD_RPS")
    say "Starting the App Service emulator on $EMULATOR ($DEMO_APP with a staging slot; synthetic users: $LOAD_RPS requests/s on its front door until it stops)"
  else
    say "Starting the App Service emulator on $EMULATOR ($DEMO_APP with a staging slot; no synthetic users: --no-load)"
  fi
  dotnet build tools/AppServiceEmulator -c Release -nologo -v quiet >"$STATE/logs/emulator-build.log" 2>&1 {lock_fd}>&- \
    || { tail -30 "$STATE/logs/emulator-build.log" >&2; exit 1; }
  dotnet tools/AppServiceEmulator/bin/Release/net10.0/Blueshift.AppServiceEmulator.dll --port "$EMULATOR_PORT" \
    --subscription "$SUBSCRIPTION" --resource-group "$RESOURCE_GROUP" --sites "$DEMO_APP:staging" --version 1.0.0 "${load[@]}" \
    >"$STATE/logs/emulator.log" 2>&1 {lock_fd}>&- &
  track $! "The App Service emulator" "$STATE/logs/emulator.log"
  wait_for_port "$EMULATOR_PORT" "${pids[-1]}" "The App Service emulator" "$STATE/logs/emulator.log"
}

# local.settings.json = the sample's Values and Host, plus the local run's settings (the emulator as Azure, short
# bakes, a development identity that holds every role — local only, Blueshift refuses it on App Service) and
# function keys generated once and kept in $STATE.
write_local_settings() {
  node -e '
    const fs = require("fs"), crypto = require("crypto");
    const [sample, target, emulator] = process.argv.slice(1);
    const settings = JSON.parse(fs.readFileSync(sample, "utf8"));
    Object.assign(settings.Values, {
      Blueshift__Azure__ResourceManagerEndpoint: emulator + "/",
      Blueshift__Azure__Credential: "Development",
      Blueshift__Releases__SlotScheme: "http",
      // A demo started inside the weekly freeze of the seed (Tuesday 17:00 to Thursday 22:00 UTC) would otherwise wait it out.
      Blueshift__Releases__WeeklyCodeFreeze: "false",
      Blueshift__Releases__Orchestration__BakeTime: "00:01:15",
      Blueshift__Releases__Orchestration__PostSwapWatch: "00:01:15",
      Blueshift__Releases__Orchestration__WarmUp: "00:00:01",
      Blueshift__Releases__Orchestration__PollInterval: "00:00:01",
      Blueshift__Releases__Orchestration__ProbeInterval: "00:00:01",
      Blueshift__Releases__Orchestration__BaselineWindow: "00:05:00",
      // The demo app is registered without backups: the hourly backup-rpo job runs every minute here, so the demo shows
      // its finding (GET /api/compliance/findings) a minute or so after the releases.
      Blueshift__Compliance__Schedules__BackupRpo: "0 */1 * * * *",
      Blueshift__Security__DevelopmentIdentity__UserId: "local-developer",
      Blueshift__Security__DevelopmentIdentity__DisplayName: "Local developer",
    });
    ["Blueshift.Releaser", "Blueshift.Admin", "Blueshift.Approver.CAB", "Blueshift.Approver.TeamLead",
     "Blueshift.Approver.Manager", "Blueshift.Approver.CISO", "Blueshift.Approver.Stakeholder"]
      .forEach((role, i) => settings.Values["Blueshift__Security__DevelopmentIdentity__Roles__" + i] = role);
    let keys;
    try { keys = JSON.parse(fs.readFileSync(target, "utf8")).Keys; } catch { keys = undefined; }
    const key = () => crypto.randomBytes(32).toString("base64url");
    settings.Keys = keys ?? { Master: key(), Host: { default: key() }, Functions: {} };
    fs.writeFileSync(target, JSON.stringify(settings, null, 2) + "\n", { mode: 0o600 });
  ' local.settings.sample.json "$SETTINGS" "$EMULATOR"
  HOST_KEY=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).Keys.Host.default)' "$SETTINGS")
}

start_functions() {
  say "Starting the local Functions host on http://127.0.0.1:$PORT"
  dotnet build tools/LocalFunctionsHost -c Release -nologo -v quiet >"$STATE/logs/localhost-build.log" 2>&1 {lock_fd}>&- \
    || { tail -30 "$STATE/logs/localhost-build.log" >&2; exit 1; }
  dotnet tools/LocalFunctionsHost/bin/Release/net10.0/Blueshift.LocalFunctionsHost.dll \
    --settings "$SETTINGS" --port "$PORT" >"$STATE/logs/functions.log" 2>&1 {lock_fd}>&- &
  track $! "The local Functions host" "$STATE/logs/functions.log"
  local pid=${pids[-1]}
  for _ in $(seq 1 1200); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/health/ready" || true)" = 200 ] \
      && kill -0 "$pid" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "The local Functions host exited; see $STATE/logs/functions.log" >&2; tail -30 "$STATE/logs/functions.log" >&2; exit 1; fi
    sleep 0.1
  done
  echo "/api/health/ready did not answer 200 within 120 s; see $STATE/logs/functions.log" >&2
  exit 1
}

# Blueshift's main job through the HTTP API: a healthy release to the end, a faulty one to its automatic rollback.
# It runs in the background, watched with the services, so a service that stops during the demo is reported at once.
DEMO_PID=
start_demo() {
  say "Demo: releasing $DEMO_APP 2.0.0 (healthy) and 3.0.0 (20 % errors) through http://127.0.0.1:$PORT/api"
  dotnet build tools/ReleaseDemo -c Release -nologo -v quiet >"$STATE/logs/demo-build.log" 2>&1 {lock_fd}>&- \
    || { tail -30 "$STATE/logs/demo-build.log" >&2; exit 1; }
  dotnet tools/ReleaseDemo/bin/Release/net10.0/Blueshift.ReleaseDemo.dll --api "http://127.0.0.1:$PORT" --key "$HOST_KEY" \
    --emulator "$EMULATOR" --app "$DEMO_APP" --subscription "$SUBSCRIPTION" --resource-group "$RESOURCE_GROUP" \
    --bake-time "PT${BAKE}S" --post-swap-watch "PT${BAKE}S" --traffic-steps 25,100 --requests-per-second "$LOAD_RPS" {lock_fd}>&- &
  DEMO_PID=$!
  # stop_all ends the demo too when the stack stops under it.
  pids+=("$DEMO_PID")
}

print_info() {
  local traffic="synthetic users: $LOAD_RPS requests/s on $DEMO_APP's front door (latest traffic: $EMULATOR/_emulator/traffic?site=$DEMO_APP&limit=100)"
  [ "$LOAD" = 1 ] || traffic="no synthetic users (--no-load): releases see no traffic and end inconclusive"
  cat <<INFO

Blueshift is running.
  API            http://127.0.0.1:$PORT/api   (health: /api/health, /api/health/live, /api/health/ready)
  OpenAPI        http://127.0.0.1:$PORT/api/openapi/v1.json
  function key   $HOST_KEY   (x-functions-key header or ?code=; from $SETTINGS)
  caller         the development identity 'local-developer' (releaser, admin and every approver role; local only)
  App Service    emulator ARM $EMULATOR/, control API $EMULATOR/_emulator/ ($DEMO_APP: $EMULATOR/_emulator/sites)
  function app   src/Functions   (the [Function] classes, served by tools/LocalFunctionsHost; dotnet publish src/Functions makes the package)
  settings       $SETTINGS   (app settings; Keys: master and host keys)
  traffic        $traffic
  storage        Azurite on 127.0.0.1:10000-10002, data in $STATE/azurite (wiped at each start; so is the emulator's state)
  logs           $STATE/logs/

Try it:
  curl -s -H "x-functions-key: $HOST_KEY" http://127.0.0.1:$PORT/api/apps/$DEMO_APP
  curl -s -H "x-functions-key: $HOST_KEY" "http://127.0.0.1:$PORT/api/releases?app=$DEMO_APP"
  curl -s -X PUT -H "x-functions-key: $HOST_KEY" -H 'content-type: application/json' http://127.0.0.1:$PORT/api/apps/$DEMO_APP \\
    -d '{"resourceId":"/subscriptions/$SUBSCRIPTION/resourceGroups/$RESOURCE_GROUP/providers/Microsoft.Web/sites/$DEMO_APP","stagingSlot":"staging","healthCheckPath":"/health","policy":{"bakeTime":"PT${BAKE}S","postSwapWatch":"PT${BAKE}S","minimumRequests":20}}'
  curl -s -X POST $EMULATOR/_emulator/packages/my-2.1.0/sample -H 'content-type: application/json' -d '{"version":"2.1.0"}'
  curl -s -X POST -H "x-functions-key: $HOST_KEY" -H 'content-type: application/json' http://127.0.0.1:$PORT/api/releases \\
    -d '{"app":"$DEMO_APP","version":"2.1.0","package":"$EMULATOR/_emulator/packages/my-2.1.0","releaseType":"Patch","changeClass":"Standard"}'
  curl -s -H "x-functions-key: $HOST_KEY" http://127.0.0.1:$PORT/api/releases/RELEASE_ID
  curl -s -H "x-functions-key: $HOST_KEY" "http://127.0.0.1:$PORT/api/compliance/findings?app=$DEMO_APP&status=open"
  curl -s -H "x-functions-key: $HOST_KEY" http://127.0.0.1:$PORT/api/compliance/status
  curl -s -X POST -H "x-functions-key: \$(node -p 'require(\"$SETTINGS\").Keys.Master')" http://127.0.0.1:$PORT/api/compliance/jobs/dr-reminders/run
Press Ctrl+C to stop; the stack also stops if one of its services does.
INFO
}

install_tools
start_azurite
start_emulator
write_local_settings
start_functions
if [ "$DEMO" = 1 ]; then start_demo; else print_info; fi

# Returns when any service stops (or on Ctrl+C, through the INT trap); the EXIT trap stops the rest. The demo ending
# is expected: the stack then keeps running.
while true; do
  status=0
  exited=
  wait -n -p exited "${pids[@]}" || status=$?
  if [ -n "$DEMO_PID" ] && [ "$exited" = "$DEMO_PID" ]; then
    remaining=()
    for pid in "${pids[@]}"; do [ "$pid" = "$DEMO_PID" ] || remaining+=("$pid"); done
    pids=("${remaining[@]}")
    DEMO_PID=
    [ "$status" = 0 ] || echo "The demo did not go as expected (exit $status; see above and $STATE/logs/functions.log); the stack keeps running." >&2
    print_info
    continue
  fi
  if [ -z "$exited" ]; then
    echo "Waiting for the services failed (exit $status); stopping the local stack." >&2
    exit 1
  fi
  echo >&2
  echo "${names[$exited]} (pid $exited) stopped (exit $status); its log: ${logs[$exited]}. Last lines:" >&2
  tail -15 "${logs[$exited]}" >&2
  echo "Stopping the local stack: the other services cannot work without it. Run ./run.sh again to start afresh." >&2
  exit 1
done
