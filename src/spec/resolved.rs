//! The flat view the templates render from (`app` and its parts): every optional value present
//! (as `null` when absent) so that templates can test it while minijinja's strict mode still
//! rejects a misspelt name. [`super::resolve`] fills it in.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::model::*;

/// An app with every default filled in: the `app` variable of the templates.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolved {
    /// StatefulSet name.
    pub name: String,
    /// Namespace of namespaced objects, or null: the objects carry none.
    pub namespace: Option<String>,
    /// The namespace a ClusterRoleBinding names its ServiceAccount in (`default` without one).
    pub subject_namespace: String,
    /// Pod count.
    pub replicas: i64,
    /// Image.
    pub image: String,
    /// Container name.
    pub container_name: String,
    /// Pull policy or null.
    pub image_pull_policy: Option<PullPolicy>,
    /// The selector: the pod labels the StatefulSet and every Service select.
    pub labels: BTreeMap<String, String>,
    /// Labels of every object and of the pod template: the selector, recommended and common labels.
    pub object_labels: BTreeMap<String, String>,
    /// The object labels when the spec adds any to the selector (recommended or common labels),
    /// else null: objects that carry no labels by default (ServiceAccount, RBAC) get them then.
    pub meta_labels: Option<BTreeMap<String, String>>,
    /// Pod template annotations (with the generated ConfigMaps' hash).
    pub annotations: BTreeMap<String, String>,
    /// Container ports.
    pub ports: Vec<ResolvedPort>,
    /// Claim templates.
    pub storage: Vec<ResolvedClaim>,
    /// Governing Service name.
    pub headless_service: String,
    /// ServiceAccount, with role names resolved.
    pub service_account: Option<ResolvedServiceAccount>,
    /// Services over the pods, headless first.
    pub services: Vec<ResolvedService>,
    /// Pod management policy or null.
    pub pod_management_policy: Option<PodManagementPolicy>,
    /// Update strategy or null.
    pub update_strategy: Option<ResolvedUpdateStrategy>,
    /// Retention policy or null.
    pub pvc_retention_policy: Option<ResolvedRetention>,
    /// First ordinal or null.
    pub ordinals_start: Option<i64>,
    /// Or null.
    pub min_ready_seconds: Option<i64>,
    /// Or null.
    pub revision_history_limit: Option<i64>,
    /// Or null.
    pub termination_grace_period_seconds: Option<i64>,
    /// Entrypoint.
    pub command: Vec<String>,
    /// Arguments.
    pub args: Vec<String>,
    /// Working directory or null.
    pub working_dir: Option<String>,
    /// Environment, Kubernetes EnvVars.
    pub env: Vec<Value>,
    /// envFrom entries.
    pub env_from: Vec<Value>,
    /// Requests (empty map when none).
    pub requests: BTreeMap<String, String>,
    /// Limits (empty map when none).
    pub limits: BTreeMap<String, String>,
    /// Probes, lifecycle and security context of the app's container (each a value or null).
    pub readiness_probe: Option<Value>,
    /// Or null.
    pub liveness_probe: Option<Value>,
    /// Or null.
    pub startup_probe: Option<Value>,
    /// Or null.
    pub lifecycle: Option<Value>,
    /// Or null.
    pub security_context: Option<Value>,
    /// The app container's mounts.
    pub volume_mounts: Vec<Value>,
    /// Containers after the app's.
    pub extra_containers: Vec<Value>,
    /// Pod-level fields.
    pub pod: ResolvedPod,
    /// Node selector.
    pub node_selector: BTreeMap<String, String>,
    /// StorageClass to create, or null.
    pub storage_class: Option<ResolvedStorageClass>,
    /// Generated ConfigMaps.
    pub config_maps: Vec<ResolvedConfigMap>,
    /// PodDisruptionBudget or null.
    pub disruption_budget: Option<ResolvedBudget>,
    /// NetworkPolicy or null.
    pub network_policy: Option<ResolvedNetworkPolicy>,
}

/// The pod spec's fields beside its containers (each a Kubernetes value or null; empty lists
/// are null so that templates test them alike).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedPod {
    /// Or null.
    pub security_context: Option<Value>,
    /// Or null.
    pub automount_service_account_token: Option<bool>,
    /// Or null.
    pub enable_service_links: Option<bool>,
    /// Or null.
    pub host_network: Option<bool>,
    /// Or null.
    pub affinity: Option<Value>,
    /// Or null.
    pub tolerations: Option<Vec<Value>>,
    /// Or null.
    pub topology_spread_constraints: Option<Vec<Value>>,
    /// Or null.
    pub priority_class_name: Option<String>,
    /// Or null.
    pub runtime_class_name: Option<String>,
    /// Or null.
    pub scheduler_name: Option<String>,
    /// Or null.
    pub dns_policy: Option<String>,
    /// Or null.
    pub dns_config: Option<Value>,
    /// Or null.
    pub host_aliases: Option<Vec<Value>>,
    /// Or null.
    pub image_pull_secrets: Option<Vec<Value>>,
    /// Or null.
    pub init_containers: Option<Vec<Value>>,
    /// Or null.
    pub volumes: Option<Vec<Value>>,
}

