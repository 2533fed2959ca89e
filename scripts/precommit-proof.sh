#!/usr/bin/env bash
# Prove .pre-commit-hooks.yaml with the real pre-commit (from PyPI) on a throwaway git repository:
# a good spec passes, a bad one fails and names its line. Both hooks: `stsc-check` (language: rust,
# built by pre-commit from this repository at HEAD) and `stsc-check-system` (the stsc on PATH).
# Usage: scripts/precommit-proof.sh [path/to/stsc]   (default target/release/stsc)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
stsc="$(cd "$(dirname "${1:-$root/target/release/stsc}")" && pwd)/$(basename "${1:-stsc}")"
venv="$root/target/precommit-venv"
if [ ! -x "$venv/bin/pre-commit" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'pre-commit==4.*'
fi
rev="$(git -C "$root" rev-parse HEAD)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
keep_log() { cp "$work/repo/bad.log" "$root/target/precommit-bad.log" 2>/dev/null || true; }
export PRE_COMMIT_HOME="$work/cache" PATH="$(dirname "$stsc"):$PATH"
# Reuse this checkout's build for the language: rust hook (cargo install honours it).
export CARGO_TARGET_DIR="$root/target"
cd "$work"
git init -q repo && cd repo
git config user.email ci@example.com && git config user.name ci
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $root
    rev: $rev
    hooks:
      - id: stsc-check
      - id: stsc-check-system
YAML
cp "$root/examples/web.yaml" web.stsc.yaml
git add .pre-commit-config.yaml web.stsc.yaml
pass=0 fail=0
ok()  { echo "precommit: ok: $*"; pass=$((pass + 1)); }
bad() { echo "precommit: FAILED: $*"; fail=$((fail + 1)); }
if "$venv/bin/pre-commit" run --all-files > good.log 2>&1; then ok "good spec passes"; else cat good.log; bad "good spec"; fi
printf 'name: db\nimage: postgres:16\nreplicas: -1\nports:\n  - name: pg\n    port: 70000\n' > db.stsc.yaml
git add db.stsc.yaml
if "$venv/bin/pre-commit" run --all-files > bad.log 2>&1; then cat bad.log; bad "bad spec passed"; else ok "bad spec fails"; fi
for hook in "^stsc check\.\+Failed" "^stsc check (installed binary)\.\+Failed"; do
  if grep -q "$hook" bad.log; then ok "hook reports failure: $hook"; else cat bad.log; bad "$hook"; fi
done
for want in "db.stsc.yaml:3:11: error\[out-of-range\]" "db.stsc.yaml:6:11: error\[invalid-port\]"; do
  if grep -q "$want" bad.log; then ok "shows $want"; else cat bad.log; bad "missing $want"; fi
done
keep_log
echo "precommit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
