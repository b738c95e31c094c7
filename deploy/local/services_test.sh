#!/usr/bin/env bash
# deploy/local/services_test.sh — end-to-end check of services.sh: `up` twice
# (the second must be a no-op), a real client against each server, `down`.
#
#   deploy/local/services_test.sh            # leaves the servers stopped
#   KEEP_UP=1 deploy/local/services_test.sh  # leaves them running
#
# Honours the same FINTRA_SERVICES_DIR / FINTRA_*_PORT variables as services.sh.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
svc=$here/services.sh
pass=0 fail=0

ok()  { pass=$((pass + 1)); printf 'ok   %s\n' "$*"; }
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

t0=$(date +%s)
if "$svc" up; then ok "up (first, $(( $(date +%s) - t0 ))s)"; else bad "up (first)"; fi
t1=$(date +%s)
out=$("$svc" up 2>&1); rc=$?
if [ $rc -eq 0 ] && ! grep -qE 'starting|initdb|create|install' <<<"$out"; then
  ok "up (second, no-op, $(( $(date +%s) - t1 ))s)"
else
  bad "up (second): rc=$rc, output:"; printf '%s\n' "$out"
fi
check "status reports all three running" "$svc" status

eval "$("$svc" env)"
for v in FINTRA_PG_URL FINTRA_REDIS_URL FINTRA_S3_URL FINTRA_S3_ENDPOINT FINTRA_S3_PATH_STYLE \
         AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION; do
  check "env sets $v" test -n "${!v:-}"
done

# PostgreSQL: as the fintra role, through the URL the tests use.
psql_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)/psql
[ -x "$psql_bin" ] || psql_bin=psql
got=$("$psql_bin" "$FINTRA_PG_URL" -X -tAc 'select 1' 2>&1)
check "postgres: select 1 as fintra (got: $got)" test "$got" = 1
got=$("$psql_bin" "$FINTRA_PG_URL" -X -tA -v ON_ERROR_STOP=1 \
  -c 'create temp table t (v text)' -c "insert into t values ('fintra')" -c 'select v from t' 2>&1 | tail -n1)
check "postgres: create, insert, select (got: $got)" test "$got" = fintra

# Redis: set and get.
rhost=${FINTRA_REDIS_URL#redis://}; rhost=${rhost%%/*}
key=services_test:$$
redis-cli -h "${rhost%:*}" -p "${rhost##*:}" set "$key" hello ex 60 >/dev/null 2>&1
got=$(redis-cli -h "${rhost%:*}" -p "${rhost##*:}" get "$key" 2>&1)
check "redis: set/get (got: $got)" test "$got" = hello

# S3: PUT and GET of an object, signed with SigV4 by curl. curl 7.88 does not
# send x-amz-content-sha256, which versitygw requires: give it the payload hash.
bucket=${FINTRA_S3_URL#s3://}
obj=services-test/$$.txt
body="fintra services test $(date +%s%N)"
sha=$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)
s3() { curl -sS --max-time 10 --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
         --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "$@"; }
code=$(printf '%s' "$body" | s3 -o /dev/null -w '%{http_code}' -X PUT --data-binary @- \
  -H "x-amz-content-sha256: $sha" "$FINTRA_S3_ENDPOINT/$bucket/$obj" 2>&1)
check "s3: PUT $bucket/$obj (HTTP $code)" test "$code" = 200
got=$(s3 -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$FINTRA_S3_ENDPOINT/$bucket/$obj" 2>&1)
check "s3: GET returns the body" test "$got" = "$body"
# curl 7.88 signs the query string as written: keep parameters sorted and
# percent-encoded ('/' as %2F), or the server computes another signature.
got=$(s3 -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$FINTRA_S3_ENDPOINT/$bucket?list-type=2&prefix=services-test%2F" 2>&1)
check "s3: list shows the object" grep -qF "<Key>$obj</Key>" <<<"$got"
code=$(s3 -o /dev/null -w '%{http_code}' -X DELETE -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
  "$FINTRA_S3_ENDPOINT/$bucket/$obj" 2>&1)
check "s3: DELETE (HTTP $code)" test "$code" = 204

if [ "${KEEP_UP:-0}" = 1 ]; then
  echo "KEEP_UP=1: servers left running"
else
  check "down" "$svc" down
  if "$svc" status >/dev/null; then bad "status reports stopped after down"; else ok "status reports stopped after down"; fi
  check "up after down (restart)" "$svc" up
  check "down again" "$svc" down
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
