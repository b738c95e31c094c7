# FintraOS Stream. The two commands: `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
TOOLS := $(CURDIR)/.tools
BUF_VERSION := 1.75.0
PROTOC_GEN_GO_VERSION := v1.36.10
STATICCHECK_VERSION := v0.7.0
BUF := $(TOOLS)/node_modules/.bin/buf
PYARROW_VERSION := 26.0.1
PYTHON := $(TOOLS)/py/bin/python

.PHONY: pyarrow all build demo test test-short services-up services-down test-services lint bench proto tools fmt clean \
	ml-test ml-train ml-serve ml-lint validate-deploy eval-merchant test-kafka test-faults kafka-up kafka-down bench-full bench-go

all: build

build:
	$(GO) build -o bin/fintra ./cmd/fintra

## demo: the whole pipeline on the embedded broker, with a summary.
demo: build
	./bin/fintra demo --events 20000

## test: every test tier (unit, processor, golden, integration on the embedded broker and
## against the real PostgreSQL, Redis and S3 servers that deploy/local/services.sh starts).
test:
	@$(MAKE) -s pyarrow || echo "make test: pyarrow could not be installed; the lake's independent read-back check skips" >&2
	@export FINTRA_PYTHON=$(PYTHON); \
	if deploy/local/services.sh up; then eval "$$(deploy/local/services.sh env)"; \
	else echo "make test: the local services did not start; the tests that need PostgreSQL, Redis or S3 skip (and fail when CI is set)" >&2; fi; \
	$(GO) test -race -count=1 ./...
	ml/run.sh test

## test-kafka: the whole topology and the sinks against a real Apache Kafka broker (KRaft, one
## node, fetched from Maven Central by deploy/local/kafka.sh; docs/kafka.md), beside the local
## PostgreSQL, Redis and S3 servers; exact counts and sums, as on the embedded broker.
KAFKA_ENV = deploy/local/kafka.sh up && eval "$$(deploy/local/kafka.sh env)" && \
	deploy/local/services.sh up && eval "$$(deploy/local/services.sh env)" && export FINTRA_PYTHON=$(PYTHON) FINTRA_TEST_KAFKA=1
test-kafka:
	@$(MAKE) -s pyarrow || true
	@$(KAFKA_ENV) && $(GO) test -race -count=1 -run Kafka ./topologies/

## test-faults: a processor SIGKILLed and restarted, the broker restarted, each store cut off,
## poison payloads, scale-out and scale-in, on the real broker (docs/kafka.md lists what each shows).
test-faults:
	@$(MAKE) -s pyarrow || true
	@$(KAFKA_ENV) && $(GO) test -race -count=1 -timeout 15m -run Fault -v ./topologies/

kafka-up:
	deploy/local/kafka.sh up
kafka-down:
	deploy/local/kafka.sh down

## ml-test / ml-train / ml-serve: the Python side (ml/README.md, docs/ml.md): its tests (run by
## `make test`), training both guard models from `fintra guard features`, the scoring service.
ml-test:
	ml/run.sh test
ml-train:
	ml/run.sh train
ml-serve:
	ml/run.sh serve
ml-lint:
	ml/run.sh lint

## validate-deploy: the Dockerfiles, compose file, Kubernetes manifests, alert rules and CI
## workflow, checked with pinned validators (deploy/validate.sh; no Docker engine needed).
validate-deploy: build
	deploy/validate.sh

## eval-merchant: merchant resolution on the labelled descriptors beside five published
## systems' predictions; writes benchmarks/results/merchant.json.
EVAL_DATA := processors/enrich/testdata/descriptors-ntropy
eval-merchant: build
	./bin/fintra merchant eval --labels $(EVAL_DATA)/100_labeled_consumer_transactions.csv \
		--predictions $(EVAL_DATA)/benchmark_predictions.csv --out benchmarks/results/merchant.json

## services-up / services-down: the local PostgreSQL, Redis and S3 servers (deploy/local/README.md).
services-up:
	deploy/local/services.sh up
services-down:
	deploy/local/services.sh down

## test-services: the services script's own test (install, start twice, real clients, stop).
test-services:
	deploy/local/services_test.sh

test-short:
	$(GO) test -short -count=1 ./...

## bench: the pipeline benchmark's smoke scenario (fintra bench; under 3 minutes: maximum
## throughput, then latency at half of it, beside the bare franz-go chain and one goka stage),
## then the Go micro-benchmarks of the codec, parsers, ledger, enrich, guard and connect→core.
## Results, charts and profiles go to benchmarks/results/ (docs/benchmarks.md).
BENCH_OUT := benchmarks/results/go-bench-latest.txt
bench: build
	./bin/fintra bench --scenario smoke --out benchmarks/results/bench-smoke.json
	@$(MAKE) -s bench-go

## bench-full: the rate sweep, 10k/100k/1M accounts, the 30-minute soak, and the sinks scenario
## against the local PostgreSQL, Redis and S3 servers (about an hour and a half).
bench-full: build
	./bin/fintra bench --scenario full --out benchmarks/results/bench-full.json
	deploy/local/services.sh up && eval "$$(deploy/local/services.sh env)" && \
		./bin/fintra bench --scenario sinks --out benchmarks/results/bench-sinks.json

bench-go:
	@mkdir -p benchmarks/results
	@{ echo "# commit $$(git rev-parse --short HEAD) on $$(date -u +%Y-%m-%dT%H:%MZ)"; \
	   echo "# cpu: $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $$(nproc) cores, $$(free -g | awk '/Mem:/{print $$2}') GiB"; \
	   echo "# load average before: $$(cut -d' ' -f1-3 /proc/loadavg)"; } > $(BENCH_OUT)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1s ./schemas/... ./processors/... ./internal/... ./topologies/... | tee -a $(BENCH_OUT)

## lint: gofmt, go vet, staticcheck (pinned), buf lint and buf breaking against the last commit.
lint: tools
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(TOOLS)/bin/staticcheck ./...
	$(BUF) lint
	@if git rev-parse -q --verify HEAD >/dev/null && git cat-file -e HEAD:buf.yaml 2>/dev/null; then \
		$(BUF) breaking --against '.git#ref=HEAD'; \
	else echo "buf breaking: no committed schema to compare with yet"; fi

## proto: regenerate the Go code from schemas/proto (generated code is committed).
proto: tools
	$(BUF) lint
	$(BUF) generate

## pyarrow: a venv with pyarrow, the independent Parquet reader the lake tests check against.
pyarrow: $(PYTHON)
$(PYTHON):
	python3 -m venv $(TOOLS)/py
	$(TOOLS)/py/bin/pip install --quiet pyarrow==$(PYARROW_VERSION)

tools: $(BUF) $(TOOLS)/bin/protoc-gen-go $(TOOLS)/bin/staticcheck

$(BUF):
	mkdir -p $(TOOLS)
	cd $(TOOLS) && npm install --no-save --no-audit --no-fund --prefix $(TOOLS) @bufbuild/buf@$(BUF_VERSION)

$(TOOLS)/bin/protoc-gen-go:
	GOBIN=$(TOOLS)/bin $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)

$(TOOLS)/bin/staticcheck:
	GOBIN=$(TOOLS)/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
