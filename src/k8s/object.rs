//! The fields every object shares, each read or built in one place: metadata strings, owner
//! references (and which one is the controller), finalizers, and whether a pod is Ready. The
//! runtime keeps objects as JSON so that every field survives; these are the typed doors into
//! the few fields its decisions read.

use serde_json::{json, Map, Value};

/// `metadata.<field>` as a string ("" when absent).
pub fn meta_str<'a>(o: &'a Value, field: &str) -> &'a str {
    o["metadata"][field].as_str().unwrap_or("")
}

/// Whether `metadata.deletionTimestamp` is set.
pub fn is_terminating(o: &Value) -> bool {
    !o["metadata"]["deletionTimestamp"].is_null()
}

/// The value as a mutable map, made an empty object first when it is not one.
pub fn obj_mut(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    v.as_object_mut().expect("made an object above")
}

/// `metadata` as a mutable map (created when missing).
pub fn metadata_mut(o: &mut Value) -> &mut Map<String, Value> {
    obj_mut(obj_mut(o).entry("metadata").or_insert_with(|| json!({})))
}

/// The object's owner references.
pub fn owner_refs(o: &Value) -> &[Value] {
    o["metadata"]["ownerReferences"]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

/// The owner reference marked `controller: true`, if any.
pub fn controller_of(o: &Value) -> Option<&Value> {
    owner_refs(o).iter().find(|r| r["controller"] == true)
}

/// Whether the object's controller is the object with this uid.
pub fn is_controlled_by(o: &Value, uid: &Value) -> bool {
    owner_refs(o)
        .iter()
        .any(|r| r["controller"] == true && r["uid"] == *uid)
}

/// A controller reference to `owner` (an object of `api_version`/`kind`), as controllers write
/// them: `controller` and `blockOwnerDeletion` set.
pub fn controller_ref(api_version: &str, kind: &str, owner: &Value) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "name": meta_str(owner, "name"),
        "uid": owner["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// Add a finalizer if absent.
pub fn add_finalizer(o: &mut Value, f: &str) {
    let m = metadata_mut(o);
    let list = m.entry("finalizers").or_insert_with(|| json!([]));
    if let Some(a) = list.as_array_mut() {
        if !a.iter().any(|x| x == f) {
            a.push(json!(f));
        }
    }
}

/// Remove a finalizer; true when it was there.
pub fn remove_finalizer(o: &mut Value, f: &str) -> bool {
    let m = metadata_mut(o);
    let mut removed = false;
    if let Some(Value::Array(a)) = m.get_mut("finalizers") {
        let before = a.len();
        a.retain(|x| x != f);
        removed = a.len() != before;
        if a.is_empty() {
            m.remove("finalizers");
        }
    }
    removed
}

/// A pod's `Ready` condition, when it is `True`.
pub fn ready_condition(pod: &Value) -> Option<&Value> {
    pod["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// Whether a pod's `Ready` condition is `True`.
pub fn is_ready(pod: &Value) -> bool {
    ready_condition(pod).is_some()
}

/// Whether a pod's phase is final (`Failed` or `Succeeded`).
pub fn is_finished(pod: &Value) -> bool {
    matches!(
        pod["status"]["phase"].as_str(),
        Some("Failed" | "Succeeded")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_controller_is_the_reference_marked_so() {
        let o = json!({"metadata": {"ownerReferences": [
            {"kind": "A", "uid": "1"},
            {"kind": "B", "uid": "2", "controller": true},
        ]}});
        assert_eq!(controller_of(&o).unwrap()["kind"], "B");
        assert!(is_controlled_by(&o, &json!("2")));
        assert!(!is_controlled_by(&o, &json!("1")));
    }

    #[test]
    fn finalizers_are_added_once_and_removed_with_the_list() {
        let mut o = json!({});
        add_finalizer(&mut o, "f");
        add_finalizer(&mut o, "f");
        assert_eq!(o["metadata"]["finalizers"], json!(["f"]));
        assert!(remove_finalizer(&mut o, "f"));
        assert!(o["metadata"].get("finalizers").is_none());
        assert!(!remove_finalizer(&mut o, "f"));
    }

    #[test]
    fn readiness_is_the_ready_condition() {
        let p = |s: &str| json!({"status": {"conditions": [{"type": "Ready", "status": s}]}});
        assert!(is_ready(&p("True")));
        assert!(!is_ready(&p("False")));
        assert!(!is_ready(&json!({})));
    }
}
