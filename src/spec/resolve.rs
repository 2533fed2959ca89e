//! Defaults that depend on other fields, and the flat view the templates render from.
//!
//! Every optional value is present (as `null` when absent) so templates can test it while
//! minijinja's strict mode still rejects a misspelt name.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::model::*;
use super::resolved::*;

/// The selector: `labels`, else the recommended name/instance/component, else `{app: NAME}`.
pub fn selector(s: &AppSpec) -> BTreeMap<String, String> {
    if let Some(l) = &s.labels {
        return l.clone();
    }
    let Some(r) = &s.recommended_labels else {
        return BTreeMap::from([("app".to_string(), s.name.clone())]);
    };
    let mut m = BTreeMap::new();
    let name = r.name.clone().unwrap_or_else(|| s.name.clone());
    m.insert("app.kubernetes.io/name".to_string(), name);
    for (k, v) in [("instance", &r.instance), ("component", &r.component)] {
        if let Some(v) = v {
            m.insert(format!("app.kubernetes.io/{k}"), v.clone());
        }
    }
    m
}

/// Labels of every object: the selector, the recommended labels (with `managed-by: stsc`) and
/// the common labels.
pub fn object_labels(s: &AppSpec) -> BTreeMap<String, String> {
    let mut m = selector(s);
    if let Some(r) = &s.recommended_labels {
        let name = r.name.clone().unwrap_or_else(|| s.name.clone());
        let fields = [
            ("name", Some(&name)),
            ("instance", r.instance.as_ref()),
            ("version", r.version.as_ref()),
            ("component", r.component.as_ref()),
            ("part-of", r.part_of.as_ref()),
            ("managed-by", Some(&"stsc".to_string())),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                m.insert(format!("app.kubernetes.io/{k}"), v.clone());
            }
        }
    }
    m.extend(s.common_labels.clone());
    m
}

/// The ClusterIP and LoadBalancer Services of the spec, with their pointers (`/service`,
/// `/loadBalancer`, `/services/N`): the one list spec checks and `locate` read.
pub fn client_services(s: &AppSpec) -> Vec<(String, &Service)> {
    let named = [
        ("/service", &s.service),
        ("/loadBalancer", &s.load_balancer),
    ];
    let mut out: Vec<(String, &Service)> = named
        .into_iter()
        .filter_map(|(p, c)| c.as_ref().map(|c| (p.to_string(), c)))
        .collect();
    let more = s.services.iter().enumerate();
    out.extend(more.map(|(i, c)| (format!("/services/{i}"), c)));
    out
}

/// The governing Service's name.
pub fn headless_name(s: &AppSpec) -> String {
    s.headless_service
        .as_ref()
        .and_then(|h| h.full().name)
        .unwrap_or_else(|| s.name.clone())
}

/// The ClusterIP Service's name.
pub fn service_name(s: &AppSpec, c: &Service) -> String {
    c.name
        .clone()
        .unwrap_or_else(|| format!("{}-client", s.name))
}

/// The LoadBalancer Service's name.
pub fn load_balancer_name(s: &AppSpec, c: &Service) -> String {
    c.name.clone().unwrap_or_else(|| format!("{}-lb", s.name))
}

fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

fn service_port(p: &ServicePort) -> ResolvedServicePort {
    ResolvedServicePort {
        name: p.name.clone(),
        port: p.port,
        target_port: p.target_port.clone(),
        protocol: p.protocol,
        node_port: p.node_port,
        app_protocol: p.app_protocol.clone(),
    }
}

/// The headless Service, unless the spec says another creates it.
fn headless(s: &AppSpec, labels: &BTreeMap<String, String>) -> Option<ResolvedService> {
    let h = s.headless_service.as_ref().map(HeadlessService::full);
    let h = h.unwrap_or(Headless {
        create: true,
        ..Headless::default()
    });
    if !h.create {
        return None;
    }
    let from_containers = || {
        s.ports
            .iter()
            .map(|p| ResolvedServicePort {
                name: Some(p.name.clone()),
                port: p.port,
                target_port: None,
                protocol: p.protocol,
                node_port: None,
                app_protocol: None,
            })
            .collect()
    };
    let mut svc_labels = labels.clone();
    svc_labels.extend(h.labels.clone());
    Some(ResolvedService {
        name: headless_name(s),
        kind: None,
        headless: true,
        section: "/headlessService".into(),
        ports: h
            .ports
            .as_ref()
            .map_or_else(from_containers, |ps| ps.iter().map(service_port).collect()),
        labels: svc_labels,
        annotations: (!h.annotations.is_empty()).then(|| h.annotations.clone()),
        selector: h.selector.clone().unwrap_or_else(|| selector(s)),
        external_traffic_policy: None,
        internal_traffic_policy: None,
        load_balancer_source_ranges: None,
        load_balancer_class: None,
        session_affinity: None,
        traffic_distribution: None,
        // Peers of a StatefulSet find each other by DNS before they are ready (clustered
        // databases bootstrapping): the governing Service publishes every pod unless told not to.
        // `false` is the API default: written as nothing, as the API server stores it.
        publish_not_ready_addresses: h
            .publish_not_ready_addresses
            .unwrap_or(true)
            .then_some(true),
    })
}

