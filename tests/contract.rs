//! The command-line contract (issue: every refusal names the right line): exit codes, the
//! `--state` option's place, and output that every Kubernetes YAML reader reads the same way.

use std::process::Command;

fn stsc(dir: &std::path::Path, args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_stsc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("STSC_STATE")
        .env("STSC_NOW", "2026-11-23T00:00:00Z")
        .env("STSC_SEED", "1")
        .env("NO_COLOR", "1")
        .env("HOME", dir)
        .output()
        .expect("stsc runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
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
