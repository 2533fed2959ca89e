//! Defaults that depend on other fields, and the flat view the templates render from.
//!
//! Every optional value is present (as `null` when absent) so templates can test it while
//! minijinja's strict mode still rejects a misspelt name.

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::*;

/// An app with every default filled in: the `app` variable of the templates.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolved {
    /// StatefulSet name.
    pub name: String,
    /// Namespace of namespaced objects.
    pub namespace: String,
    /// Pod count.
    pub replicas: i64,
    /// Image.
    pub image: String,
    /// Container name.
    pub container_name: String,
    /// Pull policy or null.
    pub image_pull_policy: Option<PullPolicy>,
    /// Pod labels = selector.
    pub labels: BTreeMap<String, String>,
    /// Pod template annotations.
    pub annotations: BTreeMap<String, String>,
    /// Container ports.
    pub ports: Vec<ResolvedPort>,
    /// Claim templates and mounts.
    pub storage: Vec<Storage>,
    /// Governing Service name.
    pub headless_service: String,
    /// ServiceAccount, with role names resolved.
    pub service_account: Option<ResolvedServiceAccount>,
    /// LoadBalancer Service.
    pub load_balancer: Option<ResolvedService>,
    /// ClusterIP Service.
    pub service: Option<ResolvedService>,
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
    /// Environment.
    pub env: Vec<EnvVar>,
    /// Requests (empty map when none).
    pub requests: BTreeMap<String, String>,
    /// Limits (empty map when none).
    pub limits: BTreeMap<String, String>,
    /// Node selector.
    pub node_selector: BTreeMap<String, String>,
    /// StorageClass to create, or null.
    pub storage_class: Option<ResolvedStorageClass>,
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
    /// Ports.
    pub ports: Vec<ResolvedServicePort>,
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
}

/// Update strategy.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedUpdateStrategy {
    /// `RollingUpdate` or `OnDelete`.
    #[serde(rename = "type")]
    pub kind: UpdateStrategyType,
    /// Partition or null.
    pub partition: Option<i64>,
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

impl Resolved {
    /// The governing headless Service, built from the container ports.
    pub fn headless(&self) -> ResolvedService {
        ResolvedService {
            name: self.headless_service.clone(),
            kind: None,
            headless: true,
            ports: self
                .ports
                .iter()
                .map(|p| ResolvedServicePort {
                    name: Some(p.name.clone()),
                    port: p.port,
                    target_port: None,
                    protocol: p.protocol,
                })
                .collect(),
        }
    }
}

/// Fill every default of an app.
pub fn resolve(s: &AppSpec) -> Resolved {
    let labels = s
        .labels
        .clone()
        .unwrap_or_else(|| BTreeMap::from([("app".to_string(), s.name.clone())]));
    let svc = |name: String,
               kind: &'static str,
               port: i64,
               target: &Option<TargetPort>,
               proto: Option<Protocol>| {
        ResolvedService {
            name,
            kind: Some(kind),
            headless: false,
            ports: vec![ResolvedServicePort {
                name: None,
                port,
                target_port: Some(target.clone().unwrap_or(TargetPort::Number(port))),
                protocol: Some(proto.unwrap_or(Protocol::TCP)),
            }],
        }
    };
    Resolved {
        name: s.name.clone(),
        namespace: s.namespace.clone(),
        replicas: s.replicas,
        image: s.image.clone(),
        container_name: s.container_name.clone().unwrap_or_else(|| s.name.clone()),
        image_pull_policy: s.image_pull_policy,
        labels,
        annotations: s.annotations.clone(),
        ports: s
            .ports
            .iter()
            .map(|p| ResolvedPort {
                name: p.name.clone(),
                port: p.port,
                protocol: p.protocol,
            })
            .collect(),
        storage: s.storage.clone(),
        headless_service: s.headless_service.clone().unwrap_or_else(|| s.name.clone()),
        service_account: s.service_account.as_ref().map(|sa| ResolvedServiceAccount {
            name: sa.name.clone(),
            pod_security_policy: sa.pod_security_policy.clone(),
            cluster_role: sa
                .cluster_role
                .clone()
                .unwrap_or_else(|| format!("{}-psp", sa.name)),
            cluster_role_binding: sa
                .cluster_role_binding
                .clone()
                .unwrap_or_else(|| format!("{}-psp", sa.name)),
        }),
        load_balancer: s.load_balancer.as_ref().map(|lb| {
            svc(
                lb.name.clone().unwrap_or_else(|| format!("{}-lb", s.name)),
                "LoadBalancer",
                lb.port,
                &lb.target_port,
                lb.protocol,
            )
        }),
        service: s.service.as_ref().map(|c| {
            svc(
                c.name.clone(),
                "ClusterIP",
                c.port,
                &c.target_port,
                c.protocol,
            )
        }),
        pod_management_policy: s.pod_management_policy,
        update_strategy: s.update_strategy.as_ref().map(|u| ResolvedUpdateStrategy {
            kind: u.kind,
            partition: u.partition,
        }),
        pvc_retention_policy: s.pvc_retention_policy.as_ref().map(|p| ResolvedRetention {
            when_deleted: p.when_deleted.unwrap_or(RetentionAction::Retain),
            when_scaled: p.when_scaled.unwrap_or(RetentionAction::Retain),
        }),
        ordinals_start: s.ordinals.as_ref().map(|o| o.start),
        min_ready_seconds: s.min_ready_seconds,
        revision_history_limit: s.revision_history_limit,
        termination_grace_period_seconds: s.termination_grace_period_seconds,
        command: s.command.clone(),
        args: s.args.clone(),
        env: s.env.clone(),
        requests: s
            .resources
            .as_ref()
            .map(|r| r.requests.clone())
            .unwrap_or_default(),
        limits: s
            .resources
            .as_ref()
            .map(|r| r.limits.clone())
            .unwrap_or_default(),
        node_selector: s.node_selector.clone(),
        storage_class: s.storage_class.as_ref().map(|c| ResolvedStorageClass {
            name: c.name.clone(),
            provisioner: c.provisioner.clone(),
            reclaim_policy: c.reclaim_policy,
            volume_binding_mode: c.volume_binding_mode,
            allow_volume_expansion: c.allow_volume_expansion,
            parameters: c.parameters.clone(),
        }),
    }
}
