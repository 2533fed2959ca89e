#!/usr/bin/env python3
"""stsc against its peers, whole processes, one run (driven by bench/compare.sh).

Every figure is the median of several runs of one whole process, timed with the peer kit's
own timer (measure.py's run_once: wall clock around fork..reap, user+sys and peak RSS from
wait4), so stsc and the peers are measured the same way in the same minutes. Ratios compare
figures of this run only.
"""
import argparse
import json
import os
import re
import platform
import shutil
import statistics
import subprocess
import sys
import time

K8S = "1.32"  # the version kubernetes-validate checks in the kit (K8S_VERSION 1.32.0)


class Bench:
    def __init__(self, kit, stsc, out, quick):
        self.kit, self.stsc, self.out, self.quick = kit, stsc, out, quick
        sys.path.insert(0, kit)
        from measure import run_once  # the kit's timer, unchanged

        self.run_once = run_once
        self.tmp = os.path.join(out, "tmp")
        os.makedirs(self.tmp, exist_ok=True)
        self.results = {}
        self.py = os.path.join(kit, ".venv", "bin", "python")
        self.helm = {"helm4": os.path.join(kit, ".tools", "helm"),
                     "helm3": os.path.join(kit, ".tools", "helm3")}
        self.kv = os.path.join(kit, ".venv", "bin", "kubernetes-validate")
        self.chart = os.path.join(kit, "peers", "helm", "statefulset-app")
        self.floor = os.environ.get(
            "FLOOR_BIN", "/tmp/hello-floor/target/x86_64-unknown-linux-gnu/release/hello-floor")
        self.kubectl = os.environ.get("KUBECTL", shutil.which("kubectl") or "/usr/bin/kubectl")

    def work(self, n, name):
        return os.path.join(self.kit, "work", str(n), name)

    def time(self, key, cmd, runs, warmup=1, timeout=900, codes=(0,)):
        """Median wall, cpu, peak of `runs` runs; a run that exits with another code fails."""
        deadline = time.monotonic() + timeout
        for _ in range(warmup):
            if self.run_once(cmd, deadline) is None:
                break
        rs = []
        for _ in range(runs):
            r = self.run_once(cmd, deadline)
            if r is None:
                break
            if r["code"] not in codes:
                sys.exit(f"compare: {key}: exit {r['code']}: {' '.join(cmd)}")
            rs.append(r)
        if not rs:
            print(f"  {key:<34} timed out ({timeout:.0f} s)")
            return None
        m = {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu", "peak")}
        m["runs"] = len(rs)
        self.results[key] = m
        print(f"  {key:<34} {fmt_s(m['wall']):>10}  cpu {fmt_s(m['cpu']):>9}  "
              f"{m['peak']:7.1f} MiB  ({len(rs)} runs)", flush=True)
        return m

    def sh_to(self, out, *cmd):
        """A command whose stdout goes to a file, as the kit times generators."""
        return ["sh", "-c", "exec " + " ".join(shlex_quote(c) for c in cmd) + " > " + shlex_quote(out)]

    # ---- groups -----------------------------------------------------------------------
    def specs(self, n):
        """The kit's N apps as stsc specs, with the chart's container name (`nginx`; stsc's
        default would be the app's name) and the chart's headless Service, which does not
        publish not-ready addresses (stsc's default does, for peer discovery)."""
        path = os.path.join(self.tmp, f"specs-{n}.yaml")
        if not os.path.exists(path):
            with open(self.work(n, "stsc.yaml")) as f:
                text = f.read()
            img = "image: k8s.gcr.io/nginx-slim:0.8\n"
            text = text.replace(img, img + "containerName: nginx\n")
            text = re.sub(r"^headlessService: (\S+)$",
                          r"headlessService: {name: \1, publishNotReadyAddresses: false}",
                          text, flags=re.M)
            with open(path, "w") as f:
                f.write(text)
        return path

    def equiv(self):
        print("== equivalence: stsc's objects and Helm's, against the kit's reference")
        for n in (1, 1000):
            s_out = os.path.join(self.tmp, f"stsc-{n}.yaml")
            h_out = os.path.join(self.tmp, f"helm3-{n}.yaml")
            run(self.sh_to(s_out, self.stsc, "--kube-version", K8S, "build", self.specs(n)))
            run(self.sh_to(h_out, self.helm["helm3"], "template", "bench", self.chart,
                           "-f", self.work(n, "apps.yaml")))
            # stsc writes what the API server would store anyway: the namespace, and
            # apiVersion/kind in each volumeClaimTemplate. It also labels the StatefulSet and the
            # load balancer with the app label (as the kit tolerates for kustomize).
            norm = os.path.join(self.tmp, f"stsc-{n}.normalized.yaml")
            r = subprocess.run([self.py, "-c", NORMALIZE, s_out, norm], capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(r.stderr)
            for out, extra in ((norm, ["--extra-app-labels"]), (h_out, [])):
                r = subprocess.run([self.py, os.path.join(self.kit, "check-equiv.py"), out, str(n)] + extra,
                                   capture_output=True, text=True)
                print("  " + r.stdout.strip().splitlines()[-1])
                if r.returncode != 0:
                    sys.exit("compare: not the same objects, the comparison would be unfair:\n"
                             + r.stdout)
        self.results["equivalence"] = ("stsc (normalized: default namespace, volumeClaimTemplate "
                                       "apiVersion/kind, app labels) and Helm 3 both equal the kit's "
                                       "reference at N = 1 and 1,000")

    def single(self):
        runs = 10 if self.quick else 30
        print(f"== one spec, whole process ({runs} runs each; Kubernetes {K8S})")
        spec, values = self.specs(1), self.work(1, "apps.yaml")
        out = os.path.join(self.tmp, "single.yaml")
        self.time("single/stsc build", self.sh_to(out, self.stsc, "--kube-version", K8S, "build", spec), runs)
        self.results["single/stsc build"]["bytes"] = os.path.getsize(out)
        self.time("single/stsc check", [self.stsc, "--kube-version", K8S, "check", spec], runs)
        for h in ("helm4", "helm3"):
            self.time(f"single/{h} template", self.sh_to(os.path.join(self.tmp, f"{h}-1.yaml"),
                      self.helm[h], "template", "bench", self.chart, "-f", values), runs)
        self.time("single/kubernetes-validate --strict", [self.kv, "--strict", "-k", K8S + ".0",
                  "--quiet", out], max(3, runs // 3))
        if os.path.exists(self.floor):
            self.time("single/floor: hello-world process", [self.floor], runs)
            # `build` and Helm write through `sh -c 'exec ... > file'`, as the kit times them;
            # the floor for them pays the same shell.
            self.time("single/floor: hello-world via sh > file",
                      self.sh_to(os.path.join(self.tmp, "floor.txt"), self.floor), runs)

    def scale(self):
        ns = (1, 100, 1000) if self.quick else (1, 100, 1000, 10000)
        print("== N apps in one process (medians)")
        for n in ns:
            few = 3 if n >= 10000 else 5
            if self.quick:
                few = 3
            spec, values = self.specs(n), self.work(n, "apps.yaml")
            out = os.path.join(self.tmp, f"scale-stsc-{n}.yaml")
            self.time(f"scale/{n}/stsc build", self.sh_to(out, self.stsc, "--kube-version", K8S, "build", spec), few)
            size = os.path.getsize(out)
            self.results[f"scale/{n}/stsc build"]["bytes"] = size
            self.time(f"scale/{n}/stsc check", [self.stsc, "--kube-version", K8S, "check", spec], few)
            for h in ("helm4", "helm3"):
                self.time(f"scale/{n}/{h} template", self.sh_to(os.path.join(self.tmp, f"scale-{h}-{n}.yaml"),
                          self.helm[h], "template", "bench", self.chart, "-f", values), few)
            self.time(f"scale/{n}/jinja2 + pyyaml", [self.py, os.path.join(self.kit, "peers", "jinja2", "gen.py"),
                      values, "-o", os.path.join(self.tmp, f"scale-jinja2-{n}.yaml")], few)
            if n <= 1000:
                self.time(f"scale/{n}/cdk8s L1", ["node", os.path.join(self.kit, "peers", "cdk8s", "main.js"),
                          self.work(n, "apps.json"), os.path.join(self.tmp, f"scale-cdk8s-{n}")],
                          1 if n >= 1000 else 3, warmup=0 if n >= 1000 else 1)
                # Linear at about 8 ms an object: N = 1,000 is one run of ~50 s; 10,000 is left out.
                self.time(f"scale/{n}/kubernetes-validate --strict", [self.kv, "--strict", "-k", K8S + ".0",
                          "--quiet", out], 1 if n >= 1000 else 3, warmup=0 if n >= 1000 else 1)
            if n <= 100 and os.path.exists(self.kubectl):
                # kustomize is quadratic in overlays (BASELINES.md): 100 at most here.
                self.time(f"scale/{n}/kubectl kustomize", self.sh_to(os.path.join(self.tmp, f"scale-kz-{n}.yaml"),
                          self.kubectl, "kustomize", self.work(n, "kustomize")), 3)
            self.time(f"scale/{n}/floor: write the same bytes", ["sh", "-c",
                      f"exec head -c {size} /dev/zero > {shlex_quote(os.path.join(self.tmp, 'floor.bin'))}"], few)

    def runtime(self):
        n = 1000 if self.quick else 10000
        runs = 1 if self.quick else 3
        print(f"== runtime: one StatefulSet of {n:,} replicas (OrderedReady), {runs} run(s)")
        spec = os.path.join(self.tmp, f"runtime-{n}.yaml")
        with open(self.specs(1)) as f:
            text = f.read()
        with open(spec, "w") as f:
            f.write(text.replace("replicas: 2", f"replicas: {n}", 1))
        state = os.path.join(self.tmp, "state")
        keys = [f"runtime/{n}/apply (0 -> {n})", f"runtime/{n}/get pods", f"runtime/{n}/scale to 0"]
        samples = {k: [] for k in keys}
        for _ in range(runs):
            shutil.rmtree(state, ignore_errors=True)
            env = f"STSC_STATE={shlex_quote(state)} "
            cmds = [
                ["sh", "-c", env + f"exec {shlex_quote(self.stsc)} apply {shlex_quote(spec)} > /dev/null"],
                ["sh", "-c", env + f"exec {shlex_quote(self.stsc)} get pods > {shlex_quote(os.path.join(self.tmp, 'pods.txt'))}"],
                ["sh", "-c", env + f"exec {shlex_quote(self.stsc)} scale statefulset web-00001 --replicas=0 > /dev/null"],
            ]
            for k, c in zip(keys, cmds):
                r = self.run_once(c, time.monotonic() + 900)
                if r is None or r["code"] != 0:
                    sys.exit(f"compare: {k} failed")
                samples[k].append(r)
            with open(os.path.join(self.tmp, "pods.txt")) as f:
                rows = sum(1 for _ in f) - 1
            if rows != n:
                sys.exit(f"compare: get pods listed {rows} pods, not {n}")
        for k in keys:
            m = {x: statistics.median(r[x] for r in samples[k]) for x in ("wall", "cpu", "peak")}
            m["runs"] = runs
            self.results[k] = m
            print(f"  {k:<34} {fmt_s(m['wall']):>10}  cpu {fmt_s(m['cpu']):>9}  {m['peak']:7.1f} MiB")
        if "scale/1000/helm3 template" not in self.results:
            self.time("scale/1000/helm3 template", self.sh_to(os.path.join(self.tmp, "scale-helm3-1000.yaml"),
                      self.helm["helm3"], "template", "bench", self.chart, "-f", self.work(1000, "apps.yaml")), 3)

    # ---- report -----------------------------------------------------------------------
    def report(self):
        r = self.results
        lines = [f"Machine: {machine()}", f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
                 f"{version(self.stsc)}; medians of whole processes; Kubernetes {K8S} everywhere.", ""]
        single = [k for k in r if k.startswith("single/")]
        if single:
            base = r.get("single/stsc build", {}).get("wall")
            lines += ["### One spec (the pre-commit case)", "",
                      "| command | median wall | cpu | peak RSS | × stsc build |", "|---|---:|---:|---:|---:|"]
            for k in single:
                m = r[k]
                lines.append(f"| {k[7:]} | {fmt_s(m['wall'])} | {fmt_s(m['cpu'])} | {m['peak']:.1f} MiB | "
                             f"{m['wall'] / base:.1f} |" if base else "")
            lines.append("")
        scale = [k for k in r if k.startswith("scale/")]
        if scale:
            lines += ["### N apps in one process (the GitOps monorepo case)", "",
                      "| N | command | median wall | cpu | peak RSS | apps/s | × stsc build |",
                      "|---:|---|---:|---:|---:|---:|---:|"]
            for k in scale:
                _, n, tool = k.split("/", 2)
                m = r[k]
                base = r.get(f"scale/{n}/stsc build", {}).get("wall")
                lines.append(f"| {int(n):,} | {tool} | {fmt_s(m['wall'])} | {fmt_s(m['cpu'])} | {m['peak']:.1f} MiB | "
                             f"{int(n) / m['wall']:,.0f} | {m['wall'] / base:.1f} |")
            lines.append("")
        rt = [k for k in r if k.startswith("runtime/")]
        if rt:
            lines += ["### Runtime at scale", "", "| command | median wall | cpu | peak RSS |", "|---|---:|---:|---:|"]
            for k in rt:
                m = r[k]
                lines.append(f"| {k[8:]} | {fmt_s(m['wall'])} | {fmt_s(m['cpu'])} | {m['peak']:.1f} MiB |")
            lines.append("")
        lines += ["### Targets (ratios of this run)", "", "| target | measured | met |", "|---|---:|:---:|"]
        for name, value, goal, higher in self.targets():
            ok = value >= goal if higher else value <= goal
            lines.append(f"| {name} | {value:.1f}× | {'yes' if ok else '**no**'} |")
        text = "\n".join(lines) + "\n"
        with open(os.path.join(self.out, "results.md"), "w") as f:
            f.write(text)
        with open(os.path.join(self.out, "results.json"), "w") as f:
            json.dump(r, f, indent=2)
        print("\n" + text)

    def targets(self):
        r, out = self.results, []

        def w(k):
            return r.get(k, {}).get("wall")

        for cmd in ("build", "check"):
            s = w(f"single/stsc {cmd}")
            for h in ("helm3", "helm4"):
                if s and w(f"single/{h} template"):
                    out.append((f"one spec: stsc {cmd} ≥ 10× faster than {h} template",
                                w(f"single/{h} template") / s, 10, True))
            floor = "single/floor: hello-world via sh > file" if cmd == "build" else \
                "single/floor: hello-world process"
            if s and w(floor):
                out.append((f"one spec: stsc {cmd} within 5× of the hello-world floor "
                            f"({'both through sh > file' if cmd == 'build' else 'both direct'})",
                            s / w(floor), 5, False))
        n = max((int(k.split("/")[1]) for k in r if k.startswith("scale/")), default=0)
        b = w(f"scale/{n}/stsc build")
        if b:
            for h in ("helm3", "helm4"):
                if w(f"scale/{n}/{h} template"):
                    out.append((f"{n:,} apps: stsc build throughput ≥ 20× {h}'s",
                                w(f"scale/{n}/{h} template") / b, 20, True))
            kv = w("scale/1000/kubernetes-validate --strict")
            if kv:
                # kubernetes-validate is linear in objects (BASELINES.md §3): compare rates.
                out.append((f"{n:,} apps: stsc build (validating) ≥ 100× kubernetes-validate's objects/s "
                            f"(its rate at 1,000 apps)", (kv / 1000) / (b / n), 100, True))
            if w(f"scale/{n}/floor: write the same bytes"):
                out.append((f"{n:,} apps: stsc build within 10× of writing the same bytes",
                            b / w(f"scale/{n}/floor: write the same bytes"), 10, False))
        h1000 = w("scale/1000/helm3 template")
        for k in r:
            if k.startswith("runtime/") and h1000:
                out.append((f"runtime {k[8:]} faster than helm3 template of 1,000 apps (× faster)",
                            h1000 / w(k), 1, True))
        return out


NORMALIZE = r"""
import sys, yaml
L = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
D = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
with open(sys.argv[1]) as f:
    docs = [d for d in yaml.load_all(f, Loader=L) if d]
for d in docs:
    if d["metadata"].get("namespace") == "default":
        del d["metadata"]["namespace"]
    for t in d.get("spec", {}).get("volumeClaimTemplates", []) or []:
        if t.get("apiVersion") == "v1" and t.get("kind") == "PersistentVolumeClaim":
            del t["apiVersion"], t["kind"]
with open(sys.argv[2], "w") as f:
    yaml.dump_all(docs, f, Dumper=D)
"""


def shlex_quote(s):
    import shlex
    return shlex.quote(s)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"compare: {' '.join(cmd)} failed:\n{r.stderr}")


def fmt_s(s):
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def version(stsc):
    return subprocess.run([stsc, "--version"], capture_output=True, text=True).stdout.strip()


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(l for l in f if l.startswith("MemTotal")).split()[1])
            mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), {mem}, {platform.system()} {platform.release()}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kit", required=True)
    ap.add_argument("--stsc", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("groups", nargs="*", default=["equiv", "single", "scale", "runtime"])
    a = ap.parse_args()
    b = Bench(a.kit, a.stsc, a.out, a.quick)
    for g in a.groups:
        getattr(b, g)()
    b.report()


if __name__ == "__main__":
    main()
