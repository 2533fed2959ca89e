//! The spec's pod fields: probes, containers, volumes, configuration, security and scheduling.
//!
//! Each field has a compact form for the common case and accepts the full Kubernetes structure
//! as it is. Kubernetes structures (`Value` here) are passed through unchanged and validated,
//! after rendering, against the target version's strict schema and the API server's rules, like
//! every generated field; the spec's JSON Schema points editors at the Kubernetes definitions.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::model::{PullPolicy, TargetPort};

/// A JSON Schema that is the Kubernetes definition `name` (added to the spec schema's
/// definitions by [`crate::spec_schema`]).
fn k8s(generator: &mut schemars::SchemaGenerator, name: &str) -> schemars::Schema {
    let path = generator.settings().definitions_path.trim_end_matches('/');
    let reference = format!("#{path}/io.k8s.api.core.v1.{name}");
    schemars::json_schema!({ "$ref": reference })
}

/// A list of the Kubernetes definition `name`.
fn k8s_list(generator: &mut schemars::SchemaGenerator, name: &str) -> schemars::Schema {
    let item = k8s(generator, name);
    schemars::json_schema!({ "type": "array", "items": item })
}

macro_rules! k8s_schemas {
    ($how:ident: $($f:ident => $def:literal),* $(,)?) => {$(
        #[doc = concat!("The Kubernetes `", $def, "` schema.")]
        pub(crate) fn $f(g: &mut schemars::SchemaGenerator) -> schemars::Schema { $how(g, $def) }
    )*};
}

k8s_schemas! { k8s:
    affinity => "Affinity",
    container_security => "SecurityContext",
    pod_security => "PodSecurityContext",
    lifecycle => "Lifecycle",
    dns_config => "PodDNSConfig",
    http_get => "HTTPGetAction",
    tcp_socket => "TCPSocketAction",
    env_source => "EnvVarSource",
}

k8s_schemas! { k8s_list:
    tolerations => "Toleration",
    spread_constraints => "TopologySpreadConstraint",
    host_aliases => "HostAlias",
    volume_mounts => "VolumeMount",
}

/// A readiness, liveness or startup probe. Compact: `{http: /healthz, port: web}`,
/// `{tcp: 5432}`, `{exec: [pg_isready]}` (a string runs in `sh -c`), `{grpc: 9090}`; the
/// Kubernetes handlers (`httpGet`, `tcpSocket`, `exec: {command}`, `grpc: {port, service}`)
/// are accepted as they are.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Probe {
    /// HTTP GET of this path (with `port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<String>,
    /// The port of `http` (number or container port name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<TargetPort>,
    /// A TCP connection to this port (number or name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TargetPort>,
    /// A command: a list of arguments, a string run by `sh -c`, or `{command: [...]}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<Exec>,
    /// A gRPC health check: a port number, or `{port, service}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc: Option<Grpc>,
    /// The Kubernetes HTTP handler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "http_get")]
    pub http_get: Option<Value>,
    /// The Kubernetes TCP handler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "tcp_socket")]
    pub tcp_socket: Option<Value>,
    /// Seconds after the container starts before the first probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 2147483647))]
    pub initial_delay_seconds: Option<i64>,
    /// Seconds between probes (API default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 2147483647))]
    pub period_seconds: Option<i64>,
    /// Seconds before a probe times out (API default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 2147483647))]
    pub timeout_seconds: Option<i64>,
    /// Successes in a row to count as passing (API default 1; must be 1 for liveness and startup).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 2147483647))]
    pub success_threshold: Option<i64>,
    /// Failures in a row to count as failing (API default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 2147483647))]
    pub failure_threshold: Option<i64>,
    /// Grace period when a liveness or startup probe fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub termination_grace_period_seconds: Option<i64>,
}

/// An exec probe's command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Exec {
    /// Run through `sh -c`.
    Shell(String),
    /// The arguments.
    Args(Vec<String>),
    /// The Kubernetes form.
    Kube {
        /// The arguments.
        command: Vec<String>,
    },
}

/// A gRPC probe's target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Grpc {
    /// The port.
    Port(#[schemars(range(min = 1, max = 65535))] i64),
    /// The Kubernetes form.
    Kube {
        /// The port.
        port: i64,
        /// The gRPC service name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service: Option<String>,
    },
}