/// A volumeClaimTemplate.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedClaim {
    /// Name.
    pub name: String,
    /// Labels or null.
    pub labels: Option<BTreeMap<String, String>>,
    /// Annotations or null.
    pub annotations: Option<BTreeMap<String, String>>,
    /// Or null.
    pub storage_class: Option<String>,
    /// Access modes.
    pub access_modes: Vec<AccessMode>,
    /// Or null.
    pub volume_mode: Option<VolumeMode>,
    /// Requested size.
    pub size: String,
    /// Whether the template carries apiVersion and kind.
    pub type_meta: bool,
}

/// A generated ConfigMap.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedConfigMap {
    /// Name.
    pub name: String,
    /// Entries (literal values, then files).
    pub data: BTreeMap<String, String>,
}

/// A PodDisruptionBudget.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedBudget {
    /// Name.
    pub name: String,
    /// Or null.
    pub min_available: Option<IntOrPercent>,
    /// Or null.
    pub max_unavailable: Option<IntOrPercent>,
}

/// A NetworkPolicy.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedNetworkPolicy {
    /// Name.
    pub name: String,
    /// `Ingress`, and `Egress` when egress rules are given.
    pub policy_types: Vec<&'static str>,
    /// Ingress rules.
    pub ingress: Vec<Value>,
    /// Egress rules or null.
    pub egress: Option<Vec<Value>>,
}

/// A container port with its protocol made explicit or null.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedPort {
    /// Name.
    pub name: String,
    /// Number.
    pub port: i64,
    /// Protocol or null.
    pub protocol: Option<Protocol>,
}

/// ServiceAccount with role names.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedServiceAccount {
    /// Name.
    pub name: String,
    /// PSP or null.
    pub pod_security_policy: Option<String>,
    /// ClusterRole name.
    pub cluster_role: String,
    /// ClusterRoleBinding name.
    pub cluster_role_binding: String,
    /// Role name.
    pub role: String,
    /// RoleBinding name.
    pub role_binding: String,
    /// Whether stsc creates the account.
    pub create: bool,
    /// On the ServiceAccount, or null.
    pub automount_service_account_token: Option<bool>,
    /// Rules of the namespaced Role (null: no Role).
    pub rules: Option<Vec<Value>>,
}

/// A Service over the pods (the `svc` variable of `service.yaml.j2`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedService {
    /// Name.
    pub name: String,
    /// `ClusterIP`, `LoadBalancer`, or null for the headless Service.
    #[serde(rename = "type")]
    pub kind: Option<&'static str>,
    /// Whether `clusterIP: None`.
    pub headless: bool,
    /// Where the Service comes from in the spec (`/headlessService`, `/service`,
    /// `/loadBalancer`, `/services/N`).
    #[serde(skip)]
    pub section: String,
    /// Ports.
    pub ports: Vec<ResolvedServicePort>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Annotations or null.
    pub annotations: Option<BTreeMap<String, String>>,
    /// Selector.
    pub selector: BTreeMap<String, String>,
    /// Or null.
    pub external_traffic_policy: Option<TrafficPolicy>,
    /// Or null.
    pub internal_traffic_policy: Option<TrafficPolicy>,
    /// Or null.
    pub load_balancer_source_ranges: Option<Vec<String>>,
    /// Or null.
    pub load_balancer_class: Option<String>,
    /// Or null.
    pub session_affinity: Option<SessionAffinity>,
    /// Or null.
    pub traffic_distribution: Option<String>,
    /// Or null.
    pub publish_not_ready_addresses: Option<bool>,
}

/// A Service port.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedServicePort {
    /// Name or null.
    pub name: Option<String>,
    /// Port.
    pub port: i64,
    /// Target port or null.
    pub target_port: Option<TargetPort>,
    /// Protocol or null.
    pub protocol: Option<Protocol>,
    /// Or null.
    pub node_port: Option<i64>,
    /// Or null.
    pub app_protocol: Option<String>,
}

/// Update strategy.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedUpdateStrategy {
    /// `RollingUpdate` or `OnDelete`.
    #[serde(rename = "type")]
    pub kind: UpdateStrategyType,
    /// Partition or null.
    pub partition: Option<i64>,
    /// Or null.
    pub max_unavailable: Option<IntOrPercent>,
}

/// Retention policy with both fields filled (API default Retain).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedRetention {
    /// On delete.
    pub when_deleted: RetentionAction,
    /// On scale-down.
    pub when_scaled: RetentionAction,
}

/// StorageClass with its optional fields explicit.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedStorageClass {
    /// Name.
    pub name: String,
    /// Provisioner.
    pub provisioner: String,
    /// Or null.
    pub reclaim_policy: Option<ReclaimPolicy>,
    /// Or null.
    pub volume_binding_mode: Option<VolumeBindingMode>,
    /// Or null.
    pub allow_volume_expansion: Option<bool>,
    /// Parameters.
    pub parameters: BTreeMap<String, String>,
}
