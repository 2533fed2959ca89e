//! The fields every object shares, each read or built in one place: the metadata view,
//! owner references (typed, and which one is the controller), finalizers, and `IntOrString`.
//! The runtime keeps objects as JSON so that every field survives; these are the typed doors
//! into the few fields its decisions read. A pod's readiness lives with the pod
//! ([`super::core::Pod::ready`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The metadata fields the runtime's decisions read (`ObjectMeta` of k8s.io/apimachinery
/// `meta/v1`), borrowed from the stored object. Labels stay in the JSON: label selectors match
/// them there ([`super::selector::Selector::matches`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ObjectMeta<'a> {
    /// `name`.
    pub name: &'a str,
    /// `namespace` ("" for cluster-scoped objects).
    pub namespace: &'a str,
    /// `uid`.
    pub uid: &'a str,
    /// `resourceVersion`.
    pub resource_version: &'a str,
    /// Set while the object terminates.
    #[serde(borrow)]
    pub deletion_timestamp: Option<&'a str>,
    /// `annotations`.
    #[serde(borrow)]
    pub annotations: BTreeMap<&'a str, &'a str>,
    /// `finalizers`: while any is left, a deleted object stays.
    #[serde(borrow)]
    pub finalizers: Vec<&'a str>,
}

/// An `int32` or a string (`intstr.IntOrString`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// A count.
    Int(i32),
    /// A percentage such as `25%`.
    String(String),
}

/// A typed view of a stored object (or part of one). A field of another type than Kubernetes
/// gives it reads as a view of nothing (all absent): the API server's validation keeps such
/// objects out of the store, and a printer or controller must not fail on one.
pub fn view<'a, T: Deserialize<'a> + Default>(v: &'a Value) -> T {
    T::deserialize(v).unwrap_or_default()
}

/// `metadata.<field>` as a string ("" when absent).
pub fn meta_str<'a>(o: &'a Value, field: &str) -> &'a str {
    o["metadata"][field].as_str().unwrap_or("")
}

/// `metadata.resourceVersion` as a number (0 when absent): the order writes happened in.
pub fn resource_version(o: &Value) -> u64 {
    o["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
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

/// An owner reference (`OwnerReference` of k8s.io/apimachinery `meta/v1`: every field it has,
/// so a reference read and written back loses nothing).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OwnerReference<'a> {
    /// The owner's `apiVersion`.
    pub api_version: &'a str,
    /// The owner's kind.
    pub kind: &'a str,
    /// The owner's name (in the object's namespace).
    pub name: &'a str,
    /// The owner's uid: a reference to a deleted and recreated owner is stale.
    pub uid: &'a str,
    /// Whether the owner is the object's managing controller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    /// Whether foreground deletion of the owner waits for this object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
}

impl OwnerReference<'_> {
    /// Whether this is the controller reference.
    pub fn is_controller(&self) -> bool {
        self.controller == Some(true)
    }

    /// The reference as stored JSON.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("an owner reference serializes")
    }
}

/// The object's owner references (none when the field is absent or not a list of references,
/// which the API server's validation keeps out of the store).
pub fn owner_refs(o: &Value) -> Vec<OwnerReference<'_>> {
    if !has_owners(o) {
        return Vec::new();
    }
    view(&o["metadata"]["ownerReferences"])
}

/// The object with exactly these owner references (none: the field removed, as the API server
/// omits an empty list).
pub fn with_owner_refs(o: &Value, refs: &[OwnerReference<'_>]) -> Value {
    let mut o = o.clone();
    if refs.is_empty() {
        metadata_mut(&mut o).remove("ownerReferences");
    } else {
        let list = refs.iter().map(OwnerReference::to_value).collect();
        metadata_mut(&mut o).insert("ownerReferences".into(), list);
    }
    o
}

/// Whether the object has any owner reference.
pub fn has_owners(o: &Value) -> bool {
    o["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
}

/// The owner reference marked `controller: true`, if any.
pub fn controller_of(o: &Value) -> Option<OwnerReference<'_>> {
    owner_refs(o)
        .into_iter()
        .find(OwnerReference::is_controller)
}

/// Whether the object's controller is the object with this uid.
pub fn is_controlled_by(o: &Value, uid: &str) -> bool {
    controller_of(o).is_some_and(|r| r.uid == uid)
}

/// A controller reference to `owner` (an object of `api_version`/`kind`), as controllers write
/// them: `controller` and `blockOwnerDeletion` set.
pub fn controller_ref<'a>(
    api_version: &'a str,
    kind: &'a str,
    owner: &'a Value,
) -> OwnerReference<'a> {
    OwnerReference {
        api_version,
        kind,
        name: meta_str(owner, "name"),
        uid: meta_str(owner, "uid"),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_controller_is_the_reference_marked_so() {
        let o = json!({"metadata": {"ownerReferences": [
            {"kind": "A", "uid": "1"},
            {"kind": "B", "uid": "2", "controller": true},
        ]}});
        assert_eq!(controller_of(&o).unwrap().kind, "B");
        assert!(is_controlled_by(&o, "2"));
        assert!(!is_controlled_by(&o, "1"));
        let pod = json!({"metadata": {"name": "p", "uid": "u"}});
        assert_eq!(
            controller_ref("v1", "Pod", &pod).to_value(),
            json!({"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": "u",
                   "controller": true, "blockOwnerDeletion": true})
        );
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
}