/// An environment variable: `value`, a compact reference (`fieldRef: metadata.name`,
/// `secretKeyRef: {name, key}`, ...), or the Kubernetes `valueFrom`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvVar {
    /// Variable name.
    pub name: String,
    /// Value (always a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A field of the pod, such as `metadata.name` or `status.podIP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_ref: Option<String>,
    /// A resource of the container, such as `limits.memory`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_field_ref: Option<String>,
    /// A key of an existing Secret (stsc never writes secret values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<KeyRef>,
    /// A key of a ConfigMap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_key_ref: Option<KeyRef>,
    /// The Kubernetes form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "env_source")]
    pub value_from: Option<Value>,
}

/// A key of a Secret or ConfigMap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyRef {
    /// The object's name.
    pub name: String,
    /// The key.
    pub key: String,
    /// Whether the object or key may be missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

/// Every key of a ConfigMap or Secret as environment variables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvFrom {
    /// A ConfigMap's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<String>,
    /// A Secret's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Kubernetes form: `{name, optional}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_ref: Option<Value>,
    /// Kubernetes form: `{name, optional}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<Value>,
    /// Prefix of every variable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Whether the object may be missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

/// Where a container mounts a volume or claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Mount {
    /// Absolute path in the container.
    pub mount_path: String,
    /// A path inside the volume to mount instead of its root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<String>,
    /// Mount read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// The container (by name) that mounts it; default: the app's container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}

/// A pod volume and where it is mounted. Sources: `emptyDir`, `configMap` and `secret` (a
/// name, or the Kubernetes form), `projected`, `downwardAPI`, and the other Kubernetes sources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    /// Volume name (DNS-1123 label).
    pub name: String,
    /// Where the app's container mounts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_path: Option<String>,
    /// With `mountPath`: a path inside the volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<String>,
    /// With `mountPath`: mount read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// More mounts, in any container and at several paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<Mount>,
    /// The volume's source, as Kubernetes writes it (`emptyDir: {}`, `configMap: {name}`, ...);
    /// `configMap: NAME` and `secret: NAME` are short for the common case.
    #[serde(flatten)]
    pub source: BTreeMap<String, Value>,
}

/// A ConfigMap generated with the app from literal values or files next to the spec; a hash of
/// its content goes on the pod template, so a change rolls the pods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigMap {
    /// ConfigMap name; with `mountPath` or `mounts`, also the volume name.
    pub name: String,
    /// Literal entries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
    /// Files, relative to the spec file; the key is the file name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// Where the app's container mounts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_path: Option<String>,
    /// More mounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<Mount>,
}

container_fields! {
/// An init container, sidecar or extra container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Container {
    /// Container name.
    pub name: String,
    /// Image; default: the app's image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Pull policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<PullPolicy>,
    }
    then {
    /// Ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<super::model::Port>,
    /// Mounts in the Kubernetes form (volumes' `mounts` with `container` add to these).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "volume_mounts")]
    pub volume_mounts: Vec<Value>,
    /// `Always` makes an init container a native sidecar (Kubernetes 1.29+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<ContainerRestartPolicy>,
    }
}

/// A container's restart policy (only `Always`, on init containers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ContainerRestartPolicy {
    /// A native sidecar: started in order, kept running beside the app.
    Always,
}

/// The Pod Security Standards level the pods must meet.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum PodSecurityLevel {
    /// No restriction.
    Privileged,
    /// Blocks known privilege escalations.
    Baseline,
    /// Hardened: fills in runAsNonRoot, seccomp RuntimeDefault, no privilege escalation and
    /// dropped capabilities where the spec leaves them out.
    Restricted,
}

/// Spread the replicas across nodes or zones (pod anti-affinity against the app's own pods).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Spread {
    /// `node`, `zone`, or a node label key used as the topology key.
    pub across: String,
    /// Refuse to schedule two pods in one domain (default: prefer not to).
    #[serde(default)]
    pub required: bool,
    /// Weight of the preference, 1 to 100 (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub weight: Option<i64>,
}

impl Spread {
    /// The node label the pods are spread over.
    pub fn topology_key(&self) -> &str {
        match self.across.as_str() {
            "node" => "kubernetes.io/hostname",
            "zone" => "topology.kubernetes.io/zone",
            key => key,
        }
    }
}

/// An imagePullSecret: a name, or `{name}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SecretName {
    /// The Secret's name.
    Name(String),
    /// The Kubernetes form.
    Kube {
        /// The Secret's name.
        name: String,
    },
}

impl SecretName {
    /// The name.
    pub fn name(&self) -> &str {
        match self {
            SecretName::Name(n) | SecretName::Kube { name: n } => n,
        }
    }
}
