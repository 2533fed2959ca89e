//! How much of real charts' StatefulSets and Services the spec reproduces.
//!
//! `tests/corpus/charts/` holds eight Bitnami charts exactly as `helm template` rendered them;
//! `tests/corpus/NAME.yaml` is the stsc spec written for each. Both sides get the API server's
//! defaults, then every leaf field of each StatefulSet and Service of the chart (lists keyed by
//! their merge key: `name`, `mountPath`, claim name) counts as reproduced when the build has the
//! same value at the same place. `STSC_UPDATE_DOCS=1` rewrites `docs/corpus.md`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use stsc::render::Renderer;
use stsc::source::SourceFile;
use stsc::{Compiler, KubeVersion};

const APPS: &[&str] = &[
    "mysql",
    "valkey",
    "nats",
    "consul",
    "scylladb",
    "neo4j",
    "mariadb-galera",
    "redis-cluster",
];

/// Leaf fields of a value, by path. Nulls and empty lists are what Go's `omitempty` drops on
/// the way into the API server, so they are not fields; an empty mapping (`emptyDir: {}`) is.
fn leaves(v: &Value, path: &str, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Null => {}
        Value::Array(a) if a.is_empty() => {}
        Value::Object(m) if m.is_empty() => {
            out.insert(path.to_string(), v.clone());
        }
        Value::Object(m) => {
            for (k, x) in m {
                leaves(x, &format!("{path}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                leaves(x, &format!("{path}/{}", element_key(x, i)), out);
            }
        }
        _ => {
            out.insert(path.to_string(), v.clone());
        }
    }
}

/// A list element's identity: its merge key where it has one, else its position.
fn element_key(x: &Value, i: usize) -> String {
    let by = |k: &str| x.get(k).filter(|v| !v.is_null()).map(|v| v.to_string());
    by("name")
        .or_else(|| by("mountPath"))
        .or_else(|| x.pointer("/metadata/name").map(|v| v.to_string()))
        .map_or_else(|| i.to_string(), |k| format!("[{k}]"))
}

fn yaml_1_1_octals(text: &str) -> String {
    text.lines()
        .map(|l| match l.rsplit_once(": 0") {
            Some((k, d)) if !d.is_empty() && d.bytes().all(|b| (b'0'..=b'7').contains(&b)) => {
                format!("{k}: 0o{d}\n")
            }
            _ => format!("{l}\n"),
        })
        .collect()
}

fn defaulted(mut o: Value) -> Value {
    stsc::apiserver::defaults::apply(&mut o, KubeVersion::NEWEST);
    stsc::apiserver::defaults::comparable(&mut o);
    o
}

fn key(o: &Value) -> String {
    format!(
        "{} {}",
        o["kind"].as_str().unwrap_or(""),
        o["metadata"]["name"].as_str().unwrap_or("")
    )
}

/// (reproduced, total, missing paths) for one app.
fn measure(app: &str) -> (usize, usize, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let chart = std::fs::read_to_string(root.join(format!("charts/{app}.yaml"))).unwrap();
    // Read as kubectl reads Helm's output: YAML 1.1, where `0755` is octal (stsc's loader
    // refuses the ambiguous spelling, so it is respelt `0o755`).
    let chart = yaml_1_1_octals(&chart);
    let chart: Vec<Value> = stsc::yaml::load_values(&SourceFile::new("chart", chart))
        .unwrap()
        .into_iter()
        .map(|d| d.value)
        .filter(|v| matches!(v["kind"].as_str(), Some("StatefulSet" | "Service")))
        .collect();
    let spec_path = root.join(format!("{app}.yaml"));
    let text = std::fs::read_to_string(&spec_path).unwrap();
    let compiler = Compiler::new(Renderer::new(None).unwrap(), KubeVersion::NEWEST);
    let src = Arc::new(SourceFile::new(spec_path.display().to_string(), text));
    let built = compiler.compile(&[src]);
    let problems: Vec<String> = built.findings.iter().map(|f| f.headline()).collect();
    assert!(!built.has_errors(), "{app}: {problems:#?}");
    let ours: BTreeMap<String, Value> = built
        .manifests
        .iter()
        .map(|m| (key(&m.object), defaulted(m.object.clone())))
        .collect();
    let (mut hit, mut total, mut missing) = (0, 0, Vec::new());
    for o in chart {
        let k = key(&o);
        let mut want = BTreeMap::new();
        leaves(&defaulted(o), "", &mut want);
        let mut have = BTreeMap::new();
        if let Some(b) = ours.get(&k) {
            leaves(b, "", &mut have);
        }
        for (path, v) in want {
            total += 1;
            if have.get(&path) == Some(&v) {
                hit += 1;
            } else {
                missing.push(format!("{k}: {path} = {v}"));
            }
        }
    }
    (hit, total, missing)
}

#[test]
fn corpus_specs_reproduce_their_charts() {
    let mut table = String::from("| app | fields | reproduced | share |\n|---|---:|---:|---:|\n");
    let mut details = String::new();
    let mut shares = Vec::new();
    for app in APPS {
        let (hit, total, missing) = measure(app);
        let share = hit as f64 / total as f64;
        shares.push(share);
        table.push_str(&format!(
            "| {app} | {total} | {hit} | {:.1}% |\n",
            share * 100.0
        ));
        details.push_str(&format!("\n### {app}\n\n"));
        for m in &missing {
            details.push_str(&format!("- `{m}`\n"));
        }
        if missing.is_empty() {
            details.push_str("Everything.\n");
        }
    }
    let mean = shares.iter().sum::<f64>() / shares.len() as f64;
    table.push_str(&format!("| **mean** | | | **{:.1}%** |\n", mean * 100.0));
    let doc = format!(
        "# Corpus: how much of real charts the spec reproduces\n\n\
         Generated by `tests/corpus.rs` (`STSC_UPDATE_DOCS=1 cargo test --test corpus`). Each chart in \
         `tests/corpus/charts/` is Bitnami's, rendered by `helm template` (see its README); \
         `tests/corpus/APP.yaml` is the stsc spec written for it. Both sides get the API server's \
         defaults; a field is reproduced when the build has the same value at the same place \
         (lists keyed by `name`, `mountPath` or claim name). Only the charts' StatefulSets and \
         Services are counted.\n\n{table}\n## What is not reproduced, and why\n\n\
         See the list per app below. The recurring causes: `app.kubernetes.io/managed-by` is \
         `stsc`, not `Helm`; Helm's `checksum/*` pod annotations hash Helm's own rendering \
         (stsc hashes the ConfigMaps it generates, under `checksum/config`).\n{details}"
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/corpus.md");
    if std::env::var_os("STSC_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &doc).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap_or_default(),
        doc,
        "docs/corpus.md is stale: STSC_UPDATE_DOCS=1 cargo test --test corpus"
    );
    assert!(mean >= 0.95, "mean {mean}");
}
