# shopstream — every entry point a developer or CI needs.
#   make run    start the whole stack locally (synth + host builds + local runtime)
#   make test   everything CI runs: format, vet, unit, adapter, synth and e2e tests
#   make synth  write cdk.out/ (what `cdk deploy` would deploy)
#   make bench  the benchmarks quoted in the README
#   make soak   SOAK_CHECKOUTS (10000) checkouts: runtime and function RSS, state.db size

# The test recipe pipes go test into its reporter: fail if either fails.
SHELL      := bash
.SHELLFLAGS := -o pipefail -c

STAGE      ?= dev
GO         ?= go
NODE_DIR   := .tools/node
NODE       := $(abspath $(NODE_DIR))/node_modules/.bin/node
# CDK's jsii kernel needs Node >= 22; we install Node 24 from the npm registry
# into .tools/ so the machine's Node (20 on CI) is left alone.
export JSII_NODE := $(NODE)
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

GO_SOURCES := $(shell find . -name '*.go' -not -path './.tools/*' -not -path './cdk.out/*' 2>/dev/null)

.PHONY: all tools synth run test test-short lint bench bench-e2e bench-cost soak clean

all: test

$(NODE):
	npm install --no-save --no-audit --no-fund --prefix $(NODE_DIR) node@24 >/dev/null
	@$(NODE) --version >/dev/null

tools: $(NODE)
	$(GO) mod download

# Synthesize only when a Go source or the CDK config changed.
cdk.out/manifest.json: $(NODE) $(GO_SOURCES) go.mod go.sum cdk.json
	CDK_OUTDIR=cdk.out CDK_CONTEXT_JSON='{"stage":"$(STAGE)"}' $(GO) run .
	@touch $@

synth: cdk.out/manifest.json

run: cdk.out/manifest.json
	$(GO) run ./cmd/shopstream-local --assembly cdk.out --data .data/local $(ARGS)

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) mod tidy -diff

# testreport prints each package's result, failing tests' output, one line
# per skip reason and a closing "N passed, N failed, N skipped" line. In CI
# (CI=true) a skip whose reason is not on .ci/skip-allowlist fails the run.
test: tools lint
	$(GO) build -o .tools/testreport ./internal/testreport
	$(GO) test -json -count=1 -timeout 25m ./... | .tools/testreport -allow .ci/skip-allowlist $(if $(filter true,$(CI)),-strict)

# Fast tier: no Node, no long-running stack.
test-short:
	$(GO) test -short ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 200x ./eventstore/... ./emulator/...

bench-e2e: cdk.out/manifest.json
	$(GO) test -run '^$$' -bench CheckoutToOrder -benchtime 200x -timeout 30m ./tests/e2e

# The price per order, measured: ORDERS orders through the local stack,
# priced by service per 1M orders; the table is also written as JSON.
ORDERS ?= 500
bench-cost: cdk.out/manifest.json
	SHOPSTREAM_COST_ORDERS=$(ORDERS) SHOPSTREAM_COST_JSON=$(abspath .data/bench-cost.json) \
		$(GO) test -v -run '^$$' -bench CostPerOrder -benchtime 1x -timeout 30m ./tests/e2e

# soak: SOAK_CHECKOUTS (default 10000) checkouts; prints runtime and function RSS and state.db size
soak: cdk.out/manifest.json
	$(GO) test -run '^$$' -bench Soak -benchtime 1x -timeout 90m ./tests/e2e

clean:
	rm -rf cdk.out .data
