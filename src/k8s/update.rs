//! Update validation: what the API server refuses when an object already exists
//! (`ValidateStatefulSetUpdate`, Service cluster IP immutability). Pure functions over
//! defaulted objects.

use serde_json::Value;

use crate::k8s::pointer::display_path;
use crate::k8s::version::KubeVersion;

/// One field whose value differs between the stored and the new object.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// JSON pointer in the object (`/spec/volumeClaimTemplates/0/spec/resources/requests/storage`).
    pub pointer: String,
    /// The stored value (`None`: absent).
    pub old: Option<Value>,
    /// The new value (`None`: removed).
    pub new: Option<Value>,
}

impl FieldChange {
    /// `spec.x: "a" → "b"` for people.
    pub fn describe(&self) -> String {
        let show = |v: &Option<Value>| match v {
            None => "(unset)".to_string(),
            Some(v) => serde_json::to_string(v).unwrap_or_default(),
        };
        format!(
            "{}: {} → {}",
            display_path(&self.pointer),
            show(&self.old),
            show(&self.new)
        )
    }
}

/// Spec fields of a StatefulSet that an update may change, by version (upstream's message order).
pub fn statefulset_mutable_fields(v: KubeVersion) -> &'static [&'static str] {
    if v.mutable_revision_history_limit() {
        &[
            "replicas",
            "ordinals",
            "template",
            "updateStrategy",
            "revisionHistoryLimit",
            "persistentVolumeClaimRetentionPolicy",
            "minReadySeconds",
        ]
    } else if v.ordinals_field() {
        &[
            "replicas",
            "ordinals",
            "template",
            "updateStrategy",
            "persistentVolumeClaimRetentionPolicy",
            "minReadySeconds",
        ]
    } else {
        &[
            "replicas",
            "template",
            "updateStrategy",
            "persistentVolumeClaimRetentionPolicy",
            "minReadySeconds",
        ]
    }
}

/// The detail of the API server's refusal, after `spec: Forbidden: `.
pub fn statefulset_forbidden_detail(v: KubeVersion) -> String {
    let fields: Vec<String> = statefulset_mutable_fields(v)
        .iter()
        .map(|f| format!("'{f}'"))
        .collect();
    let (last, rest) = fields.split_last().expect("never empty");
    format!(
        "updates to statefulset spec for fields other than {} and {last} are forbidden",
        rest.join(", ")
    )
}

/// Every change to a StatefulSet's spec that the API server of `v` refuses. Both objects must be
/// defaulted ([`super::defaults::statefulset`]) as the server stores them.
pub fn statefulset_forbidden_changes(old: &Value, new: &Value, v: KubeVersion) -> Vec<FieldChange> {
    let mutable = statefulset_mutable_fields(v);
    let empty = serde_json::Map::new();
    let old_spec = old["spec"].as_object().unwrap_or(&empty);
    let new_spec = new["spec"].as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = old_spec.keys().chain(new_spec.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for k in keys {
        if mutable.contains(&k.as_str()) {
            continue;
        }
        diff(
            &format!("/spec/{}", crate::k8s::pointer::escape(k)),
            old_spec.get(k),
            new_spec.get(k),
            &mut out,
        );
    }
    out
}

/// Leaf-level differences between two values (arrays element by element).
pub fn diff(pointer: &str, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (old, new) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                diff(
                    &format!("{pointer}/{}", crate::k8s::pointer::escape(k)),
                    a.get(k),
                    b.get(k),
                    out,
                );
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            for i in 0..a.len().max(b.len()) {
                diff(&format!("{pointer}/{i}"), a.get(i), b.get(i), out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(FieldChange {
            pointer: pointer.to_string(),
            old: a.cloned(),
            new: b.cloned(),
        }),
    }
}

/// A refused or surprising Service update.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceChange {
    /// The field.
    pub pointer: String,
    /// True when the server refuses it; false when it accepts it but not as written.
    pub refused: bool,
    /// API-server style text.
    pub message: String,
}

/// Cluster IP changes of a Service: `None` cannot be set on a service that has an address, and
/// dropping `clusterIP: None` from a headless service keeps it headless (the server copies the
/// stored value into an empty field).
pub fn service_changes(old: &Value, new: &Value) -> Vec<ServiceChange> {
    let ip = |o: &Value| {
        o["spec"]["clusterIP"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (a, b) = (ip(old), ip(new));
    let mut out = Vec::new();
    match (a.as_deref(), b.as_deref()) {
        (Some(x), Some(y)) if x != y => out.push(ServiceChange {
            pointer: "/spec/clusterIP".into(),
            refused: true,
            message: format!("spec.clusterIPs[0]: Invalid value: [\"{y}\"]: may not change once set"),
        }),
        (None, Some(y)) => out.push(ServiceChange {
            pointer: "/spec/clusterIP".into(),
            refused: true,
            message: format!("spec.clusterIPs[0]: Invalid value: [\"{y}\"]: may not change once set"),
        }),
        (Some("None"), None) => out.push(ServiceChange {
            pointer: "/spec/clusterIP".into(),
            refused: false,
            message: "spec.clusterIP: the stored Service is headless (clusterIP: None) and stays headless: an empty clusterIP keeps the stored value".into(),
        }),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn forbidden_detail_matches_upstream_per_version() {
        assert_eq!(
            statefulset_forbidden_detail(KubeVersion { minor: 37 }),
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
        );
        assert_eq!(
            statefulset_forbidden_detail(KubeVersion { minor: 31 }),
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
        );
        assert_eq!(
            statefulset_forbidden_detail(KubeVersion { minor: 25 }),
            "updates to statefulset spec for fields other than 'replicas', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
        );
    }

    #[test]
    fn only_immutable_fields_count() {
        let old = json!({"spec": {"replicas": 1, "serviceName": "a", "revisionHistoryLimit": 10,
            "volumeClaimTemplates": [{"spec": {"resources": {"requests": {"storage": "1Gi"}}}}]}});
        let new = json!({"spec": {"replicas": 5, "serviceName": "b", "revisionHistoryLimit": 3,
            "volumeClaimTemplates": [{"spec": {"resources": {"requests": {"storage": "2Gi"}}}}]}});
        let c = statefulset_forbidden_changes(&old, &new, KubeVersion { minor: 37 });
        let paths: Vec<_> = c.iter().map(FieldChange::describe).collect();
        assert_eq!(
            paths,
            [
                "spec.serviceName: \"a\" → \"b\"",
                "spec.volumeClaimTemplates[0].spec.resources.requests.storage: \"1Gi\" → \"2Gi\""
            ]
        );
        // revisionHistoryLimit was immutable before 1.33.
        let c = statefulset_forbidden_changes(&old, &new, KubeVersion { minor: 32 });
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].pointer, "/spec/revisionHistoryLimit");
    }

    #[test]
    fn cluster_ip_rules() {
        let headless = json!({"spec": {"clusterIP": "None"}});
        let plain = json!({"spec": {}});
        assert!(service_changes(&plain, &headless)[0].refused);
        assert!(!service_changes(&headless, &plain)[0].refused);
        assert!(service_changes(&headless, &headless).is_empty());
        assert!(service_changes(&plain, &plain).is_empty());
    }
}
