//! The spec format (v1): what users write, as serde + schemars types.
//!
//! Field names are the contract (DESIGN.md). Unknown fields are rejected. Defaults that depend on
//! other fields (labels, headless Service name, role names) are resolved in [`super::resolve`],
//! not here, so that the JSON Schema shows only what a user may write.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One stateful app: compiles into a StatefulSet and the objects around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "stsc app spec (v1)")]
pub struct AppSpec {
    /// StatefulSet name; pods are `<name>-0`, `<name>-1`, ... (DNS-1123 label, at most 52 characters).
    pub name: String,
    /// Namespace of the namespaced objects.
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Number of pods.
    #[serde(default = "default_replicas")]
    #[schemars(range(min = 0, max = 2147483647))]
    pub replicas: i64,
    /// Container image, for example `k8s.gcr.io/nginx-slim:0.8`.
    pub image: String,
    /// Container name; default: the app name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
    /// Image pull policy; the API server defaults it from the image tag when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<PullPolicy>,
    /// Pod labels, also the selector of the StatefulSet and of every Service; default `{app: <name>}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Pod template annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Container ports; also the ports of the headless Service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    /// One volumeClaimTemplate per entry, mounted in the container.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub storage: Vec<Storage>,
    /// Name of the governing headless Service (`serviceName`); default: the app name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headless_service: Option<String>,
    /// ServiceAccount for the pods, optionally bound to a PodSecurityPolicy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<ServiceAccount>,
    /// A LoadBalancer Service over the same pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancer>,
    /// A ClusterIP Service over the same pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ClusterIpService>,
    /// `OrderedReady` (default) or `Parallel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_management_policy: Option<PodManagementPolicy>,
    /// `{type: RollingUpdate, partition: N}` (default) or `{type: OnDelete}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_strategy: Option<UpdateStrategy>,
    /// What happens to the claims when the set is deleted or scaled down (Kubernetes 1.27+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pvc_retention_policy: Option<PvcRetentionPolicy>,
    /// First pod ordinal (Kubernetes 1.27+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordinals: Option<Ordinals>,
    /// Seconds a new pod must be ready before it counts as available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 2147483647))]
    pub min_ready_seconds: Option<i64>,
    /// ControllerRevisions kept for rollback (API default 10; a negative value keeps all, with
    /// the API server's warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = -2147483648, max = 2147483647))]
    pub revision_history_limit: Option<i64>,
    /// Seconds the pod gets to stop (API default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub termination_grace_period_seconds: Option<i64>,
    /// Container entrypoint (replaces the image's ENTRYPOINT).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Container arguments (replace the image's CMD).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Environment variables, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// Container resource requests and limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// Node labels the pods must run on.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// A StorageClass to create with the app (the seed's "create storageclass if needed").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<StorageClass>,
}

fn default_namespace() -> String {
    "default".to_string()
}

fn default_replicas() -> i64 {
    1
}

/// A container port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Port {
    /// Port name (IANA service name: at most 15 characters, lowercase letters, digits and '-').
    pub name: String,
    /// Port number.
    #[schemars(range(min = 1, max = 65535))]
    pub port: i64,
    /// Protocol; the API server defaults it to TCP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
}

/// Network protocol of a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[allow(clippy::upper_case_acronyms)]
pub enum Protocol {
    /// TCP.
    TCP,
    /// UDP.
    UDP,
    /// SCTP.
    SCTP,
}

/// A volumeClaimTemplate and where the container mounts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Storage {
    /// Claim template name; claims are `<name>-<app>-<ordinal>`.
    pub name: String,
    /// Absolute path in the container.
    pub mount_path: String,
    /// Requested size, a Kubernetes quantity such as `1Gi`.
    #[serde(deserialize_with = "quantity")]
    #[schemars(with = "QuantityValue")]
    pub size: String,
    /// StorageClass of the claims; the cluster default class when omitted.
    #[serde(default)]
    pub storage_class: Option<String>,
    /// Access modes; default `[ReadWriteOnce]`.
    #[serde(default = "default_access_modes")]
    pub access_modes: Vec<AccessMode>,
    /// Mount read-only.
    #[serde(default)]
    pub read_only: bool,
}

fn default_access_modes() -> Vec<AccessMode> {
    vec![AccessMode::ReadWriteOnce]
}

/// A PersistentVolume access mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AccessMode {
    /// Read-write by one node.
    ReadWriteOnce,
    /// Read-only by many nodes.
    ReadOnlyMany,
    /// Read-write by many nodes.
    ReadWriteMany,
    /// Read-write by one pod.
    ReadWriteOncePod,
}

/// The pods' ServiceAccount and its PodSecurityPolicy binding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceAccount {
    /// ServiceAccount name.
    pub name: String,
    /// PodSecurityPolicy the account may `use`: adds a ClusterRole and a ClusterRoleBinding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_security_policy: Option<String>,
    /// ClusterRole name; default `<serviceAccount.name>-psp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_role: Option<String>,
    /// ClusterRoleBinding name; default `<serviceAccount.name>-psp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_role_binding: Option<String>,
}

