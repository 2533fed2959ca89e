//! Golden tests of the command line: stdout, stderr and exit code together, for every example
//! and every bad input. Update with `INSTA_UPDATE=always cargo test` and read the diff.

use std::path::Path;
use std::process::{Command, Stdio};

/// Run stsc from the crate root (so file names in messages are relative) and format the result.
fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_stsc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("stsc runs");
    format!(
        "args: {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        out.status
            .code()
            .map_or("signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn rel(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .expect("inside the crate")
        .display()
        .to_string()
}

/// Extra arguments from a `# stsc-args: ...` first line.
fn header_args(path: &Path) -> Vec<String> {
    let text = std::fs::read(path).expect("readable");
    let first = String::from_utf8_lossy(&text)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    first
        .strip_prefix("# stsc-args:")
        .map(|a| a.split_whitespace().map(String::from).collect())
        .unwrap_or_default()
}

#[test]
fn examples_build() {
    insta::glob!("../examples", "*.yaml", |path| {
        insta::assert_snapshot!(run(&["build", &rel(path)]));
    });
}

#[test]
fn examples_build_json() {
    insta::assert_snapshot!(run(&["build", "--format", "json", "examples/web.yaml"]));
}

#[test]
fn bad_inputs() {
    insta::glob!("inputs", "*.yaml", |path| {
        let mut args = vec!["build".to_string()];
        args.extend(header_args(path));
        args.push(rel(path));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        insta::assert_snapshot!(run(&args));
    });
}

#[test]
fn usage_and_io_errors_exit_2() {
    insta::assert_snapshot!(run(&["build", "tests/inputs/does-not-exist.yaml"]), @r"
    args: build tests/inputs/does-not-exist.yaml
    exit: 2
    --- stdout
    --- stderr
    stsc: error: cannot read tests/inputs/does-not-exist.yaml: no such file
    ");
    insta::assert_snapshot!(run(&["build", "--kube-version", "1.24", "examples/web.yaml"]), @r#"
    args: build --kube-version 1.24 examples/web.yaml
    exit: 2
    --- stdout
    --- stderr
    error: invalid value '1.24' for '--kube-version <X.Y>': unsupported Kubernetes version "1.24": supported versions are 1.25 to 1.37

    For more information, try '--help'.
    "#);
    let out = run(&["frobnicate"]);
    assert!(out.contains("exit: 2"), "{out}");
    let out = run(&[
        "build",
        "--templates",
        "tests/inputs/no-such-dir",
        "examples/web.yaml",
    ]);
    assert!(out.contains("exit: 2\n"), "{out}");
    assert!(
        out.contains("stsc: error: cannot read templates from tests/inputs/no-such-dir"),
        "{out}"
    );
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let out = Command::new(env!("CARGO_BIN_EXE_stsc"))
        .arg("schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/stsc-spec.schema.json"),
    )
    .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), committed);
}

