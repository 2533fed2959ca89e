//! The StatefulSet fields that decisions read, as their Kubernetes types (`StatefulSetSpec` of
//! k8s.io/api `apps/v1`). Decoding a stored or applied object into them refuses what the API
//! server's decoder refuses (a replica count past int32), so a value out of range never reaches
//! the controller; every other field stays in the JSON object untouched.
//!
//! Written by hand rather than taken from k8s-openapi: stsc serves 1.25 to 1.37 at once, and a
//! dozen fields do not justify a generated crate of every type for one version.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::object::{view, IntOrString};

/// `spec` of a StatefulSet, the fields the controller and the API rules decide on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatefulSetSpec {
    /// Desired replicas (defaulted to 1 when absent).
    pub replicas: Option<i32>,
    /// Seconds a pod must be Ready to count as available.
    pub min_ready_seconds: Option<i32>,
    /// ControllerRevisions kept beyond those in use.
    pub revision_history_limit: Option<i32>,
    /// `OrderedReady` or `Parallel`.
    pub pod_management_policy: Option<String>,
    /// The governing Service.
    pub service_name: Option<String>,
    /// The first ordinal.
    pub ordinals: Option<Ordinals>,
    /// How pods move to a new revision.
    pub update_strategy: Option<UpdateStrategy>,
    /// What happens to claims on deletion and scale-down.
    pub persistent_volume_claim_retention_policy: Option<RetentionPolicy>,
}

/// `status` of a StatefulSet (`StatefulSetStatus`), read by the printers and written by the
/// controller; zero ready, current and updated counts are left out, as the API server's
/// `omitempty` does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StatefulSetStatus {
    /// The generation the status describes.
    pub observed_generation: i64,
    /// Pods the controller made.
    pub replicas: i32,
    /// Pods with a Ready condition.
    #[serde(skip_serializing_if = "is_zero")]
    pub ready_replicas: i32,
    /// Pods at the current revision.
    #[serde(skip_serializing_if = "is_zero")]
    pub current_replicas: i32,
    /// Pods at the update revision.
    #[serde(skip_serializing_if = "is_zero")]
    pub updated_replicas: i32,
    /// Pods Ready for `minReadySeconds`.
    pub available_replicas: i32,
    /// The revision the set's pods were at before the update.
    pub current_revision: Option<String>,
    /// The revision of the set's template.
    pub update_revision: Option<String>,
    /// Hash collisions met naming revisions.
    pub collision_count: i32,
}

impl StatefulSetStatus {
    /// The status of a stored set ([`view`]: absent, all zero).
    pub fn of(set: &Value) -> StatefulSetStatus {
        view(&set["status"])
    }

    /// The status as stored JSON.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a status serializes")
    }
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// `spec.ordinals`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Ordinals {
    /// The first ordinal.
    pub start: Option<i32>,
}

/// `spec.updateStrategy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateStrategy {
    /// `RollingUpdate` or `OnDelete`.
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// The rolling update's parameters.
    pub rolling_update: Option<RollingUpdate>,
}

/// `spec.updateStrategy.rollingUpdate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollingUpdate {
    /// Ordinals below it keep the current revision.
    pub partition: Option<i32>,
    /// Pods that may be unavailable during the update: a count or a percentage.
    pub max_unavailable: Option<IntOrString>,
}

/// `spec.persistentVolumeClaimRetentionPolicy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionPolicy {
    /// `Retain` or `Delete`.
    pub when_deleted: Option<String>,
    /// `Retain` or `Delete`.
    pub when_scaled: Option<String>,
}

/// Why an object does not decode: the API server's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DecodeError {
    /// JSON pointer of the field (`/spec/replicas`).
    pub pointer: String,
    /// `json: cannot unmarshal number 9000000000 into Go struct field StatefulSetSpec.spec.replicas of type int32`.
    pub message: String,
}

impl StatefulSetSpec {
    /// Decode the `spec` of a StatefulSet object.
    ///
    /// # Errors
    /// A field that is not of its Kubernetes type (a number past int32, a string for a count).
    pub fn of(set: &Value) -> Result<StatefulSetSpec, DecodeError> {
        let spec = &set["spec"];
        if spec.is_null() {
            return Ok(StatefulSetSpec::default());
        }
        serde_path_to_error::deserialize(spec).map_err(|e| {
            let path = e.path().to_string();
            let pointer = format!("/spec/{}", path.replace('.', "/"));
            let value = set.pointer(&pointer);
            DecodeError {
                message: go_unmarshal_error(&path, value),
                pointer,
            }
        })
    }

    /// `replicas`, 1 when unset.
    pub fn replicas(&self) -> i32 {
        self.replicas.unwrap_or(1)
    }

    /// `updateStrategy.rollingUpdate`, when given.
    pub fn rolling_update(&self) -> Option<&RollingUpdate> {
        self.update_strategy.as_ref()?.rolling_update.as_ref()
    }
}

/// Go's `encoding/json` message for a field of the wrong type, naming the Go struct that holds
/// it as the API server's decoder does.
fn go_unmarshal_error(path: &str, value: Option<&Value>) -> String {
    let owner = match path.rsplit_once('.').map_or("", |(parent, _)| parent) {
        "" => "StatefulSetSpec",
        "ordinals" => "StatefulSetOrdinals",
        "updateStrategy" => "StatefulSetUpdateStrategy",
        "updateStrategy.rollingUpdate" => "RollingUpdateStatefulSetStrategy",
        "persistentVolumeClaimRetentionPolicy" => "StatefulSetPersistentVolumeClaimRetentionPolicy",
        _ => "StatefulSetSpec",
    };
    let what = match value {
        Some(Value::Number(n)) => format!("number {n}"),
        Some(Value::String(_)) => "string".to_string(),
        Some(Value::Bool(_)) => "bool".to_string(),
        Some(Value::Array(_)) => "array".to_string(),
        Some(Value::Object(_)) => "object".to_string(),
        _ => "null".to_string(),
    };
    format!("json: cannot unmarshal {what} into Go struct field {owner}.spec.{path} of type int32")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_past_int32_are_refused_as_the_api_server_refuses_them() {
        let e = StatefulSetSpec::of(&json!({"spec": {"replicas": 9_000_000_000_i64}})).unwrap_err();
        assert_eq!(e.pointer, "/spec/replicas");
        assert_eq!(
            e.message,
            "json: cannot unmarshal number 9000000000 into Go struct field StatefulSetSpec.spec.replicas of type int32"
        );
        let e = StatefulSetSpec::of(
            &json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": 3_000_000_000_i64}}}}),
        )
        .unwrap_err();
        assert_eq!(e.pointer, "/spec/updateStrategy/rollingUpdate/partition");
        assert!(e.message.contains(
            "RollingUpdateStatefulSetStrategy.spec.updateStrategy.rollingUpdate.partition"
        ));
    }

    #[test]
    fn the_fields_decisions_read_decode() {
        let s = StatefulSetSpec::of(&json!({"spec": {
            "replicas": 3, "ordinals": {"start": 2}, "template": {"spec": {}},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "50%"}},
        }}))
        .unwrap();
        assert_eq!(s.replicas(), 3);
        assert_eq!(s.ordinals.unwrap().start, Some(2));
        assert_eq!(
            s.update_strategy
                .unwrap()
                .rolling_update
                .unwrap()
                .max_unavailable,
            Some(IntOrString::String("50%".into()))
        );
        assert_eq!(StatefulSetSpec::of(&json!({})).unwrap().replicas(), 1);
    }
}
