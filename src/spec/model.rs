//! The spec format (v1): what users write, as serde + schemars types.
//!
//! Field names are the contract (DESIGN.md). Unknown fields are rejected. Defaults that depend on
//! other fields (labels, headless Service name, role names) are resolved in [`super::resolve`],
//! not here, so that the JSON Schema shows only what a user may write.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use super::objects::*;
pub use super::pod::*;

container_fields! {
/// One stateful app: compiles into a StatefulSet and the objects around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "stsc app spec (v1)")]
pub struct AppSpec {
    /// StatefulSet name; pods are `<name>-0`, `<name>-1`, ... (DNS-1123 label, at most 52 characters).
    pub name: String,
    /// Namespace of the namespaced objects; without one, they carry none and go where they are
    /// applied (`kubectl apply -n`, kustomize's `namespace:`, Argo CD's destination).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
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
    /// Labels on every object and the pod template, never in selectors (version, part-of...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub common_labels: BTreeMap<String, String>,
    /// Kubernetes' recommended `app.kubernetes.io/*` labels; name, instance and component also
    /// make the selector unless `labels` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended_labels: Option<RecommendedLabels>,
    /// Container ports; also the ports of the headless Service unless it lists its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    /// One volumeClaimTemplate per entry, mounted in the container.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub storage: Vec<Storage>,
    /// Pod volumes (emptyDir, configMap, secret, projected, downwardAPI, ...) and their mounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
    /// ConfigMaps generated with the app; their content's hash rolls the pods on change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_maps: Vec<ConfigMap>,
    /// The governing headless Service: its name, or `{name, ports, publishNotReadyAddresses,
    /// ...}`; default: named after the app, with the container ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headless_service: Option<HeadlessService>,
    /// ServiceAccount for the pods, optionally bound to a PodSecurityPolicy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<ServiceAccount>,
    /// A LoadBalancer Service over the same pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<Service>,
    /// A ClusterIP Service over the same pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Service>,
    /// More Services over the pods, each named (for example one per pod, selecting
    /// `statefulset.kubernetes.io/pod-name`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    /// A PodDisruptionBudget over the pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disruption_budget: Option<DisruptionBudget>,
    /// A NetworkPolicy for the pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_policy: Option<NetworkPolicy>,
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
    }
    then {
    /// The pod's security context (fsGroup, runAsUser, seccompProfile, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::pod::pod_security")]
    pub pod_security_context: Option<Value>,
    /// A Pod Security Standards level the pods must meet; `restricted` fills in what it needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_security: Option<PodSecurityLevel>,
    /// Init containers, run in order before the app's container.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init_containers: Vec<Container>,
    /// Native sidecars: init containers that keep running (`restartPolicy: Always`, 1.29+).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sidecars: Vec<Container>,
    /// More containers beside the app's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<Container>,
    /// Secrets for pulling the images: names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<SecretName>,
    /// Whether the pods get an API token mounted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automount_service_account_token: Option<bool>,
    /// Run in the node's network namespace (Pod Security baseline forbids it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_network: Option<bool>,
    /// Whether Service environment variables are injected (API default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_service_links: Option<bool>,
    /// Spread the replicas: `{across: node|zone, required: false}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread: Option<Spread>,
    /// Node and pod affinity, as Kubernetes writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::pod::affinity")]
    pub affinity: Option<Value>,
    /// Tolerations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "super::pod::tolerations")]
    pub tolerations: Vec<Value>,
    /// Topology spread constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "super::pod::spread_constraints")]
    pub topology_spread_constraints: Vec<Value>,
    /// PriorityClass of the pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
    /// RuntimeClass of the pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_class_name: Option<String>,
    /// Scheduler of the pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler_name: Option<String>,
    /// DNS policy (`ClusterFirst`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_policy: Option<String>,
    /// DNS settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::pod::dns_config")]
    pub dns_config: Option<Value>,
    /// Extra /etc/hosts entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "super::pod::host_aliases")]
    pub host_aliases: Vec<Value>,
    /// Node labels the pods must run on.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// Changes to the generated objects where no field says it: strategic merge or JSON patch,
    /// validated like everything else.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<Patch>,
    /// A StorageClass to create with the app (the seed's "create storageclass if needed").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<StorageClass>,
    }
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
    /// A path inside the volume to mount instead of its root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<String>,
    /// More mounts of the claim, in any container and at several paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<Mount>,
    /// `Filesystem` (API default) or `Block`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_mode: Option<VolumeMode>,
    /// Labels of the claims, exactly; default: the pod selector's labels when
    /// `recommendedLabels` is set, else none (`{}`: none). A claim template cannot change once
    /// the set exists, so these stay what the set was created with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Annotations of the claims.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Write `apiVersion: v1` and `kind: PersistentVolumeClaim` in the claim template, as many
    /// charts do (the API server keeps them, and refuses to add or drop them later).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub type_meta: bool,
}

/// How a claim's volume is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum VolumeMode {
    /// A mounted filesystem.
    Filesystem,
    /// A raw block device.
    Block,
}

fn default_access_modes() -> Vec<AccessMode> {
    vec![AccessMode::ReadWriteOnce]
}

/// A PersistentVolume access mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[allow(clippy::enum_variant_names)] // Kubernetes' own names.
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
    /// With RollingUpdate: pods that may be unavailable at once, a number or a percentage
    /// (MaxUnavailableStatefulSet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrPercent>,
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