#[test]
fn output_dir_is_written_atomically_and_only_on_success() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out");
    let t = target.to_str().unwrap();

    // A failing build writes nothing, not even the directory.
    let out = run(&["build", "-o", t, "tests/inputs/bad-port.yaml"]);
    assert!(out.contains("exit: 1\n"), "{out}");
    assert!(!target.exists());

    let out = run(&["build", "-o", t, "examples/web.yaml"]);
    assert!(out.contains("exit: 0\n"), "{out}");
    let mut names: Vec<String> = std::fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ".stsc-files",
            "clusterrole-statefulset-cr.yaml",
            "clusterrolebinding-statefulset-rb.yaml",
            "kustomization.yaml",
            "service-nginx-lb-svc.yaml",
            "service-nginx.yaml",
            "serviceaccount-statefulset-sa.yaml",
            "statefulset-web.yaml",
        ]
    );
    let k = std::fs::read_to_string(target.join("kustomization.yaml")).unwrap();
    assert_eq!(
        k,
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- serviceaccount-statefulset-sa.yaml\n- clusterrole-statefulset-cr.yaml\n- clusterrolebinding-statefulset-rb.yaml\n- service-nginx.yaml\n- service-nginx-lb-svc.yaml\n- statefulset-web.yaml\n"
    );
    // The files hold exactly what stdout would.
    let stdout = Command::new(env!("CARGO_BIN_EXE_stsc"))
        .args(["build", "examples/web.yaml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
        .stdout;
    let joined: Vec<String> = [
        "serviceaccount-statefulset-sa.yaml",
        "clusterrole-statefulset-cr.yaml",
        "clusterrolebinding-statefulset-rb.yaml",
        "service-nginx.yaml",
        "service-nginx-lb-svc.yaml",
        "statefulset-web.yaml",
    ]
    .iter()
    .map(|f| std::fs::read_to_string(target.join(f)).unwrap())
    .collect();
    assert_eq!(joined.join("---\n"), String::from_utf8(stdout).unwrap());
}

#[test]
fn output_is_deterministic() {
    let a = run(&["build", "examples/postgres.yaml", "examples/web.yaml"]);
    let b = run(&["build", "examples/postgres.yaml", "examples/web.yaml"]);
    assert_eq!(a, b);
    assert!(a.contains("exit: 0"));
}

#[test]
fn check_formats() {
    let files = [
        "tests/inputs/bad-port.yaml",
        "examples/web.yaml",
        "examples/minimal.yaml",
    ];
    for format in ["text", "json", "sarif", "github", "junit"] {
        let mut args = vec!["check", "--format", format];
        args.extend(files);
        insta::assert_snapshot!(format!("check_{format}"), run(&args));
    }
    // Warnings fail only with --fail-on warning.
    let ok = run(&["check", "examples/web.yaml"]);
    assert!(ok.contains("exit: 0\n"), "{ok}");
    let strict = run(&["check", "--fail-on", "warning", "examples/web.yaml"]);
    assert!(strict.contains("exit: 1\n"), "{strict}");
}

#[test]
fn init_writes_a_starter_that_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.yaml");
    let p = path.to_str().unwrap();
    let out = run(&["init", "demo", "-o", p]);
    assert!(out.contains("exit: 0\n"), "{out}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("# yaml-language-server: $schema="),
        "{text}"
    );
    let out = run(&["check", p]);
    assert!(
        out.contains("exit: 0\n") && out.contains("no problems"),
        "{out}"
    );
    // Production-grade: the restricted profile holds.
    assert!(out.contains("pod security: demo meets restricted"), "{out}");
    // Never overwrites without --force.
    let out = run(&["init", "demo", "-o", p]);
    assert!(out.contains("exit: 2\n") && out.contains("exists"), "{out}");
    let out = run(&["init", "Bad_Name", "-o", "-"]);
    assert!(out.contains("exit: 1\n"), "{out}");
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = Command::new(env!("CARGO_BIN_EXE_stsc"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("build"),
            "{shell}"
        );
    }
}

#[test]
fn every_reported_rule_is_documented() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = dir.join("docs/rules.md");
    if std::env::var_os("STSC_UPDATE_DOCS").is_some() {
        std::fs::write(&path, stsc::diag::catalog::markdown()).unwrap();
    }
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        doc,
        stsc::diag::catalog::markdown(),
        "docs/rules.md is stale: STSC_UPDATE_DOCS=1 cargo test --test cli"
    );
    let mut shown = std::fs::read_to_string(dir.join("tests/cli.rs")).unwrap();
    for entry in std::fs::read_dir(dir.join("tests/snapshots")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        shown.push_str(&text);
        for part in text.split("error[").chain(text.split("warning[")).skip(1) {
            let id = part.split(']').next().unwrap();
            if id.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !id.is_empty() {
                assert!(
                    stsc::diag::catalog::rule(id).is_some(),
                    "undocumented rule {id}"
                );
            }
        }
    }
    // And the other way: every rule has a golden test showing its exact message.
    for r in stsc::diag::catalog::RULES {
        let level = r.level.as_str();
        assert!(
            shown.contains(&format!("{level}[{}]", r.id))
                || shown.contains(&format!("f[\"rule\"] == \"{}\"", r.id)),
            "rule {} has no test showing its message",
            r.id
        );
    }
}

