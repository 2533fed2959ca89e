#!/usr/bin/env bash
# Every test of the project: unit, golden CLI snapshots, the seed walk-through, doc tests.
# This is the README's test command; .ci/run calls it too.
set -euo pipefail
cd "$(dirname "$0")/.."
export INSTA_UPDATE=no CI="${CI:-true}"
cargo test --locked "$@"
