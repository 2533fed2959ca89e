//! The `scale` subresource of a StatefulSet (`autoscaling/v1` `Scale`,
//! `staging/src/k8s.io/api/autoscaling/v1/types.go`): what `kubectl scale` and an HPA read and
//! write. Its metadata mirrors the set's (same uid and resourceVersion); `status.selector` is
//! the set's selector in text form. `docs/research/kubectl-and-api.md` §2.5.

use serde_json::{json, Value};

use crate::k8s::apps::{StatefulSetSpec, StatefulSetStatus};
use crate::k8s::selector::Selector;

/// The metadata fields a Scale copies from its set.
const MIRRORED: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "creationTimestamp",
];

/// The Scale of a stored StatefulSet.
pub fn scale_of(set: &Value) -> Value {
    let meta: serde_json::Map<String, Value> = MIRRORED
        .iter()
        .filter_map(|k| {
            set["metadata"]
                .get(*k)
                .map(|v| ((*k).to_string(), v.clone()))
        })
        .collect();
    let spec = StatefulSetSpec::of(set).unwrap_or_default();
    let selector = Selector::from_api(&set["spec"]["selector"]).unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": meta,
        "spec": {"replicas": spec.replicas()},
        "status": {
            "replicas": StatefulSetStatus::of(set).replicas,
            "selector": selector.to_string(),
        },
    })
}

/// The replica count a Scale written by a client asks for (absent: 0, as Go decodes it).
///
/// # Errors
/// The decoder's message for a value that is not an int32, or validation's for a negative one
/// (`ValidateScale`).
pub fn requested_replicas(scale: &Value) -> Result<i32, String> {
    let v = &scale["spec"]["replicas"];
    let what = match v {
        Value::Null => return Ok(0),
        Value::Number(n) => format!("number {n}"),
        Value::String(_) => "string".into(),
        Value::Bool(_) => "bool".into(),
        Value::Array(_) => "array".into(),
        Value::Object(_) => "object".into(),
    };
    let Some(n) = v.as_i64().and_then(|n| i32::try_from(n).ok()) else {
        return Err(format!(
            "json: cannot unmarshal {what} into Go struct field ScaleSpec.spec.replicas of type int32"
        ));
    };
    if n < 0 {
        let name = scale["metadata"]["name"].as_str().unwrap_or("");
        return Err(format!(
            "Scale.autoscaling {name:?} is invalid: spec.replicas: Invalid value: {n}: must be greater than or equal to 0"
        ));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scale_mirrors_its_set() {
        let set = json!({
            "metadata": {"name": "web", "namespace": "default", "uid": "u", "resourceVersion": "9",
                         "labels": {"app": "nginx"}},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "nginx"}}},
            "status": {"replicas": 2},
        });
        assert_eq!(
            scale_of(&set),
            json!({
                "kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {"name": "web", "namespace": "default", "uid": "u", "resourceVersion": "9"},
                "spec": {"replicas": 3},
                "status": {"replicas": 2, "selector": "app=nginx"},
            })
        );
        assert_eq!(requested_replicas(&json!({"spec": {"replicas": 5}})), Ok(5));
        assert_eq!(
            requested_replicas(&json!({"spec": {"replicas": 9000000000_i64}})),
            Err("json: cannot unmarshal number 9000000000 into Go struct field ScaleSpec.spec.replicas of type int32".into())
        );
        assert_eq!(
            requested_replicas(&json!({"metadata": {"name": "web"}, "spec": {"replicas": -1}})),
            Err("Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0".into())
        );
    }
}
