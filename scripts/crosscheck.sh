#!/usr/bin/env bash
# Cross-check stsc's validation with an independent validator, kubernetes-validate --strict
# (PyPI), and the -o DIR layout with `kubectl kustomize` when kubectl is installed.
#
# For every example and every version below: stsc's verdict when targeting that version must
# agree with kubernetes-validate's verdict on the manifests (built for the newest version, so the
# same objects are judged); examples that stsc accepts must validate.
# Usage: scripts/crosscheck.sh [STSC_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
STSC=${1:-target/release/stsc}
VERSIONS=(1.25 1.30 1.37)
VENV=target/crosscheck-venv
if [ ! -x "$VENV/bin/kubernetes-validate" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==1.37.0"
fi
KV="$VENV/bin/kubernetes-validate"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
passed=0
for ex in examples/*.yaml tests/corpus/*.yaml tests/inputs/all-forms.yaml; do
  "$STSC" build "$ex" >"$work/out.yaml" 2>/dev/null
  for v in "${VERSIONS[@]}"; do
    if "$STSC" build --kube-version "$v" "$ex" >/dev/null 2>&1; then s=pass; else s=fail; fi
    if "$KV" --strict --quiet -k "$v.0" "$work/out.yaml" >"$work/kv.log" 2>&1; then k=pass; else k=fail; fi
    if [ "$s" != "$k" ]; then
      echo "DISAGREE $ex on $v: stsc $s, kubernetes-validate $k"; cat "$work/kv.log"; fail=$((fail + 1))
    else
      echo "agree    $ex on $v: both $s"; passed=$((passed + 1))
    fi
  done
done
# Examples that must pass everywhere (queue.yaml uses ordinals, which 1.25 does not have;
# postgres.yaml a native sidecar, which needs 1.29).
for ex in examples/web.yaml examples/minimal.yaml examples/postgres.yaml; do
  for v in "${VERSIONS[@]}"; do
    if [ "$ex" = examples/postgres.yaml ] && [ "$v" = 1.25 ]; then continue; fi
    if "$STSC" build --kube-version "$v" "$ex" >/dev/null 2>&1; then passed=$((passed + 1)); else echo "FAIL $ex must build on $v"; fail=$((fail + 1)); fi
  done
done
if command -v kubectl >/dev/null 2>&1; then
  for ex in examples/*.yaml tests/inputs/all-forms.yaml; do
    rm -rf "$work/dir"
    "$STSC" build -o "$work/dir" "$ex" 2>/dev/null
    kubectl kustomize "$work/dir" >"$work/k.yaml"
    "$STSC" build "$ex" >"$work/s.yaml" 2>/dev/null
    if "$VENV/bin/python" - "$work/k.yaml" "$work/s.yaml" "$ex" <<'PY'

import sys, yaml
k = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
s = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
key = lambda o: (o["kind"], o["metadata"]["name"])
ok = sorted(k, key=key) == sorted(s, key=key)
print(("kustomize same objects: " if ok else "kustomize DIFFERS: ") + sys.argv[3])
sys.exit(0 if ok else 1)
PY
    then passed=$((passed + 1)); else fail=$((fail + 1)); fi
  done
else
  echo "kubectl not installed: kustomize check skipped"
fi
echo "== import: real charts back to specs, built again, judged by kubernetes-validate and kubectl"
for chart in tests/corpus/charts/*.yaml tests/import/charts/*.yaml; do
  if "$STSC" import --check "$chart" >"$work/check.txt" 2>/dev/null \
    && "$STSC" import "$chart" 2>/dev/null | "$STSC" build - >"$work/imported.yaml" 2>"$work/build.log" \
    && "$KV" --strict --quiet -k 1.37.0 "$work/imported.yaml" >"$work/kv.log" 2>&1 \
    && { ! command -v kubectl >/dev/null 2>&1 || kubectl label --local -f "$work/imported.yaml" probe=1 -o name >/dev/null; }; then
    echo "import   $chart: round trip exact, build valid"; passed=$((passed + 1))
  else
    echo "FAIL import $chart"; cat "$work/check.txt" "$work/build.log" "$work/kv.log" 2>/dev/null | head -20; fail=$((fail + 1))
  fi
done
echo "== kubectl round trip (YAML 1.1 readers: kubectl, PyYAML)"
if "$VENV/bin/python" scripts/kubectl_roundtrip.py "$STSC"; then passed=$((passed + 1)); else fail=$((fail + 1)); fi
echo "crosscheck: $passed passed, $fail failed"
[ "$fail" -eq 0 ]
