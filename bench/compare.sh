#!/usr/bin/env bash
# stsc side by side with the tools users would pick instead, in one run on this machine.
#
# Usage: bench/compare.sh [--quick] [GROUP ...]    GROUP: equiv single scale runtime (default: all)
#   --quick: fewer runs and N up to 1,000 (a few minutes; the figures are rougher)
#
# It copies the peer kit (../shared/bench: Helm 3 and 4, kubectl kustomize, kubernetes-validate,
# cdk8s, a Jinja2 generator, the timer and the workload generator) to target/compare/kit, runs
# its setup.sh there (registries only; idempotent), builds stsc --release, checks that stsc's
# objects and Helm's are the same, then times every tool as a whole process with the kit's own
# timer and writes target/compare/results.md (the tables of docs/benchmarks.md) and
# target/compare/results.json. Environment: STSC_PEER_KIT (the kit's folder),
# STSC_COMPARE_DIR (the work folder).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KIT_SRC="${STSC_PEER_KIT:-}"
if [[ -z "$KIT_SRC" ]]; then
  # The workspace keeps the kit beside the repository (shared/bench).
  for c in "$ROOT/../shared/bench" "$ROOT/../../shared/bench"; do
    [[ -f "$c/setup.sh" ]] && { KIT_SRC="$c"; break; }
  done
fi
WORK="${STSC_COMPARE_DIR:-$ROOT/target/compare}"
KIT="$WORK/kit"

if [[ -z "$KIT_SRC" || ! -f "$KIT_SRC/setup.sh" ]]; then
  echo "compare: no peer kit at $KIT_SRC (set STSC_PEER_KIT)" >&2
  exit 2
fi
mkdir -p "$KIT"
# The kit's folder is read-only; its setup writes next to its scripts.
cp -R "$KIT_SRC"/. "$KIT"/
chmod -R u+w "$KIT"
echo "== peer kit setup ($KIT)"
(cd "$KIT" && ./setup.sh) | sed 's/^/  /'
echo "== stsc release build"
(cd "$ROOT" && cargo build --release --locked --quiet)
exec "$KIT/.venv/bin/python" "$ROOT/bench/compare.py" --kit "$KIT" --stsc "$ROOT/target/release/stsc" \
  --out "$WORK" "$@"