/// `stsc check` cases: each file's first line may carry extra arguments (`# stsc-args: ...`).
#[test]
fn checks() {
    insta::glob!("checks", "*.yaml", |path| {
        let mut args = vec!["check".to_string()];
        args.extend(header_args(path));
        args.push(rel(path));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        insta::assert_snapshot!(run(&args));
    });
}

/// `--against git:REV` reads the spec as committed at REV and builds it with today's compiler.
#[test]
fn against_git_revision() {
    let dir = tempfile::tempdir().expect("tempdir");
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git runs")
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    let web =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/web.yaml"))
            .expect("example");
    let spec = dir.path().join("web.yaml");
    std::fs::write(&spec, &web).expect("write");
    git(&["init", "-q"]);
    git(&["add", "web.yaml"]);
    git(&["commit", "-qm", "web"]);
    let check = |against: &str| {
        Command::new(env!("CARGO_BIN_EXE_stsc"))
            .args([
                "check",
                "--format",
                "json",
                "--against",
                against,
                "web.yaml",
            ])
            .current_dir(dir.path())
            .output()
            .expect("stsc runs")
    };
    let same = check("git:HEAD");
    assert_eq!(same.status.code(), Some(0));
    std::fs::write(&spec, web.replace("size: 1Gi", "size: 5Gi")).expect("write");
    let changed = check("git:HEAD");
    assert_eq!(changed.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&changed.stdout).expect("json");
    let errors: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            format!(
                "{}:{} {} {}",
                f["line"], f["column"], f["rule"], f["message"]
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            r#"20:11 "immutable-field" "StatefulSet \"web\": spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden (changed spec.volumeClaimTemplates[0].spec.resources.requests.storage: \"1Gi\" → \"5Gi\")""#
        ]
    );
    // An old version that does not build is a warning, not a failure of the new one.
    std::fs::write(&spec, web.replace("replicas: 2", "replicas: two")).expect("write");
    git(&["commit", "-qam", "broken"]);
    std::fs::write(&spec, &web).expect("write");
    let skipped = check("git:HEAD");
    assert_eq!(skipped.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&skipped.stdout).expect("json");
    let against: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "against")
        .map(|f| format!("{} {} {}", f["severity"], f["file"], f["message"]))
        .collect();
    assert_eq!(
        against,
        [
            r#""warning" "git:HEAD:web.yaml" "the old version does not build (git:HEAD:web.yaml:6:11: error[invalid-type]: replicas: Invalid type: string \"two\", expected an integer); nothing to compare""#
        ]
    );
    let bad = check("git:no-such-rev");
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr),
        "stsc: error: --against git:no-such-rev: unknown revision (or not a git repository)\n"
    );
}

