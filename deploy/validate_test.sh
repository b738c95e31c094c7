#!/usr/bin/env bash
# deploy/validate_test.sh — deploy/validate.sh must reject broken deployment
# files. It copies the checkout (tracked and untracked, not ignored files) to a
# temporary directory, breaks one thing at a time, runs the validator on the
# copy and checks that it fails naming the problem; then it checks that the
# unbroken copy passes.
#
#   deploy/validate_test.sh          # exit 0 only if every case behaves
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
validate=$here/validate.sh
pass=0 fail=0

ok()  { pass=$((pass + 1)); printf 'ok   %s\n' "$*"; }
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$*"; }

copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$copy")

# break NAME FILE PYTHON-REPLACEMENT EXPECTED: replace the first match of a
# literal string in FILE (inside the copy), run the validator, expect a
# non-zero exit and EXPECTED in its output, restore FILE.
break_case() {
  local name=$1 file=$copy/$2 old=$3 new=$4 expected=$5 out rc
  cp "$file" "$file.orig"
  if ! python3 - "$file" "$old" "$new" <<'PY'
import sys
path, old, new = sys.argv[1:]
text = open(path).read()
if old not in text:
    sys.exit(f"{old!r} is not in {path}")
open(path, "w").write(text.replace(old, new, 1))
PY
  then
    bad "$name: could not apply the break (the file changed?)"
    mv "$file.orig" "$file"
    return
  fi
  out=$("$validate" "$copy" 2>&1); rc=$?
  mv "$file.orig" "$file"
  if [ $rc -ne 0 ] && grep -qF -- "$expected" <<<"$out"; then
    ok "$name: rejected ($expected)"
  else
    bad "$name: rc=$rc, expected a failure mentioning: $expected"
    printf '%s\n' "$out" | sed 's/^/    /'
  fi
}

break_case "k8s: a misspelt field (strict schema)" deploy/k8s/base/core.yaml \
  "readOnlyRootFilesystem: true" "readOnlyRootFileSystem: true" \
  "additional properties 'readOnlyRootFileSystem' not allowed"
break_case "k8s: a wrong type" deploy/k8s/base/ml.yaml \
  "containerPort: 8090" "containerPort: http" \
  "containerPort': got string, want integer"
break_case "k8s: a resource file that does not exist" deploy/k8s/base/kustomization.yaml \
  "  - ml.yaml" "  - ml-typo.yaml" \
  "kustomize build deploy/k8s/base"
break_case "k8s: more replicas than partitions" deploy/k8s/overlays/production/kustomization.yaml \
  "{name: fintra-core, count: 4}" "{name: fintra-core, count: 16}" \
  "16 replicas but 12 partitions"
break_case "k8s: a container without readOnlyRootFilesystem" deploy/k8s/base/ingest.yaml \
  "readOnlyRootFilesystem: true" "readOnlyRootFilesystem: false" \
  "fintra-ingest container fintra: securityContext.readOnlyRootFilesystem is not true"
break_case "k8s: a FINTRA_ variable no flag reads" deploy/k8s/base/serve.yaml \
  "name: FINTRA_ADDR" "name: FINTRA_LISTEN_ADDR" \
  "FINTRA_LISTEN_ADDR sets no flag of fintra serve"
break_case "compose: a key the specification does not have" deploy/compose.yaml \
  "    restart: unless-stopped" "    restart_policy: unless-stopped" \
  "FAIL  compose    deploy/compose.yaml against the Compose Specification schema"
break_case "compose: a FINTRA_ variable no flag reads" deploy/compose.yaml \
  "FINTRA_PG_URL: postgres" "FINTRA_POSTGRES_URL: postgres" \
  "FINTRA_POSTGRES_URL sets no flag of fintra sink"
break_case "compose: a flag the subcommand does not have" deploy/compose.yaml \
  '["run", "--processors", "core", "--no-provision"]' '["run", "--processors", "core", "--no-provisioning"]' \
  "fintra run has no flag --no-provisioning"
break_case "compose: depends_on a service that does not exist" deploy/compose.yaml \
  "      redis:
        condition: service_healthy" "      rediss:
        condition: service_healthy" \
  "depends_on rediss, which is not a service"
break_case "compose: an env file that does not exist" deploy/compose.yaml \
  "env_file: [compose.env]" "env_file: [compose.missing.env]" \
  "env_file compose.missing.env does not exist"
break_case "docker: COPY of a source that does not exist" deploy/Dockerfile \
  "COPY sinks ./sinks" "COPY sink ./sinks" \
  "COPY sink: no such file or directory"
break_case "docker: the Go build misses a package directory" deploy/Dockerfile \
  "COPY ml/models ./ml/models" "COPY ml/models/guard ./ml/models/guard" \
  "cmd/fintra needs ml/models/ (go list -deps) but no COPY brings it into the build"
break_case "docker: a final stage running as root" deploy/ml.Dockerfile \
  "USER 10001:10001" "USER root" \
  "the final stage runs as root"
break_case "rules: invalid PromQL" deploy/k8s/base/prometheus-rules.yaml \
  "(fintra_consumer_lag)) > 10000" "(fintra_consumer_lag)) >> 10000" \
  "could not parse expression"
break_case "rules: an alert that no longer fires as its test expects" deploy/k8s/base/prometheus-rules.yaml \
  "sum by (group) (max by (group, topic) (fintra_consumer_lag)) > 10000" "sum by (group) (fintra_consumer_lag) > 10000" \
  "FAIL  rules      deploy/k8s/base/prometheus-rules.test.yaml"
break_case "workflow: a key GitHub Actions does not know" .github/workflows/ci.yml \
  "runs-on: ubuntu-24.04" "runs_on: ubuntu-24.04" \
  '"runs-on" section is missing in job "test"' 

out=$("$validate" "$copy" 2>&1); rc=$?
if [ $rc -eq 0 ]; then
  ok "the unbroken copy passes"
else
  bad "the unbroken copy fails (rc=$rc):"
  printf '%s\n' "$out" | sed 's/^/    /'
fi

printf '%d passed, %d failed\n' "$pass" "$fail"
[ "$fail" -eq 0 ]