/// A ClusterIP or LoadBalancer Service.
fn client_service(
    s: &AppSpec,
    c: &Service,
    name: String,
    kind: &'static str,
    section: String,
    labels: &BTreeMap<String, String>,
) -> ResolvedService {
    let kind = c.kind.map_or(kind, ServiceType::as_str);
    let mut ports: Vec<ResolvedServicePort> = c.ports.iter().map(service_port).collect();
    if let Some(port) = c.port {
        ports.insert(
            0,
            ResolvedServicePort {
                name: None,
                port,
                target_port: Some(c.target_port.clone().unwrap_or(TargetPort::Number(port))),
                protocol: Some(c.protocol.unwrap_or(Protocol::TCP)),
                node_port: None,
                app_protocol: None,
            },
        );
    }
    let mut svc_labels = labels.clone();
    svc_labels.extend(c.labels.clone());
    ResolvedService {
        name,
        kind: Some(kind),
        headless: false,
        section,
        ports,
        labels: svc_labels,
        annotations: (!c.annotations.is_empty()).then(|| c.annotations.clone()),
        selector: c.selector.clone().unwrap_or_else(|| selector(s)),
        external_traffic_policy: c.external_traffic_policy,
        internal_traffic_policy: c.internal_traffic_policy,
        load_balancer_source_ranges: non_empty(c.load_balancer_source_ranges.clone()),
        load_balancer_class: c.load_balancer_class.clone(),
        session_affinity: c.session_affinity,
        traffic_distribution: c.traffic_distribution.clone(),
        publish_not_ready_addresses: c.publish_not_ready_addresses,
    }
}

/// Every Service of the app, headless first.
pub fn services(s: &AppSpec) -> Vec<ResolvedService> {
    let labels = object_labels(s);
    let mut out: Vec<ResolvedService> = headless(s, &labels).into_iter().collect();
    if let Some(c) = &s.service {
        let name = service_name(s, c);
        out.push(client_service(
            s,
            c,
            name,
            "ClusterIP",
            "/service".into(),
            &labels,
        ));
    }
    if let Some(c) = &s.load_balancer {
        let name = load_balancer_name(s, c);
        out.push(client_service(
            s,
            c,
            name,
            "LoadBalancer",
            "/loadBalancer".into(),
            &labels,
        ));
    }
    // An entry without a name is reported by the spec checks and not rendered.
    for (i, c) in s.services.iter().enumerate() {
        let Some(name) = c.name.clone() else { continue };
        let section = format!("/services/{i}");
        out.push(client_service(s, c, name, "ClusterIP", section, &labels));
    }
    out
}

fn service_account(s: &AppSpec) -> Option<ResolvedServiceAccount> {
    let sa = s.service_account.as_ref()?;
    Some(ResolvedServiceAccount {
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
        role: sa.role.clone().unwrap_or_else(|| sa.name.clone()),
        role_binding: sa.role_binding.clone().unwrap_or_else(|| sa.name.clone()),
        create: sa.create,
        automount_service_account_token: sa.automount_service_account_token,
        rules: non_empty(sa.rules.clone()),
    })
}

fn claims(s: &AppSpec, selector: &BTreeMap<String, String>) -> Vec<ResolvedClaim> {
    s.storage
        .iter()
        .map(|c| ResolvedClaim {
            name: c.name.clone(),
            labels: match &c.labels {
                Some(l) => (!l.is_empty()).then(|| l.clone()),
                None => s.recommended_labels.is_some().then(|| selector.clone()),
            },
            annotations: (!c.annotations.is_empty()).then(|| c.annotations.clone()),
            storage_class: c.storage_class.clone(),
            access_modes: c.access_modes.clone(),
            volume_mode: c.volume_mode,
            size: c.size.clone(),
            type_meta: c.type_meta,
        })
        .collect()
}

