//! The spec's objects around the StatefulSet: Services, ServiceAccount and RBAC,
//! PodDisruptionBudget, NetworkPolicy, and the labels they all carry.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::model::{Protocol, TargetPort};

/// The pods' ServiceAccount, its PodSecurityPolicy binding and namespaced permissions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceAccount {
    /// ServiceAccount name.
    pub name: String,
    /// Create it (default); `false` refers to an account that already exists.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub create: bool,
    /// Whether pods using the account get its token (on the ServiceAccount object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automount_service_account_token: Option<bool>,
    /// PodSecurityPolicy the account may `use`: adds a ClusterRole and a ClusterRoleBinding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_security_policy: Option<String>,
    /// ClusterRole name; default `<serviceAccount.name>-psp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_role: Option<String>,
    /// ClusterRoleBinding name; default `<serviceAccount.name>-psp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_role_binding: Option<String>,
    /// Role name (with `rules`); default: the account's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// RoleBinding name (with `rules`); default: the account's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_binding: Option<String>,
    /// Namespaced permissions (for peer discovery): a Role and RoleBinding (named after the
    /// account unless `role`/`roleBinding` say otherwise) with these Kubernetes PolicyRules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "policy_rules")]
    pub rules: Vec<Value>,
}

fn policy_rules(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "array",
        "items": {
            "type": "object",
            "required": ["verbs"],
            "properties": {
                "apiGroups": {"type": "array", "items": {"type": "string"}},
                "resources": {"type": "array", "items": {"type": "string"}},
                "resourceNames": {"type": "array", "items": {"type": "string"}},
                "verbs": {"type": "array", "items": {"type": "string"}}
            }
        }
    })
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// A Service port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServicePort {
    /// Port name (required when a Service has several).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Port the Service listens on.
    #[schemars(range(min = 1, max = 65535))]
    pub port: i64,
    /// Container port (number or name); the API server defaults it to `port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<TargetPort>,
    /// Protocol; default TCP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    /// Node port (NodePort and LoadBalancer Services).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub node_port: Option<i64>,
    /// Application protocol (`http`, `kubernetes.io/h2c`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<String>,
}

/// A ClusterIP or LoadBalancer Service over the pods: one `port`, or a `ports` list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Service {
    /// Service name; default `<name>-lb` (loadBalancer) or `<name>-client` (service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `ClusterIP` (default; `LoadBalancer` under `loadBalancer`) or `NodePort`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<ServiceType>,
    /// Port the Service listens on (the one-port form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<i64>,
    /// With `port`: the container port (number or name); default: `port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<TargetPort>,
    /// With `port`: the protocol; default TCP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    /// Several named ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ServicePort>,
    /// Annotations (for example a cloud load balancer's).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// More labels on the Service.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The pods it selects; default: the app's selector. May narrow it (for example
    /// `statefulset.kubernetes.io/pod-name: web-0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<BTreeMap<String, String>>,
    /// `Cluster` or `Local` (LoadBalancer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_traffic_policy: Option<TrafficPolicy>,
    /// `Cluster` or `Local`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_traffic_policy: Option<TrafficPolicy>,
    /// Client CIDRs allowed through the load balancer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancer_source_ranges: Vec<String>,
    /// The load balancer implementation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_class: Option<String>,
    /// `None` or `ClientIP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_affinity: Option<SessionAffinity>,
    /// `PreferClose` and friends (Kubernetes 1.31+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_distribution: Option<String>,
    /// Publish addresses of pods that are not ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_not_ready_addresses: Option<bool>,
}

/// The governing headless Service, in full.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Headless {
    /// Service name (`serviceName`); default: the app name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Create it (default); `false` refers to a Service that exists or another app creates.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub create: bool,
    /// Its ports; default: the container ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<ServicePort>>,
    /// Publish DNS records of pods before they are ready, as peer discovery (clustered
    /// databases finding each other at start) needs. Default true (the API default is false:
    /// set false for an app whose clients resolve the headless name and must see ready pods only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_not_ready_addresses: Option<bool>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// More labels on the Service.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The pods it selects; default: the app's selector (a shared Service selects wider).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<BTreeMap<String, String>>,
}

/// `headlessService`: a name, or the Service in full.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum HeadlessService {
    /// Its name.
    Name(String),
    /// In full.
    Full(Headless),
}

