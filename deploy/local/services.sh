#!/usr/bin/env bash
# deploy/local/services.sh — the real servers the sink tests need, on loopback.
#
#   services.sh up      install what is missing, start PostgreSQL, Redis and an
#                       S3-compatible server (versitygw), wait until each answers
#   services.sh down    stop all three
#   services.sh status  show each (exit 0 only if all three answer)
#   services.sh env     print the export lines the tests read:
#                         eval "$(deploy/local/services.sh env)"
#   services.sh reset   down, then delete every file the servers wrote
#
# Idempotent: `up` on a machine where they already run only checks them.
# No systemd, no Docker: private servers under $FINTRA_SERVICES_DIR.
# See deploy/local/README.md.
set -euo pipefail

SVC=${FINTRA_SERVICES_DIR:-${HOME:-/tmp}/.cache/fintra-services}
PG_PORT=${FINTRA_PG_PORT:-55432}
REDIS_PORT=${FINTRA_REDIS_PORT:-56379}
S3_PORT=${FINTRA_S3_PORT:-57070}
TIMEOUT=${FINTRA_SERVICES_TIMEOUT:-60}   # seconds to wait for each server

VERSITYGW_MODULE=github.com/versity/versitygw
VERSITYGW_PKG=$VERSITYGW_MODULE/cmd/versitygw
VERSITYGW_VERSION=v1.0.14
S3_ACCESS=fintra
S3_SECRET=fintra-secret-key
S3_REGION=us-east-1
S3_BUCKET=fintra-lake
PG_DB=fintra
PG_ROLE=fintra
PG_PASSWORD=fintra

HOST=127.0.0.1
BIN=$SVC/bin
INSTALL_LOG=$SVC/install.log
REDIS_DIR=$SVC/redis
S3_DIR=$SVC/s3

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }

IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1

# ---------------------------------------------------------------- packages

APT_UPDATED=0
# ensure_pkgs "check-command package" ...: install the packages whose check fails.
ensure_pkgs() {
  local missing=() spec check pkg
  for spec in "$@"; do
    check=${spec% *}; pkg=${spec##* }
    eval "$check" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $IS_ROOT -ne 1 ]; then
    die "missing Debian packages: ${missing[*]}; install them with:
    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}
  then run this again"
  fi
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get to install them"
  mkdir -p "$SVC"
  if [ $APT_UPDATED -eq 0 ]; then
    log "apt-get update (missing: ${missing[*]}; output in $INSTALL_LOG)"
    apt-get update >>"$INSTALL_LOG" 2>&1 || die "apt-get update failed; read $INSTALL_LOG"
    APT_UPDATED=1
  fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
    >>"$INSTALL_LOG" 2>&1 9>&- || die "apt-get install ${missing[*]} failed; read $INSTALL_LOG"
}

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

install_packages() {
  ensure_pkgs \
    "pg_bindir postgresql" \
    "command -v psql postgresql-client" \
    "command -v redis-server redis-server" \
    "command -v redis-cli redis-tools" \
    "command -v curl curl"
}

# ---------------------------------------------------------------- helpers