/// `build -o DIR --check`: exit 0 when current; a unified diff and exit 1 on drift, writing nothing.
/// A rebuild removes the files an earlier build wrote that are no longer produced.
#[test]
fn build_check_reports_drift_and_rebuild_prunes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let out_s = out.display().to_string();
    let stsc = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_stsc"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("stsc runs")
    };
    assert!(stsc(&["build", "-o", &out_s, "examples/web.yaml"])
        .status
        .success());
    let current = stsc(&["build", "-o", &out_s, "--check", "examples/web.yaml"]);
    assert_eq!(current.status.code(), Some(0));
    assert!(current.stdout.is_empty());
    assert!(String::from_utf8_lossy(&current.stderr)
        .ends_with(&format!("stsc: {out_s} is up to date (8 files)\n")));

    let sts = out.join("statefulset-web.yaml");
    let edited = std::fs::read_to_string(&sts)
        .expect("read")
        .replace("replicas: 2", "replicas: 4");
    std::fs::write(&sts, &edited).expect("write");
    std::fs::remove_file(out.join("service-nginx.yaml")).expect("rm");
    let drift = stsc(&["build", "-o", &out_s, "--check", "examples/web.yaml"]);
    assert_eq!(drift.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&drift.stdout),
        format!(
            "--- /dev/null\n+++ {out_s}/service-nginx.yaml\n@@ -0,0 +1,14 @@\n+apiVersion: v1\n+kind: Service\n+metadata:\n+  labels:\n+    app: nginx\n+  name: nginx\n+spec:\n+  clusterIP: None\n+  ports:\n+  - name: web\n+    port: 80\n+  publishNotReadyAddresses: true\n+  selector:\n+    app: nginx\n--- {out_s}/statefulset-web.yaml\n+++ {out_s}/statefulset-web.yaml\n@@ -5,7 +5,7 @@\n     app: nginx\n   name: web\n spec:\n-  replicas: 4\n+  replicas: 2\n   selector:\n     matchLabels:\n       app: nginx\n"
        )
    );
    assert!(String::from_utf8_lossy(&drift.stderr).ends_with(&format!(
        "stsc: {out_s} is out of date: 2 files differ; run the same build without --check to update it\n"
    )));
    // --check wrote nothing.
    assert_eq!(std::fs::read_to_string(&sts).expect("read"), edited);
    assert!(!out.join("service-nginx.yaml").exists());

    // Renaming the load balancer: the old file goes on rebuild, and --check shows it going.
    let spec = dir.path().join("web.yaml");
    let web =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/web.yaml"))
            .expect("read");
    std::fs::write(&spec, web.replace("name: nginx-lb-svc", "name: nginx-lb")).expect("write");
    let spec_s = spec.display().to_string();
    let renamed = stsc(&["build", "-o", &out_s, "--check", &spec_s]);
    assert!(String::from_utf8_lossy(&renamed.stdout).contains(&format!(
        "--- {out_s}/service-nginx-lb-svc.yaml\n+++ /dev/null\n"
    )));
    let rebuilt = stsc(&["build", "-o", &out_s, &spec_s]);
    assert!(String::from_utf8_lossy(&rebuilt.stderr)
        .ends_with("removed 1 stale: service-nginx-lb-svc.yaml\n"));
    assert!(!out.join("service-nginx-lb-svc.yaml").exists());
    assert!(out.join("service-nginx-lb.yaml").exists());
    assert_eq!(
        stsc(&["build", "-o", &out_s, "--check", &spec_s])
            .status
            .code(),
        Some(0)
    );
}

/// Inputs over 16 MiB are refused before they are read (a sparse file: no disk is used).
#[test]
fn oversized_file_is_refused_unread() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.yaml");
    let f = std::fs::File::create(&big).expect("create");
    f.set_len(stsc::source::MAX_FILE_BYTES as u64 + 1)
        .expect("sparse");
    let shown = big.display().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_stsc"))
        .args(["check", &shown])
        .output()
        .expect("stsc runs");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{shown}: error[file-too-large]: larger than 16 MiB, the most stsc reads from one file\n  = help: split the specs over several files\nstsc: 1 error(s), 0 warning(s)\n")
    );
}

#[test]
fn annotations_over_256_kib_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("big.yaml");
    let big = "x".repeat(300_000);
    std::fs::write(
        &spec,
        format!("name: web\nimage: nginx\nannotations:\n  note: {big}\n"),
    )
    .unwrap();
    let out = run(&["build", spec.to_str().unwrap()]).replace(spec.to_str().unwrap(), "big.yaml");
    assert_eq!(
        out,
        "args: build big.yaml\nexit: 1\n--- stdout\n--- stderr\nbig.yaml:3:1: error[annotations-too-long]: StatefulSet \"web\": spec.template.metadata.annotations: Too long: may not be more than 262144 bytes (300004 given)\nstsc: 1 error; nothing written\n"
    );
}