impl HeadlessService {
    /// The full form.
    pub fn full(&self) -> Headless {
        match self {
            HeadlessService::Name(n) => Headless {
                name: Some(n.clone()),
                create: true,
                ..Headless::default()
            },
            HeadlessService::Full(h) => h.clone(),
        }
    }
}

// A string or a mapping, with the mapping's own errors (unknown field, wrong type) intact: an
// untagged enum would only say "did not match any variant".
impl<'de> Deserialize<'de> for HeadlessService {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = HeadlessService;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a Service name or a mapping")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(HeadlessService::Name(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                m: A,
            ) -> Result<Self::Value, A::Error> {
                Headless::deserialize(serde::de::value::MapAccessDeserializer::new(m))
                    .map(HeadlessService::Full)
            }
        }
        d.deserialize_any(V)
    }
}

/// A Service type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ServiceType {
    /// A virtual IP inside the cluster.
    ClusterIP,
    /// ClusterIP and a port on every node.
    NodePort,
    /// NodePort and a cloud load balancer.
    LoadBalancer,
}

impl ServiceType {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::ClusterIP => "ClusterIP",
            ServiceType::NodePort => "NodePort",
            ServiceType::LoadBalancer => "LoadBalancer",
        }
    }
}

/// A traffic policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TrafficPolicy {
    /// Any ready endpoint.
    Cluster,
    /// Only endpoints on the receiving node.
    Local,
}

/// Session affinity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SessionAffinity {
    /// None.
    None,
    /// By client IP.
    #[serde(rename = "ClientIP")]
    ClientIp,
}

/// A count or a percentage (`1`, `"25%"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum IntOrPercent {
    /// A count.
    Int(i64),
    /// A percentage such as `25%`.
    Percent(String),
}

/// A PodDisruptionBudget (policy/v1) over the pods: `minAvailable` or `maxUnavailable`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DisruptionBudget {
    /// Name; default: the app name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Pods that must stay available during a voluntary disruption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_available: Option<IntOrPercent>,
    /// Pods that may be unavailable during a voluntary disruption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrPercent>,
}

/// Where allowed traffic may come from (all of them: anywhere).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Allow {
    /// Pods with these labels (in the app's namespace, or in `namespaces`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pods: Option<BTreeMap<String, String>>,
    /// Namespaces with these labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<BTreeMap<String, String>>,
    /// An IP block in CIDR form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    /// The ports (numbers or container port names); default: every port.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<TargetPort>,
}

/// A NetworkPolicy for the pods: `allow` rules in compact form, or Kubernetes rule lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetworkPolicy {
    /// Name; default: the app name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Ingress allowed, each entry one rule; traffic not allowed is denied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<Allow>,
    /// Kubernetes ingress rules (after those of `allow`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<Vec<Value>>,
    /// Kubernetes egress rules; given, egress not allowed is denied (`[{}]` allows all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Vec<Value>>,
}

/// Kubernetes' recommended labels (`app.kubernetes.io/*`); `managed-by: stsc` is added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RecommendedLabels {
    /// `app.kubernetes.io/name`; default: the app name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `app.kubernetes.io/instance`: tells two installs of one app apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// `app.kubernetes.io/version` (never in a selector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `app.kubernetes.io/component` (in the selector: two sets of one instance stay apart).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// `app.kubernetes.io/part-of` (never in a selector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_of: Option<String>,
}

/// A change to the generated objects, applied after rendering and before validation, so that
/// everything it produces is validated: a strategic-merge `patch` or RFC 6902 `jsonPatch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Patch {
    /// The objects it changes.
    pub target: PatchTarget,
    /// A strategic-merge patch, as `kubectl patch` and kustomize apply it (lists merged by their
    /// merge keys: containers by name, ports by port...; `$patch: delete|replace`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<Value>,
    /// RFC 6902 operations (`[{op: add, path: /spec/..., value: ...}]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "json_patch_ops")]
    pub json_patch: Option<Value>,
}

fn json_patch_ops(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "array",
        "items": {
            "type": "object",
            "required": ["op", "path"],
            "properties": {
                "op": {"enum": ["add", "remove", "replace", "move", "copy", "test"]},
                "path": {"type": "string"},
                "from": {"type": "string"},
                "value": {}
            }
        }
    })
}

/// Which generated objects a patch changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PatchTarget {
    /// Kind (`StatefulSet`, `Service`, ...).
    pub kind: String,
    /// Name; default: every object of the kind the app generates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}
