#!/usr/bin/env bash
# deploy/local/kafka_test.sh — end-to-end check of kafka.sh on a second,
# private broker (its own state dir and ports, the shared jar cache): `up`
# twice (the second a no-op), a real client (fintra topics create/list),
# `down` and `up` on the same data (cluster id and topics kept), a SIGKILL
# and `up` again, `reset`.
#
#   deploy/local/kafka_test.sh
#
# The broker of `kafka.sh up` (port 59092) is not touched.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kafka=$here/kafka.sh
pass=0 fail=0

ok()  { pass=$((pass + 1)); printf 'ok   %s\n' "$*"; }
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
ms() { date +%s%3N; }
secs() { local d=$(( $(ms) - $1 )); printf '%d.%01ds' $(( d / 1000 )) $(( d % 1000 / 100 )); }

state=$(mktemp -d "${TMPDIR:-/tmp}/fintra-kafka-test.XXXXXX")
export FINTRA_KAFKA_STATE_DIR=$state
export FINTRA_KAFKA_PORT=${KAFKA_TEST_PORT:-59192}
export FINTRA_KAFKA_CONTROLLER_PORT=${KAFKA_TEST_CONTROLLER_PORT:-59193}
cleanup() { "$kafka" reset >/dev/null 2>&1; rm -rf "$state"; }
trap cleanup EXIT

bin=$state/fintra
(cd "$root" && go build -o "$bin" ./cmd/fintra) || { echo "go build ./cmd/fintra failed"; exit 1; }

t=$(ms)
if "$kafka" up; then ok "up (first, $(secs "$t"))"; else bad "up (first)"; exit 1; fi
t=$(ms)
out=$("$kafka" up 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q 'already running' <<<"$out" && ! grep -qE 'starting|formatting|install' <<<"$out"; then
  ok "up (second, no-op, $(secs "$t"))"
else
  bad "up (second): rc=$rc, output:"; printf '%s\n' "$out"
fi
check "status reports it running" "$kafka" status

eval "$("$kafka" env)"
check "env sets FINTRA_KAFKA_BROKERS=127.0.0.1:$FINTRA_KAFKA_PORT (got ${FINTRA_KAFKA_BROKERS:-})" \
  test "${FINTRA_KAFKA_BROKERS:-}" = "127.0.0.1:$FINTRA_KAFKA_PORT"

check "fintra topics create" "$bin" topics create --brokers "$FINTRA_KAFKA_BROKERS" --kafka-version 4.0.0
listed() { "$bin" topics list --brokers "$FINTRA_KAFKA_BROKERS" --kafka-version 4.0.0 2>&1; }
out=$(listed)
check "fintra topics list shows core.transactions.v1" grep -q 'core.transactions.v1' <<<"$out"

cluster_id() { sed -n 's/^cluster.id=//p' "$state/data/meta.properties"; }
id=$(cluster_id)
t=$(ms)
check "down" "$kafka" down
check "down: status says stopped" eval '! "$kafka" status >/dev/null'
check "down: port $FINTRA_KAFKA_PORT closed" eval '! timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$FINTRA_KAFKA_PORT" 2>/dev/null'
t=$(ms)
if "$kafka" up; then ok "up after down ($(secs "$t"))"; else bad "up after down"; fi
check "same cluster id after a restart ($id)" test "$(cluster_id)" = "$id"
out=$(listed)
check "topics kept across the restart" grep -q 'core.transactions.v1' <<<"$out"

check "kill (SIGKILL)" "$kafka" kill
t=$(ms)
if "$kafka" up; then ok "up after SIGKILL ($(secs "$t"), log recovery)"; else bad "up after SIGKILL"; fi
check "same cluster id after the crash" test "$(cluster_id)" = "$id"

check "reset" "$kafka" reset
check "reset removed the data" test ! -e "$state/data"

printf '\n%d passed, %d failed\n' $pass $fail
[ $fail -eq 0 ]
