#!/usr/bin/env bash
# Regenerates Sources/KafkaProtocol/Generated and the round-trip samples from Kafka's specs.
# Usage: Tools/KafkaCodegen/generate.sh <spec-dir>
# The spec dir holds clients/src/main/resources/common/message/*.json of an Apache Kafka checkout.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
spec_dir="${1:?usage: generate.sh <spec-dir>}"
cd "$root"
swift run KafkaCodegen "$spec_dir" Sources/KafkaProtocol/Generated \
    --tests-output Tests/KafkaProtocolTests/Generated
