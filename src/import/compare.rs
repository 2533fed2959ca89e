//! When two objects are the same to the API server: both get its defaults, then lose what it
//! would not store (Go's `omitempty`: nulls, empty lists, empty label maps, an empty
//! `resources`). [`leaves`] lists an object's fields by path, lists keyed by their merge key, to
//! count how many fields a build reproduces.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::k8s::version::KubeVersion;

/// `o` as the API server would store it, for comparison.
pub fn normalized(o: &Value, v: KubeVersion) -> Value {
    let mut o = o.clone();
    crate::k8s::defaults::apply(&mut o, v);
    crate::k8s::defaults::comparable(&mut o);
    prune(&mut o, false);
    o
}

/// Map-typed fields: empty, Go's `omitempty` drops them (an empty struct such as
/// `emptyDir: {}` is kept).
const MAPS: &[&str] = &[
    "labels",
    "annotations",
    "selector",
    "nodeSelector",
    "data",
    "matchLabels",
    "binaryData",
];

/// Drop what `omitempty` drops; `data` is a map whose values (even `""`) are kept.
fn prune(v: &mut Value, data: bool) {
    match v {
        Value::Object(m) => {
            m.retain(|k, x| {
                let map = MAPS.contains(&k.as_str());
                prune(x, map);
                let empty_map =
                    x.as_object().is_some_and(|o| o.is_empty()) && (map || k == "resources");
                let empty_text = !data && x.as_str() == Some("");
                !(x.is_null() || x.as_array().is_some_and(Vec::is_empty) || empty_map || empty_text)
            });
        }
        Value::Array(a) => a.iter_mut().for_each(|x| prune(x, false)),
        _ => {}
    }
}

/// Leaf fields of a value by path. An empty mapping (`emptyDir: {}`) is a field.
pub fn leaves(v: &Value, path: &str, out: &mut BTreeMap<String, Value>) {
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

/// How many leaf fields of either object the other has with the same value: (same, total).
/// A field the build adds counts against it as much as one it misses.
pub fn reproduced(want: &Value, have: Option<&Value>) -> (usize, usize) {
    let mut w = BTreeMap::new();
    leaves(want, "", &mut w);
    let mut h = BTreeMap::new();
    if let Some(have) = have {
        leaves(have, "", &mut h);
    }
    let same = w.iter().filter(|(p, v)| h.get(*p) == Some(v)).count();
    let extra = h.keys().filter(|p| !w.contains_key(*p)).count();
    (same, w.len() + extra)
}

/// The fields where two objects differ, both ways: `path: want (have)`, and `order` when the
/// fields agree but a list's order does not.
pub fn differences(want: &Value, have: &Value) -> Vec<String> {
    let (mut w, mut h) = (BTreeMap::new(), BTreeMap::new());
    leaves(want, "", &mut w);
    leaves(have, "", &mut h);
    let mut out: Vec<String> = Vec::new();
    for (p, v) in &w {
        match h.get(p) {
            Some(x) if x == v => {}
            Some(x) => out.push(format!("{p}: {v} (built: {x})")),
            None => out.push(format!("{p}: {v} (built: nothing)")),
        }
    }
    for (p, x) in &h {
        if !w.contains_key(p) {
            out.push(format!("{p}: nothing (built: {x})"));
        }
    }
    if out.is_empty() && want != have {
        out.push("the order of a list".to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_the_server_would_not_store_is_not_a_difference() {
        let a = json!({"kind": "ConfigMap", "metadata": {"name": "a", "labels": {}}, "data": {"k": "v"}, "x": null, "l": []});
        let b = json!({"kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}});
        assert_eq!(normalized(&a, KubeVersion::NEWEST), b);
    }

    #[test]
    fn differences_name_each_field_both_ways_and_a_reordering() {
        let want = json!({"a": 1, "l": [{"name": "x"}, {"name": "y"}]});
        let have = json!({"b": 2, "l": [{"name": "y"}, {"name": "x"}]});
        assert_eq!(
            differences(&want, &have),
            vec!["/a: 1 (built: nothing)", "/b: nothing (built: 2)"]
        );
        let have = json!({"a": 1, "l": [{"name": "y"}, {"name": "x"}]});
        assert_eq!(differences(&want, &have), vec!["the order of a list"]);
    }
}