/// A LoadBalancer Service in front of the pods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LoadBalancer {
    /// Service name; default `<name>-lb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Port the load balancer listens on.
    #[schemars(range(min = 1, max = 65535))]
    pub port: i64,
    /// Container port (number or port name); default: `port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<TargetPort>,
    /// Protocol; default TCP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
}

/// A ClusterIP Service in front of the pods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterIpService {
    /// Service name.
    pub name: String,
    /// Port the Service listens on.
    #[schemars(range(min = 1, max = 65535))]
    pub port: i64,
    /// Container port (number or port name); default: `port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<TargetPort>,
    /// Protocol; default TCP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
}

/// A port by number or by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TargetPort {
    /// A port number.
    Number(#[schemars(range(min = 1, max = 65535))] i64),
    /// A container port name.
    Name(String),
}

/// How pods are created and deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PodManagementPolicy {
    /// One at a time, each waiting for the previous to be Ready.
    OrderedReady,
    /// All at once.
    Parallel,
}

/// How pods are updated when the template changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateStrategy {
    /// `RollingUpdate` or `OnDelete`.
    #[serde(rename = "type")]
    pub kind: UpdateStrategyType,
    /// With RollingUpdate: pods with an ordinal below this keep the old revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 2147483647))]
    pub partition: Option<i64>,
}

/// The update strategy type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum UpdateStrategyType {
    /// Replace pods in reverse ordinal order.
    RollingUpdate,
    /// Replace a pod only when it is deleted.
    OnDelete,
}

/// PersistentVolumeClaim retention policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PvcRetentionPolicy {
    /// When the StatefulSet is deleted; default Retain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_deleted: Option<RetentionAction>,
    /// When the StatefulSet is scaled down; default Retain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_scaled: Option<RetentionAction>,
}

/// Keep or delete claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RetentionAction {
    /// Keep the claims (and their data).
    Retain,
    /// Delete the claims.
    Delete,
}

/// Pod ordinal numbering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Ordinals {
    /// The first ordinal.
    #[serde(default)]
    #[schemars(range(min = 0, max = 2147483647))]
    pub start: i64,
}

/// An environment variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvVar {
    /// Variable name.
    pub name: String,
    /// Value (always a string).
    pub value: String,
}

/// Container resources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Resources {
    /// Requested resources (`cpu`, `memory`, ...) as quantities.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "quantity_map"
    )]
    #[schemars(with = "BTreeMap<String, QuantityValue>")]
    pub requests: BTreeMap<String, String>,
    /// Limits, as quantities.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "quantity_map"
    )]
    #[schemars(with = "BTreeMap<String, QuantityValue>")]
    pub limits: BTreeMap<String, String>,
}

/// Image pull policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PullPolicy {
    /// Always pull.
    Always,
    /// Pull if the image is absent.
    IfNotPresent,
    /// Never pull.
    Never,
}

/// A StorageClass created with the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageClass {
    /// StorageClass name.
    pub name: String,
    /// The volume plugin, for example `csi.vsphere.vmware.com`.
    pub provisioner: String,
    /// Default Delete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reclaim_policy: Option<ReclaimPolicy>,
    /// Default Immediate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_binding_mode: Option<VolumeBindingMode>,
    /// Whether claims may grow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_volume_expansion: Option<bool>,
    /// Provisioner parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
}

/// What happens to a volume when its claim goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ReclaimPolicy {
    /// Delete the volume.
    Delete,
    /// Keep the volume.
    Retain,
}

/// When volumes are bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum VolumeBindingMode {
    /// As soon as the claim exists.
    Immediate,
    /// When a pod using the claim is scheduled.
    WaitForFirstConsumer,
}

/// A Kubernetes quantity as the API accepts it: a string (`1Gi`, `500m`) or a number (`cpu: 1`).
#[derive(JsonSchema)]
#[allow(dead_code)]
#[schemars(untagged)]
enum QuantityValue {
    /// `1Gi`, `500m`, `2`.
    Text(String),
    /// `1`, `0.5`.
    Number(f64),
}

/// A quantity written as a string or a number, kept as its text.
fn quantity<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(QuantityText)
}

struct QuantityText;

impl serde::de::Visitor<'_> for QuantityText {
    type Value = String;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a quantity such as `1Gi`, `500m` or `2`")
    }
    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E>(self, v: f64) -> Result<String, E> {
        Ok(serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string()))
    }
}

struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        quantity(d).map(Text)
    }
}

fn quantity_map<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let m = BTreeMap::<String, Text>::deserialize(d)?;
    Ok(m.into_iter().map(|(k, v)| (k, v.0)).collect())
}