# wait_for NAME LOGFILE CMD...: run CMD every 0.2 s until it succeeds or TIMEOUT.
wait_for() {
  local name=$1 logfile=$2; shift 2
  local deadline=$(( $(date +%s) + TIMEOUT ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      die "$name did not answer within ${TIMEOUT}s; read $logfile"
    fi
    sleep 0.2
  done
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pidfile_pid() { [ -f "$1" ] && head -n1 "$1" 2>/dev/null | tr -dc '0-9' || true; }

port_hint() { echo "check with: ss -ltnp 'sport = :$1'"; }

# ---------------------------------------------------------------- PostgreSQL
#
# A private cluster (initdb), not the Debian system cluster. PostgreSQL refuses
# to run as root, so as root the cluster belongs to the postgres user. The
# postgres user must be able to reach its data directory: when the services dir
# is under a home it cannot enter (/root is 0700), the cluster lives in
# /var/lib/fintra-services/<id>/postgres and $SVC/postgres is a symlink to it.

pg_init_paths() {
  PGBIN=$(pg_bindir) || die "no PostgreSQL server in /usr/lib/postgresql/*/bin"
  PG_LINK=$SVC/postgres
  PGROOT=$PG_LINK
  if [ $IS_ROOT -eq 1 ]; then
    mkdir -p "$SVC"
    if ! (cd / && runuser -u postgres -- test -x "$SVC" -a -r "$SVC") 2>/dev/null; then
      local id
      id=$(printf '%s' "$(cd "$SVC" && pwd -P)" | cksum | cut -d' ' -f1)
      PGROOT=/var/lib/fintra-services/$id/postgres
    fi
  fi
  PGDATA_DIR=$PGROOT/data
  PG_LOG=$PGROOT/postgres.log
}

# as_pg CMD...: run CMD as the user that owns the cluster.
as_pg() {
  if [ $IS_ROOT -eq 1 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_running() { as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; }
pg_answers() { "$PGBIN/pg_isready" -q -h $HOST -p "$PG_PORT" -t 2; }
psql_su() { PGCONNECT_TIMEOUT=5 "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h $HOST -p "$PG_PORT" -U postgres -d postgres "$@"; }

# Cluster outside the services dir, and no link to it: the services dir was
# deleted (a reset), so that cluster is stale: stop it and start afresh.
pg_drop_stale() {
  if [ "$PGROOT" != "$PG_LINK" ] && [ ! -L "$PG_LINK" ] && [ -e "$PGROOT" ]; then
    if pg_running; then
      log "postgres: stopping the cluster of a deleted services dir ($PGROOT)"
      as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
    fi
    log "postgres: removing the stale cluster in $PGROOT"
    rm -rf "$PGROOT"
  fi
}

pg_prepare_root() {
  if [ "$PGROOT" != "$PG_LINK" ]; then
    mkdir -p "$PGROOT"
    chown postgres:postgres "$PGROOT" "$(dirname "$PGROOT")"
    chmod 700 "$PGROOT"
    [ -L "$PG_LINK" ] || { rm -rf "$PG_LINK"; ln -s "$PGROOT" "$PG_LINK"; }
  else
    mkdir -p "$PGROOT"
    [ $IS_ROOT -eq 1 ] && chown postgres:postgres "$PGROOT"
    chmod 700 "$PGROOT"
  fi
}

pg_up() {
  pg_init_paths
  pg_drop_stale
  if pg_running; then
    wait_for postgres "$PG_LOG" pg_answers
    log "postgres: already running (port $PG_PORT, data $PGDATA_DIR)"
  else
    if pg_answers; then
      die "postgres: port $PG_PORT is taken by a server that is not ours ($PGDATA_DIR is not running); $(port_hint "$PG_PORT"), or set FINTRA_PG_PORT"
    fi
    pg_prepare_root
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
      log "postgres: initdb $PGDATA_DIR ($("$PGBIN/postgres" --version))"
      rm -rf "$PGDATA_DIR"
      as_pg "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --no-locale \
        >"$PGROOT/initdb.log" 2>&1 || die "postgres: initdb failed; read $PGROOT/initdb.log"
      # Test server: loopback TCP only, no Unix socket, durability traded for speed.
      cat >>"$PGDATA_DIR/postgresql.conf" <<EOF

# --- fintra deploy/local/services.sh ---
listen_addresses = '$HOST'
unix_socket_directories = ''
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
      cat >"$PGDATA_DIR/pg_hba.conf" <<EOF
# fintra deploy/local/services.sh: trust on loopback only.
local all all trust
host  all all 127.0.0.1/32 trust
host  all all ::1/128 trust
EOF
    fi
    log "postgres: starting on $HOST:$PG_PORT (log $PG_LOG)"
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -o "-p $PG_PORT" -w -t "$TIMEOUT" start >/dev/null 2>&1 9>&- \
      || die "postgres: pg_ctl start failed; read $PG_LOG"
    wait_for postgres "$PG_LOG" pg_answers
  fi
  # Role and database, created once.
  if [ "$(psql_su -tAc "select 1 from pg_roles where rolname = '$PG_ROLE'")" != 1 ]; then
    log "postgres: create role $PG_ROLE"
    psql_su -c "create role $PG_ROLE login password '$PG_PASSWORD'" || die "postgres: create role failed"
  fi
  if [ "$(psql_su -tAc "select 1 from pg_database where datname = '$PG_DB'")" != 1 ]; then
    log "postgres: create database $PG_DB"
    psql_su -c "create database $PG_DB owner $PG_ROLE" || die "postgres: create database failed"
  fi
  if [ "$(psql_su -tAc "select count(*) from pg_available_extensions where name = 'timescaledb'")" = 1 ]; then
    log "postgres: timescaledb extension available (hypertables)"
  else
    log "postgres: timescaledb extension not available (native range partitions)"
  fi
}

pg_down() {
  pg_init_paths
  if pg_running; then
    log "postgres: stopping"
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t "$TIMEOUT" stop >/dev/null 2>&1 \
      || die "postgres: pg_ctl stop failed; read $PG_LOG"
  else
    log "postgres: not running"
  fi
}

pg_status() {
  pg_init_paths
  if pg_running && pg_answers; then
    local ver
    ver=$(psql_su -tAc "show server_version" 2>/dev/null || echo '?')
    echo "postgres  running  $HOST:$PG_PORT  version $ver  data $PGDATA_DIR  log $PG_LOG"
  elif pg_running; then
    echo "postgres  starting $HOST:$PG_PORT  (not answering yet)  log $PG_LOG"; return 1
  else
    echo "postgres  stopped  $HOST:$PG_PORT  data $PGDATA_DIR"; return 1
  fi
}

# ---------------------------------------------------------------- Redis

REDIS_PID=$REDIS_DIR/redis.pid
REDIS_LOG=$REDIS_DIR/redis.log
REDIS_CONF=$REDIS_DIR/redis.conf

rcli() { redis-cli -h $HOST -p "$REDIS_PORT" "$@"; }
redis_answers() { [ "$(rcli ping 2>/dev/null)" = PONG ]; }
# ours: answers, and its pidfile is the one in our services dir.
redis_ours() { [ "$(rcli config get pidfile 2>/dev/null | sed -n 2p)" = "$REDIS_PID" ]; }

redis_up() {
  if redis_answers; then
    redis_ours || die "redis: port $REDIS_PORT is taken by a server that is not ours; $(port_hint "$REDIS_PORT"), or set FINTRA_REDIS_PORT"
    if [ -f "$REDIS_PID" ]; then
      log "redis: already running (port $REDIS_PORT)"
      return 0
    fi
    log "redis: restarting a server whose services dir was deleted"
    rcli shutdown nosave >/dev/null 2>&1 || true
    wait_for "redis shutdown" "$REDIS_LOG" eval '! redis_answers'
  fi
  mkdir -p "$REDIS_DIR/data"
  cat >"$REDIS_CONF" <<EOF
# fintra deploy/local/services.sh — test server, no persistence.
bind $HOST
port $REDIS_PORT
protected-mode yes
daemonize yes
pidfile "$REDIS_PID"
logfile "$REDIS_LOG"
dir "$REDIS_DIR/data"
save ""
appendonly no
EOF
  log "redis: starting on $HOST:$REDIS_PORT (log $REDIS_LOG)"
  redis-server "$REDIS_CONF" >>"$REDIS_LOG" 2>&1 9>&- || die "redis: redis-server failed to start; read $REDIS_LOG"
  wait_for redis "$REDIS_LOG" redis_answers
}

redis_down() {
  if redis_answers && redis_ours; then
    log "redis: stopping"
    rcli shutdown nosave >/dev/null 2>&1 || true
    local deadline=$(( $(date +%s) + TIMEOUT ))
    while redis_answers; do
      [ "$(date +%s)" -ge "$deadline" ] && die "redis: did not stop; read $REDIS_LOG"
      sleep 0.2
    done
  elif redis_answers; then
    log "redis: port $REDIS_PORT answers but the server is not ours; left alone"
  else
    log "redis: not running"
  fi
}

redis_status() {
  if redis_answers && redis_ours; then
    echo "redis     running  $HOST:$REDIS_PORT  version $(rcli info server | sed -n 's/^redis_version:\(.*\)\r$/\1/p')  pid $(pidfile_pid "$REDIS_PID")  log $REDIS_LOG"
  elif redis_answers; then
    echo "redis     foreign  $HOST:$REDIS_PORT  (answers, but not our server)"; return 1
  else
    echo "redis     stopped  $HOST:$REDIS_PORT"; return 1
  fi
}

# ---------------------------------------------------------------- S3 (versitygw, posix backend)

VGW=$BIN/versitygw
S3_PID=$S3_DIR/versitygw.pid
S3_LOG=$S3_DIR/versitygw.log
S3_ROOT=$S3_DIR/data
S3_ENDPOINT=http://$HOST:$S3_PORT

# s3curl ARGS...: curl signed with AWS SigV4 as the root user.
s3curl() {
  curl -sS --max-time 10 --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS:$S3_SECRET" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"
}
s3_code() { s3curl -o /dev/null -w '%{http_code}' "$@" 2>/dev/null || true; }
s3_answers() { [ "$(s3_code "$S3_ENDPOINT/")" = 200 ]; }
s3_pid_ours() {
  local pid; pid=$(pidfile_pid "$S3_PID")
  pid_alive "$pid" && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$VGW")" ]
}
# s3_orphans: pids of versitygw servers on our posix root (e.g. after the
# services dir was deleted under them, pid file included).
s3_orphans() {
  local f pid
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}; pid=${pid%/cmdline}
    tr '\0' '\n' <"$f" 2>/dev/null | grep -qxF "$S3_ROOT" || continue
    tr '\0' '\n' <"$f" 2>/dev/null | grep -q 'versitygw$' && echo "$pid"
  done
  return 0
}
stop_pid() {
  local pid=$1 deadline=$(( $(date +%s) + 10 ))
  kill "$pid" 2>/dev/null || return 0
  while pid_alive "$pid"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then kill -9 "$pid" 2>/dev/null || true; break; fi
    sleep 0.2
  done
}

vgw_installed_version() {
  [ -x "$VGW" ] && go version -m "$VGW" 2>/dev/null | awk '$1 == "mod" && $2 == "'$VERSITYGW_MODULE'" {print $3}'
}

s3_install() {
  local have
  have=$(vgw_installed_version || true)
  [ "$have" = "$VERSITYGW_VERSION" ] && return 0
  command -v go >/dev/null || die "s3: go is needed to install versitygw ($VERSITYGW_PKG@$VERSITYGW_VERSION)"
  mkdir -p "$BIN"
  log "s3: go install $VERSITYGW_PKG@$VERSITYGW_VERSION into $BIN${have:+ (had $have)}"
  (cd / && GOBIN=$BIN GOFLAGS='' GOWORK=off go install "$VERSITYGW_PKG@$VERSITYGW_VERSION") >>"$INSTALL_LOG" 2>&1 \
    || die "s3: go install $VERSITYGW_PKG@$VERSITYGW_VERSION failed; read $INSTALL_LOG"
}

s3_up() {
  if s3_pid_ours; then
    wait_for s3 "$S3_LOG" s3_answers
    log "s3: already running (port $S3_PORT, pid $(pidfile_pid "$S3_PID"))"
  else
    local orphan
    for orphan in $(s3_orphans); do
      log "s3: stopping versitygw pid $orphan (its pid file is gone)"
      stop_pid "$orphan"
    done
    if s3_answers || [ "$(s3_code "$S3_ENDPOINT/")" != 000 ]; then
      die "s3: port $S3_PORT is taken by a server that is not ours; $(port_hint "$S3_PORT"), or set FINTRA_S3_PORT"
    fi
    s3_install
    mkdir -p "$S3_ROOT"
    rm -f "$S3_PID"
    log "s3: starting versitygw $VERSITYGW_VERSION (posix $S3_ROOT) on $HOST:$S3_PORT (log $S3_LOG)"
    (
      cd "$S3_DIR"
      exec 9>&-
      exec setsid "$VGW" --port "$HOST:$S3_PORT" --access "$S3_ACCESS" --secret "$S3_SECRET" \
        --region "$S3_REGION" posix "$S3_ROOT" </dev/null >>"$S3_LOG" 2>&1
    ) &
    echo $! >"$S3_PID"
    local deadline=$(( $(date +%s) + TIMEOUT ))
    until s3_answers; do
      pid_alive "$(pidfile_pid "$S3_PID")" || die "s3: versitygw exited; read $S3_LOG"
      [ "$(date +%s)" -ge "$deadline" ] && die "s3: versitygw did not answer within ${TIMEOUT}s; read $S3_LOG"
      sleep 0.2
    done
  fi
  local code
  code=$(s3_code "$S3_ENDPOINT/$S3_BUCKET?list-type=2&max-keys=1")
  if [ "$code" = 404 ]; then
    log "s3: create bucket $S3_BUCKET"
    code=$(s3_code -X PUT "$S3_ENDPOINT/$S3_BUCKET")
    [ "$code" = 200 ] || die "s3: create bucket $S3_BUCKET failed (HTTP $code); read $S3_LOG"
    code=$(s3_code "$S3_ENDPOINT/$S3_BUCKET?list-type=2&max-keys=1")
  fi
  [ "$code" = 200 ] || die "s3: listing bucket $S3_BUCKET failed (HTTP $code); read $S3_LOG"
}

s3_down() {
  local pid; pid=$(pidfile_pid "$S3_PID")
  local orphan stopped=0
  if s3_pid_ours; then
    log "s3: stopping versitygw (pid $pid)"
    stop_pid "$pid"; stopped=1
  fi
  for orphan in $(s3_orphans); do
    log "s3: stopping versitygw pid $orphan"
    stop_pid "$orphan"; stopped=1
  done
  rm -f "$S3_PID"
  [ $stopped -eq 1 ] || log "s3: not running"
}

s3_status() {
  if s3_pid_ours && s3_answers; then
    echo "s3        running  $HOST:$S3_PORT  versitygw $(vgw_installed_version || echo '?')  pid $(pidfile_pid "$S3_PID")  bucket $S3_BUCKET  log $S3_LOG"
  elif s3_pid_ours; then
    echo "s3        starting $HOST:$S3_PORT  (not answering)  log $S3_LOG"; return 1
  else
    echo "s3        stopped  $HOST:$S3_PORT"; return 1
  fi
}

# ---------------------------------------------------------------- commands

print_env() {
  cat <<EOF
export FINTRA_PG_URL='postgres://$PG_ROLE:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DB?sslmode=disable'
export FINTRA_REDIS_URL='redis://$HOST:$REDIS_PORT/0'
export FINTRA_S3_URL='s3://$S3_BUCKET'
export FINTRA_S3_ENDPOINT='$S3_ENDPOINT'
export FINTRA_S3_PATH_STYLE='true'
export AWS_ACCESS_KEY_ID='$S3_ACCESS'
export AWS_SECRET_ACCESS_KEY='$S3_SECRET'
export AWS_REGION='$S3_REGION'
EOF
}

# One `up`/`down` at a time (parallel test packages may all call `up`).
# Trap: every server started must get `9>&-`, or it inherits the lock fd and
# holds the lock for as long as it runs.
lock() {
  mkdir -p "$SVC"
  exec 9>"$SVC/.lock"
  flock -w $(( TIMEOUT * 4 )) 9 || die "another services.sh holds $SVC/.lock"
}

cmd=${1:-}
case "$cmd" in
  up)
    lock
    start=$(date +%s)
    install_packages
    pg_up
    redis_up
    s3_up
    log "up: postgres :$PG_PORT, redis :$REDIS_PORT, s3 :$S3_PORT ready in $(( $(date +%s) - start ))s; eval \"\$($0 env)\""
    ;;
  down)
    lock
    if pg_bindir >/dev/null; then pg_down; else log "postgres: not installed"; fi
    if command -v redis-cli >/dev/null; then redis_down; else log "redis: not installed"; fi
    if command -v curl >/dev/null; then s3_down; fi
    ;;
  status)
    rc=0
    if pg_bindir >/dev/null; then pg_status || rc=1; else echo "postgres  not installed"; rc=1; fi
    if command -v redis-cli >/dev/null; then redis_status || rc=1; else echo "redis     not installed"; rc=1; fi
    if command -v curl >/dev/null; then s3_status || rc=1; else echo "s3        curl not installed"; rc=1; fi
    exit $rc
    ;;
  env)
    print_env
    ;;
  reset)
    "$0" down
    pg_init_paths
    if [ "$PGROOT" != "$PG_LINK" ]; then
      log "reset: removing $SVC and $PGROOT"
      rm -rf "$PGROOT"
      rmdir "$(dirname "$PGROOT")" "$(dirname "$(dirname "$PGROOT")")" 2>/dev/null || true
    else
      log "reset: removing $SVC"
    fi
    rm -rf "$SVC"
    ;;
  *)
    echo "usage: $0 up|down|status|env|reset" >&2
    exit 2
    ;;
esac