/// The pod's fields beside its containers.
fn pod(s: &AppSpec, selector: &BTreeMap<String, String>) -> ResolvedPod {
    let restricted = s.pod_security == Some(PodSecurityLevel::Restricted);
    let security_context = if restricted {
        Some(super::kube::restricted_pod(s.pod_security_context.as_ref()))
    } else {
        s.pod_security_context.clone()
    };
    let pulls = s.image_pull_secrets.iter();
    let init: Vec<Value> = super::kube::init_containers(s)
        .into_iter()
        .map(|(c, _)| restrict(c, restricted))
        .collect();
    ResolvedPod {
        security_context,
        automount_service_account_token: s.automount_service_account_token,
        enable_service_links: s.enable_service_links,
        host_network: s.host_network,
        affinity: super::kube::affinity(s, selector),
        tolerations: non_empty(s.tolerations.clone()),
        topology_spread_constraints: non_empty(s.topology_spread_constraints.clone()),
        priority_class_name: s.priority_class_name.clone(),
        runtime_class_name: s.runtime_class_name.clone(),
        scheduler_name: s.scheduler_name.clone(),
        dns_policy: s.dns_policy.clone(),
        dns_config: s.dns_config.clone(),
        host_aliases: non_empty(s.host_aliases.clone()),
        image_pull_secrets: non_empty(pulls.map(|p| json!({ "name": p.name() })).collect()),
        init_containers: non_empty(init),
        volumes: non_empty(
            super::kube::volumes(s)
                .into_iter()
                .map(|(v, _)| v)
                .collect(),
        ),
    }
}

/// A container with the restricted profile's security context, when the profile is on.
fn restrict(mut c: Value, restricted: bool) -> Value {
    if restricted {
        c["securityContext"] = super::kube::restricted_container(c.get("securityContext"));
    }
    c
}

/// Fill every default of an app. `files` holds the content of the ConfigMap files the spec
/// names (read by the caller), by path as written.
pub fn resolve(s: &AppSpec, files: &BTreeMap<String, String>) -> Resolved {
    use super::kube;
    let labels = selector(s);
    let restricted = s.pod_security == Some(PodSecurityLevel::Restricted);
    let config_maps = config_maps(s, files);
    let mut annotations = s.annotations.clone();
    if !config_maps.is_empty() {
        annotations.insert("checksum/config".into(), config_hash(&config_maps));
    }
    let security_context = if restricted {
        Some(kube::restricted_container(s.security_context.as_ref()))
    } else {
        s.security_context.clone()
    };
    let extra = s.containers.iter().map(|c| kube::container(s, c, false));
    Resolved {
        name: s.name.clone(),
        namespace: s.namespace.clone(),
        subject_namespace: s.namespace.clone().unwrap_or_else(|| "default".into()),
        replicas: s.replicas,
        image: s.image.clone(),
        container_name: s.container_name.clone().unwrap_or_else(|| s.name.clone()),
        image_pull_policy: s.image_pull_policy,
        object_labels: object_labels(s),
        meta_labels: (s.recommended_labels.is_some() || !s.common_labels.is_empty())
            .then(|| object_labels(s)),
        annotations,
        ports: s.ports.iter().map(port).collect(),
        storage: claims(s, &labels),
        headless_service: headless_name(s),
        service_account: service_account(s),
        services: services(s),
        pod_management_policy: s.pod_management_policy,
        update_strategy: s.update_strategy.as_ref().map(update_strategy),
        pvc_retention_policy: s.pvc_retention_policy.as_ref().map(retention),
        ordinals_start: s.ordinals.as_ref().map(|o| o.start),
        min_ready_seconds: s.min_ready_seconds,
        revision_history_limit: s.revision_history_limit,
        termination_grace_period_seconds: s.termination_grace_period_seconds,
        command: s.command.clone(),
        args: s.args.clone(),
        working_dir: s.working_dir.clone(),
        env: s.env.iter().map(kube::env_var).collect(),
        env_from: s.env_from.iter().map(kube::env_from).collect(),
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
        readiness_probe: s.readiness_probe.as_ref().map(kube::probe),
        liveness_probe: s.liveness_probe.as_ref().map(kube::probe),
        startup_probe: s.startup_probe.as_ref().map(kube::probe),
        lifecycle: s.lifecycle.clone(),
        security_context,
        volume_mounts: kube::mounts_for(s, None)
            .into_iter()
            .map(|(v, _)| v)
            .collect(),
        extra_containers: extra.map(|c| restrict(c, restricted)).collect(),
        pod: pod(s, &labels),
        node_selector: s.node_selector.clone(),
        storage_class: s.storage_class.as_ref().map(storage_class),
        config_maps,
        disruption_budget: s.disruption_budget.as_ref().map(|b| budget(s, b)),
        network_policy: s.network_policy.as_ref().map(|n| network_policy(s, n)),
        labels,
    }
}