/// `--namespace` puts every namespaced object, and the ClusterRoleBinding's subject, in the
/// namespace, with no warning about an unset one; without it the objects carry no namespace.
#[test]
fn namespace_flag_places_every_object() {
    let out = run(&[
        "build",
        "-n",
        "shop",
        "--format",
        "json",
        "examples/web.yaml",
    ]);
    assert!(out.contains("exit: 0\n"), "{out}");
    assert!(!out.contains("unset-namespace"), "{out}");
    let json = out
        .split("--- stdout\n")
        .nth(1)
        .and_then(|s| s.split("--- stderr").next())
        .expect("stdout");
    let list: serde_json::Value = serde_json::from_str(json).expect("json");
    for o in list["items"].as_array().expect("items") {
        let kind = o["kind"].as_str().unwrap_or_default();
        let ns = &o["metadata"]["namespace"];
        match kind {
            "ClusterRole" => assert!(ns.is_null(), "{o}"),
            "ClusterRoleBinding" => assert_eq!(o["subjects"][0]["namespace"], "shop"),
            _ => assert_eq!(ns, "shop", "{kind}"),
        }
    }
    let plain = run(&["build", "--format", "json", "examples/minimal.yaml"]);
    assert!(!plain.contains("\"namespace\""), "{plain}");
}

#[test]
fn import_gives_back_the_seed_spec_from_a_kubectl_export() {
    // A `kubectl get -o yaml` List of the seed's objects (uids, managedFields, status,
    // allocated clusterIPs) and a Deployment that no spec generates.
    insta::assert_snapshot!(run(&["import", "tests/fixtures/import/web-export.yaml"]));
    let check = run(&["import", "--check", "tests/fixtures/import/web-export.yaml"]);
    assert!(
        check.contains("exit: 0\n--- stdout\n--- stderr\n"),
        "{check}"
    );
    assert!(
        check.contains("stsc: round trip exact for 1 app\n"),
        "{check}"
    );
}

#[test]
fn import_of_bad_input_names_the_file_and_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nfoo: bar\n",
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let shown = bad.display().to_string();
    let got = run(&["import", &shown, "-o", &out_dir.display().to_string()]);
    assert_eq!(
        got.replace(&shown, "bad.yaml"),
        "args: import bad.yaml -o OUT\nexit: 1\n--- stdout\n--- stderr\nstsc: error[import]: bad.yaml:4: not a Kubernetes object: `apiVersion` is missing or not a string; nothing written\n"
            .replace("-o OUT", &format!("-o {}", out_dir.display()))
    );
    assert!(!out_dir.exists());
    std::fs::write(
        &bad,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .unwrap();
    let got = run(&["import", &shown]);
    assert!(got.contains("exit: 1\n"), "{got}");
    assert!(
        got.contains("no StatefulSet among the objects: nothing to import; nothing written"),
        "{got}"
    );
}

#[test]
fn import_to_a_directory_writes_one_spec_per_app() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("specs");
    let got = run(&[
        "import",
        "tests/corpus/charts/valkey.yaml",
        "-o",
        &out.display().to_string(),
    ]);
    assert!(got.contains("exit: 0\n"), "{got}");
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["rel-valkey-primary.yaml", "rel-valkey-replicas.yaml"]
    );
    let both: Vec<String> = files
        .iter()
        .map(|f| out.join(f).display().to_string())
        .collect();
    let built = run(&["build", &both[0], &both[1]]);
    assert!(built.contains("exit: 0\n"), "{built}");
}

#[test]
fn import_of_an_object_the_api_server_refuses_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("sts.yaml");
    std::fs::write(
        &bad,
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: a}\nspec:\n  replicas: \"x\"\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers: [{name: c, image: nginx:1}]\n",
    )
    .unwrap();
    let shown = bad.display().to_string();
    let got = run(&["import", &shown]).replace(&shown, "sts.yaml");
    assert_eq!(
        got,
        "args: import sts.yaml\nexit: 1\n--- stdout\n--- stderr\nstsc: error[import]: sts.yaml:5: StatefulSet \"a\" is invalid: spec.replicas: \"x\" is not of types \"null\", \"integer\"; nothing written\n"
    );
}
