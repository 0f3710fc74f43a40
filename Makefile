# Sluice developer entry points. See README.md.
#
#   make serve          release build, then run a broker on 127.0.0.1:9092 with data in ./data
#   make test           deps, swift build + swift test + the real-client interop suite
#   make test-swift     unit and in-process tests only
#   make test-interop   debug build of `sluice`, then pytest against real Kafka clients
#   make format         swift format, in place (generated code is left as the generator writes it)
#   make lint           swift format lint --strict, as CI runs it
#   make deps           apt/pip packages for the interop suite and benchmarks (skips what is present)
#   make bench          Benchmarks/run.sh (release build; results in /tmp)
#   make codegen SPECS=/path/to/kafka/clients/src/main/resources/common/message
#                       regenerate Sources/KafkaProtocol/Generated from Kafka's JSON message specs

SWIFT   ?= swift
PYTHON  ?= python3
SPECS   ?= $(error set SPECS to a directory of Kafka JSON message specs, e.g. make codegen SPECS=../kafka/clients/src/main/resources/common/message)
SERVE_ARGS ?=

.PHONY: serve build test test-swift test-interop deps bench codegen format lint

FORMATTED = $(shell git ls-files '*.swift' | grep -v '/Generated/')

serve:
	$(SWIFT) build -c release --product sluice
	./.build/release/sluice serve $(SERVE_ARGS)

build:
	@echo '--- make build: swift build'
	$(SWIFT) build

test: deps lint build test-swift test-interop

test-swift:
	@echo '--- make test-swift: swift test'
	$(SWIFT) test

test-interop:
	@echo '--- make test-interop: pytest Interop'
	$(SWIFT) build --product sluice
	$(SWIFT) build --product sluice-client-interop
	$(PYTHON) -m pytest -q Interop

deps:
	bash scripts/install-deps.sh

bench:
	bash Benchmarks/run.sh

codegen:
	$(SWIFT) run KafkaCodegen "$(SPECS)" Sources/KafkaProtocol/Generated

format:
	$(SWIFT) format format -i $(FORMATTED)

lint:
	@echo '--- make lint: swift format lint'
	@$(SWIFT) format lint --strict $(FORMATTED) && echo "lint: clean"