/// The ConfigMaps, their files read in as data keys named after the files.
fn config_maps(s: &AppSpec, files: &BTreeMap<String, String>) -> Vec<ResolvedConfigMap> {
    s.config_maps
        .iter()
        .map(|c| {
            let mut data = c.data.clone();
            for f in &c.files {
                let key = f.rsplit('/').next().unwrap_or(f).to_string();
                data.insert(key, files.get(f).cloned().unwrap_or_default());
            }
            ResolvedConfigMap {
                name: c.name.clone(),
                data,
            }
        })
        .collect()
}

fn port(p: &Port) -> ResolvedPort {
    ResolvedPort {
        name: p.name.clone(),
        port: p.port,
        protocol: p.protocol,
    }
}

fn update_strategy(u: &UpdateStrategy) -> ResolvedUpdateStrategy {
    ResolvedUpdateStrategy {
        kind: u.kind,
        partition: u.partition,
        max_unavailable: u.max_unavailable.clone(),
    }
}

/// The retention policy, `Retain` where a half is unset.
fn retention(p: &PvcRetentionPolicy) -> ResolvedRetention {
    ResolvedRetention {
        when_deleted: p.when_deleted.unwrap_or(RetentionAction::Retain),
        when_scaled: p.when_scaled.unwrap_or(RetentionAction::Retain),
    }
}

fn storage_class(c: &StorageClass) -> ResolvedStorageClass {
    ResolvedStorageClass {
        name: c.name.clone(),
        provisioner: c.provisioner.clone(),
        reclaim_policy: c.reclaim_policy,
        volume_binding_mode: c.volume_binding_mode,
        allow_volume_expansion: c.allow_volume_expansion,
        parameters: c.parameters.clone(),
    }
}

/// The PodDisruptionBudget, named after the app unless named.
fn budget(s: &AppSpec, b: &DisruptionBudget) -> ResolvedBudget {
    ResolvedBudget {
        name: b.name.clone().unwrap_or_else(|| s.name.clone()),
        min_available: b.min_available.clone(),
        max_unavailable: b.max_unavailable.clone(),
    }
}

/// The NetworkPolicy: `allow` entries as ingress rules, then the spec's own rules.
fn network_policy(s: &AppSpec, n: &NetworkPolicy) -> ResolvedNetworkPolicy {
    let mut ingress: Vec<Value> = n.allow.iter().map(allow_rule).collect();
    ingress.extend(n.ingress.clone().unwrap_or_default());
    let mut types = vec!["Ingress"];
    if n.egress.is_some() {
        types.push("Egress");
    }
    ResolvedNetworkPolicy {
        name: n.name.clone().unwrap_or_else(|| s.name.clone()),
        policy_types: types,
        ingress,
        egress: n.egress.clone(),
    }
}

fn allow_rule(a: &Allow) -> Value {
    let mut rule = serde_json::Map::new();
    let mut peer = serde_json::Map::new();
    if let Some(p) = &a.pods {
        peer.insert("podSelector".into(), json!({ "matchLabels": p }));
    }
    if let Some(n) = &a.namespaces {
        peer.insert("namespaceSelector".into(), json!({ "matchLabels": n }));
    }
    if let Some(c) = &a.cidr {
        peer.insert("ipBlock".into(), json!({ "cidr": c }));
    }
    if !peer.is_empty() {
        rule.insert("from".into(), json!([peer]));
    }
    if !a.ports.is_empty() {
        let ports = a.ports.iter().map(|p| json!({ "port": p })).collect();
        rule.insert("ports".into(), ports);
    }
    Value::Object(rule)
}

/// A hash of the generated ConfigMaps' content, for the pod template: a change rolls the pods.
fn config_hash(maps: &[ResolvedConfigMap]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for m in maps {
        h.update(serde_json::to_string(&(&m.name, &m.data)).unwrap_or_default());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
