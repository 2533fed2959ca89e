//! The command-line contract (issue: every refusal names the right line): exit codes, the
//! `--state` option's place, and output that every Kubernetes YAML reader reads the same way.

use std::process::Command;

/// Run stsc from the crate root at a fixed clock and seed, with `env` on top.
fn stsc_env(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> (String, String, i32) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stsc"));
    c.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("STSC_STATE")
        .env("STSC_NOW", "2026-11-23T00:00:00Z")
        .env("STSC_SEED", "1")
        .env("NO_COLOR", "1")
        .env("HOME", dir);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("stsc runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn stsc(dir: &std::path::Path, args: &[&str]) -> (String, String, i32) {
    stsc_env(dir, &[], args)
}

#[test]
fn state_goes_before_or_after_the_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("st");
    let st = state.to_str().unwrap();
    let (_, err, code) = stsc(dir.path(), &["--state", st, "apply", "examples/web.yaml"]);
    assert_eq!(code, 0, "{err}");
    let (out, err, code) = stsc(dir.path(), &["get", "statefulset", "--state", st]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("web    2/2"), "{out}");
}

/// A label key `y`, a namespace `no`, values that YAML 1.1 reads as ints, bools and dates:
/// quoted in `build` output and in `get -o yaml`.
#[test]
fn yaml_1_1_words_are_quoted_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("s.yaml");
    std::fs::write(
        &spec,
        "name: web\nnamespace: \"no\"\nimage: nginx\nlabels:\n  \"y\": \"on\"\n  app: \"1_000\"\nannotations:\n  a: \"2001-12-14\"\n  b: \"1:20\"\n  c: \"<<\"\n",
    )
    .unwrap();
    let sp = spec.to_str().unwrap();
    let (out, err, code) = stsc(dir.path(), &["build", sp]);
    assert_eq!(code, 0, "{err}");
    for line in [
        "namespace: 'no'",
        "'y': 'on'",
        "app: '1_000'",
        "a: '2001-12-14'",
        "b: '1:20'",
        "c: '<<'",
    ] {
        assert!(out.contains(line), "{line} in {out}");
    }
    let st = dir.path().join("st");
    let (_, err, code) = stsc(dir.path(), &["apply", sp, "--state", st.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (out, err, code) = stsc(
        dir.path(),
        &[
            "get",
            "statefulset",
            "web",
            "-n",
            "no",
            "-o",
            "yaml",
            "--state",
            st.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    for line in [
        "namespace: \"no\"",
        "\"y\": \"on\"",
        "app: \"1_000\"",
        "a: \"2001-12-14\"",
    ] {
        assert!(out.contains(line), "{line} in {out}");
    }
}

/// A state with the seed's app in it; returns the folder and its path as text.
fn applied() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("st").to_str().unwrap().to_string();
    let (_, err, code) = stsc(dir.path(), &["--state", &st, "apply", "examples/web.yaml"]);
    assert_eq!(code, 0, "{err}");
    (dir, st)
}

#[test]
fn replicas_past_int32_are_refused_before_anything_is_allocated() {
    let (dir, st) = applied();
    let (_, err, code) = stsc(
        dir.path(),
        &[
            "--state",
            &st,
            "scale",
            "statefulset",
            "web",
            "--replicas=3000000000",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("strconv.ParseInt: parsing \"3000000000\": value out of range"),
        "{err}"
    );
    let (out, _, _) = stsc(dir.path(), &["--state", &st, "get", "statefulset"]);
    assert!(out.contains("web    2/2"), "{out}");
}

#[test]
fn a_bad_clock_or_seed_is_a_usage_error_not_a_panic() {
    let (dir, st) = applied();
    for (var, val, want) in [
        ("STSC_NOW", "garbage", "STSC_NOW: invalid time \"garbage\""),
        ("STSC_NOW", "99999999999999999999", "STSC_NOW: invalid time"),
        ("STSC_SEED", "x", "STSC_SEED: invalid seed \"x\""),
    ] {
        let (_, err, code) = stsc_env(dir.path(), &[(var, val)], &["--state", &st, "get", "pods"]);
        assert_eq!(code, 2, "{var}={val}: {err}");
        assert!(err.contains(want), "{err}");
    }
}

#[test]
fn manifests_get_the_api_servers_checks_and_unknown_kinds_are_named() {
    let (dir, st) = applied();
    let dep = dir.path().join("dep.yaml");
    std::fs::write(
        &dep,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec: {}\n",
    )
    .unwrap();
    let (out, err, code) = stsc(
        dir.path(),
        &["--state", &st, "apply", "-f", dep.to_str().unwrap()],
    );
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(
        err.contains("stsc's runtime does not run Deployment objects (\"d\")"),
        "{err}"
    );
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: x\nspec:\n  serviceName: x\n  selector:\n    matchLabels: {app: x}\n  template:\n    metadata:\n      labels: {app: y}\n    spec:\n      containers:\n      - name: c\n        image: nginx\n").unwrap();
    let (out, err, code) = stsc(
        dir.path(),
        &["--state", &st, "apply", "-f", bad.to_str().unwrap()],
    );
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_eq!(err, "The StatefulSet \"x\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{app:y}: `selector` does not match template `labels`\n");
    let (out, _, _) = stsc(dir.path(), &["--state", &st, "get", "statefulset"]);
    assert!(!out.contains("\nx "), "nothing applied: {out}");
}

#[test]
fn io_problems_exit_2_and_a_truncated_state_is_reported_not_replaced() {
    let (dir, st) = applied();
    for args in [
        &["apply", "-f", "no/such.yaml"][..],
        &["apply", "no/such.yaml"],
    ] {
        let mut a = vec!["--state", st.as_str()];
        a.extend_from_slice(args);
        let (_, err, code) = stsc(dir.path(), &a);
        assert_eq!(code, 2, "{args:?}: {err}");
    }
    let db = std::path::Path::new(&st).join("state.redb");
    std::fs::write(&db, "").unwrap();
    let (_, err, code) = stsc(dir.path(), &["--state", &st, "get", "pods"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the file is empty (zero length)"), "{err}");
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "left as it was");
}

#[test]
fn delete_prints_kubectls_words() {
    let (dir, st) = applied();
    let (out, _, code) = stsc(dir.path(), &["--state", &st, "delete", "pod", "web-1"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("pod \"web-1\" deleted\n"), "{out}");
    let (out, _, _) = stsc(
        dir.path(),
        &["--state", &st, "delete", "statefulset", "web"],
    );
    assert!(
        out.starts_with("statefulset.apps \"web\" deleted\n"),
        "{out}"
    );
}

#[test]
fn apply_prints_the_warnings_build_prints() {
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("st");
    let (_, err, code) = stsc(
        dir.path(),
        &[
            "--state",
            st.to_str().unwrap(),
            "apply",
            "tests/inputs/negative-history.yaml",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning[negative-history-limit]"), "{err}");
}

/// StatefulSetStartOrdinal is alpha (off) on 1.26: `build` warns that pods start at 0, and the
/// runtime starts them at 0.
#[test]
fn ordinals_on_1_26_start_at_zero_in_the_runtime_too() {
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("st");
    let st = st.to_str().unwrap();
    let (_, err, code) = stsc(
        dir.path(),
        &[
            "--kube-version",
            "1.26",
            "--state",
            st,
            "apply",
            "examples/queue.yaml",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (out, _, _) = stsc(
        dir.path(),
        &["--kube-version", "1.26", "--state", st, "get", "pods"],
    );
    assert!(out.contains("rabbit-0 "), "{out}");
}

/// A spec whose label key holds ESC and other control characters, in a file name with a space.
fn hostile_spec(dir: &std::path::Path) -> String {
    let spec = dir.join("my app.yaml");
    std::fs::write(
        &spec,
        "name: web\nimage: nginx\nlabels:\n  \"a\\e[31mred\\u0001\": x\n",
    )
    .unwrap();
    spec.to_str().unwrap().to_string()
}

#[test]
fn reports_never_pass_control_characters_and_sarif_uris_are_encoded() {
    let dir = tempfile::tempdir().unwrap();
    let spec = hostile_spec(dir.path());
    for format in ["text", "github", "junit", "sarif", "json"] {
        let (out, err, code) = stsc(dir.path(), &["check", "--format", format, &spec]);
        assert_eq!(code, 1, "{format}: {err}");
        let all = format!("{out}{err}");
        assert!(!all.contains('\u{1b}'), "{format} passes ESC: {all:?}");
        if format == "junit" {
            let bad = all
                .chars()
                .find(|c| (*c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'));
            assert_eq!(bad, None, "not XML 1.0: {all:?}");
            assert!(!all.contains("&#1;") && !all.contains("&#27;"), "{all}");
        }
    }
    // Relative path as the user gave it: percent-encoded.
    let rel = tempfile::Builder::new()
        .prefix("sarif")
        .tempdir_in(env!("CARGO_MANIFEST_DIR"))
        .unwrap();
    let name = hostile_spec(rel.path());
    let relname = name
        .strip_prefix(concat!(env!("CARGO_MANIFEST_DIR"), "/"))
        .unwrap();
    let (out, _, _) = stsc(dir.path(), &["check", "--format", "sarif", relname]);
    let encoded = relname.replace(' ', "%20");
    assert!(out.contains(&format!("\"uri\": \"{encoded}\"")), "{out}");
}

/// `kubectl get -o yaml` of the seed's StatefulSet as a cluster stores it: no namespace written,
/// `creationTimestamp: null` in the templates, a claim template `status`, the size as `1024Mi`.
const EXPORTED_WEB: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
  labels:
    app: nginx
spec:
  replicas: 2
  serviceName: nginx
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      creationTimestamp: null
      labels:
        app: nginx
    spec:
      serviceAccountName: statefulset-sa
      containers:
      - name: nginx
        image: k8s.gcr.io/nginx-slim:0.8
        ports:
        - containerPort: 80
          name: web
        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      creationTimestamp: null
      name: www
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: statefulset-storageclass
      resources:
        requests:
          storage: 1024Mi
    status:
      phase: Pending
";

#[test]
fn against_compares_what_the_api_server_compares() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.yaml");
    std::fs::write(&old, EXPORTED_WEB).unwrap();
    let (out, err, code) = stsc(
        dir.path(),
        &[
            "check",
            "--against",
            old.to_str().unwrap(),
            "examples/web.yaml",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("immutable-field"), "{err}");
    // The same export scaled to the int32 maximum: a bounded summary, not two billion names.
    let huge = EXPORTED_WEB.replace("replicas: 2", "replicas: 2147483647");
    std::fs::write(&old, huge).unwrap();
    let (out2, err, code) = stsc(
        dir.path(),
        &[
            "check",
            "--against",
            old.to_str().unwrap(),
            "examples/web.yaml",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let err = format!("{out2}{err}");
    assert!(
        err.contains("replicas 2147483647 → 2 removes pods web-2, web-3, web-4, web-5, web-6 and 2147483640 more and leaves PersistentVolumeClaims www-web-2, www-web-3, www-web-4, www-web-5, www-web-6 and 2147483640 more behind"),
        "{err}"
    );
    assert!(err.len() < 4000, "{} bytes", err.len());
    // An empty OLD is not "no problems".
    std::fs::write(&old, "").unwrap();
    let (_, err, code) = stsc(
        dir.path(),
        &[
            "check",
            "--against",
            old.to_str().unwrap(),
            "examples/web.yaml",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no Kubernetes objects in it"), "{err}");
}

/// `-o DIR` for real repositories: one app in two namespaces, files the user added to the
/// kustomization, the kustomization's own fields, portable names.
#[test]
fn output_dir_keeps_what_the_user_added_and_tells_namespaces_apart() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("two.yaml");
    std::fs::write(
        &spec,
        "name: web\nnamespace: staging\nimage: nginx\n---\nname: web\nnamespace: prod\nimage: nginx\nserviceAccount:\n  name: web\n  podSecurityPolicy: privileged\n  clusterRole: \"system:web-psp\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let (o, s) = (out.to_str().unwrap(), spec.to_str().unwrap());
    let (_, err, code) = stsc(dir.path(), &["build", "-o", o, s]);
    assert_eq!(code, 0, "{err}");
    let names = |d: &std::path::Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let got = names(&out);
    for want in [
        "statefulset-web.prod.yaml",
        "statefulset-web.staging.yaml",
        "service-web.prod.yaml",
        "serviceaccount-web.yaml",
        "clusterrole-system_web-psp.yaml",
    ] {
        assert!(got.contains(&want.to_string()), "{want} in {got:?}");
    }
    assert!(got.iter().all(|n| !n.contains(':')), "{got:?}");
    // The user adds a ConfigMap and a namespace transformer to the kustomization.
    std::fs::write(
        out.join("configmap-extra.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
    )
    .unwrap();
    let k = std::fs::read_to_string(out.join("kustomization.yaml")).unwrap();
    let k = k.replace(
        "resources:\n",
        "commonLabels:\n  team: db\nresources:\n- configmap-extra.yaml\n",
    );
    std::fs::write(out.join("kustomization.yaml"), k).unwrap();
    let (_, err, code) = stsc(dir.path(), &["build", "-o", o, s]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.join("configmap-extra.yaml").exists(),
        "the user's file stays"
    );
    let k = std::fs::read_to_string(out.join("kustomization.yaml")).unwrap();
    assert!(
        k.contains("- configmap-extra.yaml\n") && k.contains("commonLabels:\n  team: db\n"),
        "{k}"
    );
    let (_, err, code) = stsc(dir.path(), &["build", "-o", o, "--check", s]);
    assert_eq!(code, 0, "a rebuild is current: {err}");
    let after = names(&out);
    assert!(
        after
            .iter()
            .all(|n| !n.contains("stsc-tmp") && !n.contains("stsc-old")),
        "{after:?}"
    );
}

/// matchExpressions in the controller, set-based `-l`, kubectl's message for a bad selector,
/// several TYPE/NAME in one `get`.
#[test]
fn selectors_follow_upstream() {
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("st");
    let st = st.to_str().unwrap();
    let f = dir.path().join("expr.yaml");
    std::fs::write(
        &f,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  clusterIP: None\n  selector:\n    app: db\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  replicas: 2\n  serviceName: db\n  selector:\n    matchExpressions:\n    - {key: app, operator: In, values: [db, database]}\n    - {key: canary, operator: DoesNotExist}\n  template:\n    metadata:\n      labels: {app: db, tier: data}\n    spec:\n      containers:\n      - name: c\n        image: postgres:16\n",
    )
    .unwrap();
    let (_, err, code) = stsc(
        dir.path(),
        &["--state", st, "apply", "-f", f.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let (out, _, _) = stsc(
        dir.path(),
        &[
            "--state",
            st,
            "get",
            "pods",
            "-l",
            "tier in (data, cache),!canary",
        ],
    );
    assert!(out.contains("db-0 ") && out.contains("db-1 "), "{out}");
    let (out, _, _) = stsc(
        dir.path(),
        &["--state", st, "get", "pods", "-l", "tier notin (data)"],
    );
    assert!(!out.contains("db-0"), "{out}");
    let (_, err, code) = stsc(
        dir.path(),
        &["--state", st, "get", "pods", "-l", "tier in data"],
    );
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "error: unable to parse requirement: found 'data', expected: '('\n"
        )
    );
    let (out, err, code) = stsc(
        dir.path(),
        &["--state", st, "get", "statefulset/db", "pod/db-1"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("statefulset.apps/db   2/2") && out.contains("pod/db-1 "),
        "{out}"
    );
}

/// Objects go only into namespaces that exist or are created, as on a real cluster; a spec's
/// namespace is made for it.
#[test]
fn namespaces_must_exist_or_be_created() {
    let dir = tempfile::tempdir().unwrap();
    let st = dir.path().join("st");
    let st = st.to_str().unwrap();
    let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n  namespace: team\nspec:\n  serviceName: db\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: c\n        image: postgres:16\n";
    let f = dir.path().join("sts.yaml");
    std::fs::write(&f, sts).unwrap();
    let (out, err, code) = stsc(
        dir.path(),
        &["--state", st, "apply", "-f", f.to_str().unwrap()],
    );
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (
            1,
            "",
            "Error from server (NotFound): namespaces \"team\" not found\n"
        )
    );
    std::fs::write(
        &f,
        format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n---\n{sts}"),
    )
    .unwrap();
    let (out, err, code) = stsc(
        dir.path(),
        &["--state", st, "apply", "-f", f.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("namespace/team created\nstatefulset.apps/db created\n"),
        "{out}"
    );
    let (out, _, _) = stsc(dir.path(), &["--state", st, "get", "ns"]);
    assert!(out.contains("team   Active"), "{out}");
    let spec = dir.path().join("s.yaml");
    std::fs::write(&spec, "name: web\nnamespace: shop\nimage: nginx\n").unwrap();
    let (out, err, code) = stsc(
        dir.path(),
        &["--state", st, "apply", spec.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("namespace/shop created\n"), "{out}");
}
