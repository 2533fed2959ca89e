//! The schemas of every version, and the fast validator against the `jsonschema` crate.

/// `build.rs` indexed every supported version, and each entry is the text of exactly the
/// definition or kind of that name.
#[test]
fn the_build_time_index_matches_each_bundle() {
    assert_eq!(index::DEFS.len(), VERSIONS);
    assert_eq!(index::KINDS.len(), VERSIONS);
    for v in KubeVersion::all() {
        let b = raw_bundle(v).unwrap();
        let whole: Value = serde_json::from_str(bundle_text(v)).unwrap();
        for (section, table) in [("$defs", b.defs), ("kinds", b.kinds)] {
            let get = |n: &str| {
                let e = table[b.find(table, n)?];
                Some(b.slice(e[2], e[3]))
            };
            let expected = whole[section].as_object().unwrap();
            assert_eq!(expected.len(), table.len(), "{v} {section}");
            for (name, value) in expected {
                let text = get(name).unwrap_or_else(|| panic!("{v}: no {name}"));
                assert_eq!(
                    &serde_json::from_str::<Value>(text).unwrap(),
                    value,
                    "{v} {name}"
                );
            }
            assert_eq!(get("no.such.Definition"), None);
        }
        assert!(b.def("io.k8s.api.core.v1.PodSpec").is_some());
        assert!(b.kind("apps/v1/StatefulSet").is_some());
    }
}
use super::*;

#[test]
fn versions_parse() {
    assert_eq!("1.30".parse::<KubeVersion>().unwrap().minor, 30);
    assert_eq!("v1.25.3".parse::<KubeVersion>().unwrap().minor, 25);
    assert_eq!(
        "1.24".parse::<KubeVersion>().unwrap_err(),
        "unsupported Kubernetes version \"1.24\": supported versions are 1.25 to 1.37"
    );
    assert!("banana".parse::<KubeVersion>().is_err());
}

#[test]
fn every_version_compiles_every_kind() {
    for v in KubeVersion::all() {
        let s = Schemas::new(v, Checking::Many);
        for k in KINDS {
            assert!(matches!(s.validator(k), Some(Ok(_))), "{v} {k}");
        }
    }
}

#[test]
fn strict_schema_rejects_unknown_fields() {
    let s = Schemas::new(KubeVersion::NEWEST, Checking::Many);
    let obj = serde_json::json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "a", "bogus": 1}});
    let v = s.validate(&obj);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].pointer, "/metadata/bogus");
    assert_eq!(
        v[0].message,
        "metadata: unknown field \"bogus\" (not in the Kubernetes 1.37 schema)"
    );
}

/// The fast validator against the `jsonschema` crate on mutations of every example object.
mod verdict {
    use std::sync::Arc;

    use serde_json::{json, Value};

    use super::super::*;
    use crate::compile::Compiler;
    use crate::render::Renderer;
    use crate::source::SourceFile;

    /// Every object the examples build, for `version`.
    fn objects(version: KubeVersion) -> Vec<Value> {
        let compiler = Compiler::new(Renderer::new(None).unwrap(), version);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yaml") {
                let text = std::fs::read_to_string(&p).unwrap();
                let name = p.display().to_string();
                let built = compiler.compile(&[Arc::new(SourceFile::new(name, text))]);
                out.extend(built.manifests.into_iter().map(|m| m.object));
            }
        }
        assert!(out.len() > 5, "{}", out.len());
        out
    }

    /// The object with one change at each place: each value replaced by values of every type,
    /// an unknown field added to each mapping, each field removed.
    fn mutations(obj: &Value) -> Vec<Value> {
        fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
            out.push(at.clone());
            match v {
                Value::Object(m) => {
                    for (k, x) in m {
                        pointers(x, format!("{at}/{}", crate::k8s::pointer::escape(k)), out);
                    }
                }
                Value::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        pointers(x, format!("{at}/{i}"), out);
                    }
                }
                _ => {}
            }
        }
        let mut ps = Vec::new();
        pointers(obj, String::new(), &mut ps);
        let replacements = [
            json!("x"),
            json!(7),
            json!(-1),
            json!(1.5),
            json!(2.0),
            json!(true),
            Value::Null,
            json!({}),
            json!([]),
            json!({"bogusField": 1}),
            json!(["x"]),
        ];
        let mut out = Vec::new();
        for p in ps.iter().filter(|p| !p.is_empty()) {
            for r in &replacements {
                let mut m = obj.clone();
                *m.pointer_mut(p).unwrap() = r.clone();
                out.push(m);
            }
            let (parent, last) = p.rsplit_once('/').unwrap();
            let mut m = obj.clone();
            match m.pointer_mut(parent).unwrap() {
                Value::Object(map) => {
                    map.remove(crate::k8s::pointer::unescape(last).as_ref());
                }
                Value::Array(a) => {
                    a.remove(last.parse::<usize>().unwrap());
                }
                _ => {}
            }
            out.push(m);
        }
        for p in &ps {
            let mut m = obj.clone();
            if let Some(Value::Object(map)) = m.pointer_mut(p) {
                map.insert("bogusField".into(), json!(1));
                out.push(m);
            }
        }
        out
    }

    #[test]
    fn the_quick_verdict_agrees_with_the_compiled_validator() {
        for version in [KubeVersion::NEWEST, KubeVersion { minor: 25 }] {
            let s = Schemas::new(version, Checking::Many);
            let (mut valid, mut invalid, mut abstained) = (0, 0, 0);
            for obj in objects(version) {
                let key = format!(
                    "{}/{}",
                    obj["apiVersion"].as_str().unwrap(),
                    obj["kind"].as_str().unwrap()
                );
                let i = KINDS.iter().position(|k| *k == key).unwrap();
                assert_eq!(quick_valid(version, i, &obj), Some(true), "{key}");
                for m in mutations(&obj) {
                    let full = s.explain(&m, &key).is_empty();
                    match quick_valid(version, i, &m) {
                        Some(quick) => {
                            assert_eq!(quick, full, "{key} {version}: {m}");
                            if quick {
                                valid += 1;
                            } else {
                                invalid += 1;
                            }
                        }
                        None => abstained += 1,
                    }
                }
            }
            // The test means something only if both answers occur, and abstaining is rare.
            assert!(valid > 100 && invalid > 1000, "{valid} {invalid}");
            assert!(abstained * 10 < valid + invalid, "{abstained}");
        }
    }
}
