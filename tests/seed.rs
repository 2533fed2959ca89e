//! The seed walk-through's manifests, field for field: `stsc build examples/web.yaml` must contain
//! every object of `tests/fixtures/seed-manifests.yaml` with every field the seed gives (stsc may
//! add fields, such as `metadata.namespace`, never change or drop one).

use std::sync::Arc;

use serde_json::Value;
use stsc::render::Renderer;
use stsc::source::SourceFile;
use stsc::{Compiler, KubeVersion};

/// `want` is contained in `got`: maps by key (extra keys allowed), lists element by element.
fn contains(got: &Value, want: &Value, path: &str, errors: &mut Vec<String>) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            for (k, wv) in w {
                match g.get(k) {
                    Some(gv) => contains(gv, wv, &format!("{path}.{k}"), errors),
                    None => errors.push(format!("{path}.{k}: missing")),
                }
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            if g.len() != w.len() {
                errors.push(format!(
                    "{path}: {} items, the seed has {}",
                    g.len(),
                    w.len()
                ));
            }
            for (i, (gv, wv)) in g.iter().zip(w).enumerate() {
                contains(gv, wv, &format!("{path}[{i}]"), errors);
            }
        }
        _ if got == want => {}
        _ => errors.push(format!("{path}: {got} but the seed has {want}")),
    }
}

fn load(path: &str) -> Arc<SourceFile> {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    Arc::new(SourceFile::new(
        path,
        std::fs::read_to_string(full).unwrap(),
    ))
}

#[test]
fn web_example_reproduces_the_seed_for_every_supported_version() {
    let seed: Vec<Value> = stsc::yaml::load(&load("tests/fixtures/seed-manifests.yaml"))
        .unwrap()
        .into_iter()
        .map(|d| d.value)
        .collect();
    assert_eq!(seed.len(), 6);
    for version in KubeVersion::all() {
        let compiler = Compiler::new(Renderer::new(None).unwrap(), version);
        let out = compiler.compile(&[load("examples/web.yaml")]);
        assert!(!out.has_errors(), "{version}: {:?}", out.findings);
        // Two warnings: PSP is gone from every supported version, and the seed's binding names
        // the account in `default` while its other manifests carry no namespace.
        let rules: Vec<&str> = out.findings.iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["psp-removed", "unset-namespace"], "{version}");
        assert_eq!(out.manifests.len(), 6, "{version}");
        let mut errors = Vec::new();
        for want in &seed {
            let key = (&want["kind"], &want["metadata"]["name"]);
            let got = out
                .manifests
                .iter()
                .find(|m| (&m.object["kind"], &m.object["metadata"]["name"]) == key);
            match got {
                Some(m) => contains(
                    &m.object,
                    want,
                    &format!("{}/{}", key.0, key.1),
                    &mut errors,
                ),
                None => errors.push(format!("{}/{}: not generated", key.0, key.1)),
            }
        }
        assert!(errors.is_empty(), "{version}:\n{}", errors.join("\n"));
        // Helm's install order.
        let kinds: Vec<&str> = out
            .manifests
            .iter()
            .map(|m| m.object["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "ServiceAccount",
                "ClusterRole",
                "ClusterRoleBinding",
                "Service",
                "Service",
                "StatefulSet"
            ]
        );
    }
}

#[test]
fn selectors_hold_only_the_users_labels() {
    let compiler = Compiler::new(Renderer::new(None).unwrap(), KubeVersion::NEWEST);
    for example in [
        "examples/web.yaml",
        "examples/postgres.yaml",
        "examples/queue.yaml",
        "examples/minimal.yaml",
    ] {
        let src = load(example);
        let out = compiler.compile(&[src]);
        let app = &out.apps[0];
        let labels: Value = match &app.spec.labels {
            Some(l) => serde_json::to_value(l).unwrap(),
            None => serde_json::json!({"app": app.spec.name}),
        };
        for m in &out.manifests {
            let sel = match m.object["kind"].as_str().unwrap() {
                "StatefulSet" => &m.object["spec"]["selector"]["matchLabels"],
                "Service" => &m.object["spec"]["selector"],
                _ => continue,
            };
            assert_eq!(sel, &labels, "{example}: {}", m.key());
        }
    }
}
