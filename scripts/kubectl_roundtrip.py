"""What stsc writes must mean the same to the YAML 1.1 readers Kubernetes users run.

1. Every example and every accepted test input: `stsc build` (YAML) read by the real kubectl
   offline (`kubectl label --local -f FILE probe=1 -o json` decodes as `kubectl apply` does)
   must give the objects of `stsc build --format json`, the probe label dropped.
2. Random strings as annotation values and label-free keys: `stsc build`, `build -o DIR` and the
   runtime's `get -o yaml` read back with PyYAML (YAML 1.1) and kubectl give the same strings.

Usage: kubectl_roundtrip.py STSC   (prints `kubectl-roundtrip: N passed, M failed`)
"""
import glob
import json
import os
import random
import subprocess
import sys
import tempfile

import yaml

STSC = sys.argv[1]
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("DIFFERS:", what)


def run(*args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def kubectl_decode(path):
    """The objects kubectl reads from a YAML file, with the probe label taken off again."""
    out = run("kubectl", "label", "--local", "-f", path, "probe=1", "-o", "json")
    if out.returncode != 0:
        return None, out.stderr
    dec, text, objs, i = json.JSONDecoder(), out.stdout, [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        obj, i = dec.raw_decode(text, i)
        objs.append(obj)
    for o in objs:
        labels = o["metadata"]["labels"]
        del labels["probe"]
        if not labels:
            del o["metadata"]["labels"]
    return objs, ""


def specs():
    inputs = sorted(glob.glob("examples/*.yaml")) + sorted(glob.glob("tests/inputs/*.yaml")) + sorted(glob.glob("tests/corpus/*.yaml"))
    for path in inputs:
        if run(STSC, "check", path).returncode == 0:
            yield path


def build_roundtrip(tmp):
    for spec in specs():
        yml = os.path.join(tmp, "out.yaml")
        b = run(STSC, "build", spec)
        j = run(STSC, "build", "--format", "json", spec)
        if b.returncode != 0 or j.returncode != 0:
            check(False, f"{spec}: build failed: {b.stderr}{j.stderr}")
            continue
        open(yml, "w").write(b.stdout)
        got, err = kubectl_decode(yml)
        want = json.loads(j.stdout)["items"]
        # kubectl adds labels where an object had none; nothing else may change.
        check(got == want, f"{spec}: kubectl reads other objects than stsc built {err}")


ALPHABET = list("aZ019_.-+:# '\"\\[]{},?*&!|>%@`=<~exyonT") + ["\n", "\t", "ü", "\u00a0", "\u2028"]
WORDS = ["y", "n", "yes", "no", "on", "off", "true", "NULL", "~", "", "<<", "=", "1_000",
         "0o17", "017", "0x1F", "1:20", "190:20:30.15", "2001-12-14", "2001-12-14 21:59:43.10 -5",
         ".5", "1.", "1e3", "+.inf", ".NaN", "-Infinity", "0x1p-2", "08", "1__0", "0b1_0"]


def random_strings(n, seed):
    rng = random.Random(seed)
    out = list(WORDS)
    while len(out) < n:
        k = rng.randrange(1, 9)
        out.append("".join(rng.choice(ALPHABET) for _ in range(k)))
    return out


def annotations_roundtrip(tmp):
    values = random_strings(3000, 20261201)
    ann = {f"k{i}": v for i, v in enumerate(values)}
    spec = os.path.join(tmp, "strings.json")
    # JSON is YAML: the spec itself cannot be misread.
    json.dump({"name": "strings", "image": "nginx", "annotations": ann}, open(spec, "w"))
    b = run(STSC, "build", spec)
    if b.returncode != 0:
        check(False, f"random strings: build failed: {b.stderr[:2000]}")
        return
    yml = os.path.join(tmp, "strings.yaml")
    open(yml, "w").write(b.stdout)

    def annotations_of(objs):
        sts = [o for o in objs if o and o["kind"] == "StatefulSet"][0]
        return sts["spec"]["template"]["metadata"]["annotations"]

    def compare(got, what):
        bad = [(repr(v), repr(got.get(k))) for k, v in ann.items() if got.get(k) != v]
        check(not bad, f"{what}: {len(bad)} strings read back differently, e.g. {bad[:5]}")

    compare(annotations_of(list(yaml.safe_load_all(b.stdout))), "build | PyYAML")
    objs, err = kubectl_decode(yml)
    check(objs is not None, f"build | kubectl: {err}")
    if objs:
        compare(annotations_of(objs), "build | kubectl")
    d = os.path.join(tmp, "dir")
    r = run(STSC, "build", "-o", d, spec)
    check(r.returncode == 0, f"build -o: {r.stderr}")
    sts = [f for f in glob.glob(os.path.join(d, "*.yaml")) if "statefulset" in f]
    if sts:
        compare(annotations_of([yaml.safe_load(open(sts[0]))]), "build -o DIR | PyYAML")
    state = os.path.join(tmp, "state")
    a = run(STSC, "--state", state, "apply", spec, env={**os.environ, "STSC_NOW": "2026-11-23T00:00:00Z"})
    check(a.returncode == 0, f"apply: {a.stderr[:2000]}")
    g = run(STSC, "--state", state, "get", "statefulset", "strings", "-o", "yaml")
    check(g.returncode == 0, f"get -o yaml: {g.stderr[:2000]}")
    if g.returncode == 0:
        compare(annotations_of([yaml.safe_load(g.stdout)]), "get -o yaml | PyYAML")
        open(yml, "w").write(g.stdout)
        objs, err = kubectl_decode(yml)
        check(objs is not None, f"get -o yaml | kubectl: {err}")
        if objs:
            compare(annotations_of(objs), "get -o yaml | kubectl")


with tempfile.TemporaryDirectory() as tmp:
    build_roundtrip(tmp)
    annotations_roundtrip(tmp)
print(f"kubectl-roundtrip: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
