#!/usr/bin/env bash
# The one test command: dependencies, build, Swift unit tests, then the black-box integration suite
# (real Kafka clients against the `logport broker` binary on loopback).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
swift build
swift test
python_bin="$(cat .build/itest-python)"
LOGPORT_BIN="${LOGPORT_BIN:-$PWD/.build/debug/logport}" "$python_bin" -m pytest -q tests/integration
