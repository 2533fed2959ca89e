//! The API server's rules for a StatefulSet (`ValidateStatefulSet` in
//! kubernetes/kubernetes `pkg/apis/apps/validation`), plus what makes its pods fail to start:
//! the name, the update strategy, the selector, the governing Service, the claim templates,
//! and the containers' names, ports and mounts.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use super::{arr, at, str_at, Ctx, MAX_STATEFULSET_NAME};
use crate::k8s::names::*;
use crate::k8s::pointer::display_path;
use crate::k8s::version::KubeVersion;
use crate::validate::Violation;

/// Every rule of one StatefulSet; `services` are the Services of the same output.
pub(super) fn statefulset(
    c: &mut Ctx,
    obj: &Value,
    services: &HashMap<(&str, &str), &Value>,
    version: KubeVersion,
) {
    if let Err(e) = crate::k8s::apps::StatefulSetSpec::of(obj) {
        // The API server's decoder refuses the object before any rule runs.
        let value = obj.pointer(&e.pointer).cloned();
        c.out.push(Violation::error(
            "out-of-range",
            e.pointer,
            value,
            format!(
                "StatefulSet in version \"v1\" cannot be handled as a StatefulSet: {}",
                e.message
            ),
        ));
        return;
    }
    super::super::pod::template(c, obj, "/spec/template", version);
    name(c, obj);
    c.namespace(obj);
    c.labels(obj, "/metadata/labels");
    c.labels(obj, "/spec/template/metadata/labels");
    c.annotations(obj, "/spec/template/metadata/annotations");
    for p in [
        "/spec/replicas",
        "/spec/minReadySeconds",
        "/spec/updateStrategy/rollingUpdate/partition",
        "/spec/ordinals/start",
        "/spec/template/spec/terminationGracePeriodSeconds",
    ] {
        c.non_negative(obj, p);
    }
    update_strategy(c, obj);
    selector(c, obj);
    service_name(c, obj, services);
    let claim_names = claim_templates(c, obj);
    let mounted = containers(c, obj, &claim_names);
    unmounted_claims(c, obj, &mounted);
}

/// The name: a DNS label, short enough for the revision label of its pods.
fn name(c: &mut Ctx, obj: &Value) {
    c.name(obj, dns1123_label);
    let name = str_at(obj, "/metadata/name").unwrap_or_default();
    if name.len() > MAX_STATEFULSET_NAME && name.len() <= 63 {
        c.out.push(
            Violation::error(
                "name-too-long",
                "/metadata/name".into(),
                Some(obj["metadata"]["name"].clone()),
                format!(
                    "metadata.name: Invalid value: {name:?}: must be no more than {MAX_STATEFULSET_NAME} characters for a StatefulSet ({} given)",
                    name.len()
                ),
            )
            .help("every pod gets the label controller-revision-hash=<name>-<hash of up to 10 characters>, which must fit in 63 characters; the API server accepts the set but every pod creation then fails"),
        );
    }
}

/// `rollingUpdate` only with the RollingUpdate strategy.
fn update_strategy(c: &mut Ctx, obj: &Value) {
    if let Some(ru) = at(obj, "/spec/updateStrategy/rollingUpdate") {
        let t = str_at(obj, "/spec/updateStrategy/type").unwrap_or_default();
        if t != "RollingUpdate" {
            c.out.push(Violation::error(
                "invalid-value",
                "/spec/updateStrategy/rollingUpdate".into(),
                None,
                format!("spec.updateStrategy.rollingUpdate: Invalid value: {ru}: only allowed for updateStrategy 'RollingUpdate'"),
            ));
        }
    }
}

/// The selector: present, non-empty, valid, and matching the template's labels.
fn selector(c: &mut Ctx, obj: &Value) {
    let tlabels = at(obj, "/spec/template/metadata/labels").and_then(Value::as_object);
    let empty = || {
        Violation::error(
            "selector-mismatch",
            "/spec/selector".into(),
            None,
            "spec.selector: Invalid value: {}: empty selector is invalid for statefulset".into(),
        )
    };
    match at(obj, "/spec/selector").map(crate::k8s::selector::Selector::from_api) {
        None => c.out.push(empty()),
        Some(Err(e)) => c.out.push(Violation::error(
            "selector-mismatch",
            "/spec/selector".into(),
            None,
            format!("spec.selector.{e}"),
        )),
        Some(Ok(sel)) if sel.is_empty() => c.out.push(empty()),
        Some(Ok(sel)) => {
            let labels = at(obj, "/spec/template/metadata/labels")
                .cloned()
                .unwrap_or(Value::Null);
            if !sel.matches(&labels) {
                let shown: BTreeMap<_, _> = tlabels
                    .map(|t| {
                        t.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                let map = shown
                    .iter()
                    .map(|(k, v)| format!("{k}:{v}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                c.out.push(Violation::error(
                    "selector-mismatch",
                    "/spec/template/metadata/labels".into(),
                    None,
                    format!("spec.template.metadata.labels: Invalid value: map[string]string{{{map}}}: `selector` does not match template `labels`"),
                ));
            }
        }
    }
}

/// `serviceName` names a headless Service of the same output and namespace.
fn service_name(c: &mut Ctx, obj: &Value, services: &HashMap<(&str, &str), &Value>) {
    let ns = str_at(obj, "/metadata/namespace").unwrap_or("default");
    if let Some(svc) = str_at(obj, "/spec/serviceName").filter(|s| !s.is_empty()) {
        let problems = dns1123_label(svc);
        c.invalid(
            "invalid-name",
            "/spec/serviceName",
            &obj["spec"]["serviceName"],
            problems,
        );
        let found = services.get(&(ns, svc));
        match found {
            None => c.out.push(
                Violation::error(
                    "missing-headless-service",
                    "/spec/serviceName".into(),
                    Some(obj["spec"]["serviceName"].clone()),
                    format!("spec.serviceName: Not found: the governing Service {svc:?} is not in the output"),
                )
                .help("the StatefulSet's pods get their DNS names from a headless Service (clusterIP: None) of that name"),
            ),
            Some(s) if str_at(s, "/spec/clusterIP") != Some("None") => c.out.push(Violation::error(
                "missing-headless-service",
                "/spec/serviceName".into(),
                Some(obj["spec"]["serviceName"].clone()),
                format!("spec.serviceName: Invalid value: {svc:?}: the governing Service must be headless (clusterIP: None)"),
            )),
            Some(_) => {}
        }
    }
}

/// Every claim template; the names of the valid ones.
fn claim_templates(c: &mut Ctx, obj: &Value) -> HashSet<String> {
    let set_name = str_at(obj, "/metadata/name").unwrap_or_default();
    let mut claim_names = HashSet::new();
    for (i, t) in arr(obj, "/spec/volumeClaimTemplates").iter().enumerate() {
        let base = format!("/spec/volumeClaimTemplates/{i}");
        claim_name(c, &base, t, set_name, &mut claim_names);
        access_modes(c, &base, t);
        claim_storage(c, &base, t);
    }
    claim_names
}

/// A claim template's name: a unique DNS label whose claims' names fit.
fn claim_name(
    c: &mut Ctx,
    base: &str,
    t: &Value,
    set_name: &str,
    claim_names: &mut HashSet<String>,
) {
    let v = &t["metadata"]["name"];
    if let Some(n) = v.as_str() {
        let problems = dns1123_label(n);
        c.invalid(
            "invalid-name",
            &format!("{base}/metadata/name"),
            v,
            problems,
        );
        if !claim_names.insert(n.to_string()) {
            c.out.push(Violation::error(
                "duplicate-name",
                format!("{base}/metadata/name"),
                Some(v.clone()),
                format!(
                    "{}: Duplicate value: {n:?}",
                    display_path(&format!("{base}/metadata/name"))
                ),
            ));
        }
        // The claim `<template>-<set>-<ordinal>` must be a DNS subdomain.
        if n.len() + set_name.len() + 12 > 253 {
            c.out.push(Violation::error(
                "name-too-long",
                format!("{base}/metadata/name"),
                Some(v.clone()),
                format!(
                    "{}: claim names {n}-{set_name}-<ordinal> would pass 253 characters",
                    display_path(&format!("{base}/metadata/name"))
                ),
            ));
        }
    }
}

/// A claim template's access modes: at least one, known, ReadWriteOncePod alone.
fn access_modes(c: &mut Ctx, base: &str, t: &Value) {
    let modes = arr(t, "/spec/accessModes");
    if modes.is_empty() {
        c.out.push(Violation::error(
            "invalid-access-mode",
            format!("{base}/spec/accessModes"),
            None,
            format!(
                "{}: Required value: at least 1 access mode is required",
                display_path(&format!("{base}/spec/accessModes"))
            ),
        ));
    }
    for (j, m) in modes.iter().enumerate() {
        let ok = [
            "ReadWriteOnce",
            "ReadOnlyMany",
            "ReadWriteMany",
            "ReadWriteOncePod",
        ];
        if let Some(s) = m.as_str() {
            if !ok.contains(&s) {
                c.out.push(Violation::error(
                    "invalid-access-mode",
                    format!("{base}/spec/accessModes/{j}"),
                    Some(m.clone()),
                    format!("{}: Unsupported value: {s:?}: supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"", display_path(&format!("{base}/spec/accessModes/{j}"))),
                ));
            }
        }
    }
    if modes.len() > 1 && modes.iter().any(|m| m == "ReadWriteOncePod") {
        c.out.push(Violation::error(
            "invalid-access-mode",
            format!("{base}/spec/accessModes"),
            None,
            format!(
                "{}: Forbidden: may not use ReadWriteOncePod with other access modes",
                display_path(&format!("{base}/spec/accessModes"))
            ),
        ));
    }
}

/// A claim template's storage request and class.
fn claim_storage(c: &mut Ctx, base: &str, t: &Value) {
    match at(t, "/spec/resources/requests/storage") {
        None => c.out.push(Violation::error(
            "invalid-quantity",
            format!("{base}/spec/resources/requests"),
            None,
            format!(
                "{}: Required value",
                display_path(&format!("{base}/spec/resources/requests/storage"))
            ),
        )),
        Some(q) => c.quantity(&format!("{base}/spec/resources/requests/storage"), q, true),
    }
    if let Some(sc) = at(t, "/spec/storageClassName") {
        // "" opts out of the default class: valid, and not a name.
        if let Some(s) = sc.as_str().filter(|s| !s.is_empty()) {
            let problems = dns1123_subdomain(s);
            c.invalid(
                "invalid-name",
                &format!("{base}/spec/storageClassName"),
                sc,
                problems,
            );
        }
    }
}

/// Every container and init container (native sidecars mount, name and expose ports like the
/// others); the volumes they mount.
fn containers(c: &mut Ctx, obj: &Value, claim_names: &HashSet<String>) -> HashSet<String> {
    let volumes: HashSet<&str> = arr(obj, "/spec/template/spec/volumes")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    let mut mounted = HashSet::new();
    let all: Vec<(String, &Value)> = ["containers", "initContainers"]
        .iter()
        .flat_map(|list| {
            arr(obj, &format!("/spec/template/spec/{list}"))
                .iter()
                .enumerate()
                .map(move |(i, c)| (format!("/spec/template/spec/{list}/{i}"), c))
        })
        .collect();
    for (base, ctr) in all {
        container_name(c, &base, ctr);
        container_ports(c, &base, ctr);
        container_mounts(c, &base, ctr, claim_names, &volumes, &mut mounted);
        container_resources(c, &base, ctr);
    }
    mounted
}

fn container_name(c: &mut Ctx, base: &str, ctr: &Value) {
    if let Some(n) = ctr["name"].as_str() {
        let problems = dns1123_label(n);
        c.invalid(
            "invalid-name",
            &format!("{base}/name"),
            &ctr["name"],
            problems,
        );
    }
}

/// Port numbers, and names that are unique IANA service names.
fn container_ports(c: &mut Ctx, base: &str, ctr: &Value) {
    let mut port_names = HashSet::new();
    for (pi, p) in arr(ctr, "/ports").iter().enumerate() {
        let pb = format!("{base}/ports/{pi}");
        c.port_number(&format!("{pb}/containerPort"), &p["containerPort"]);
        if let Some(n) = p["name"].as_str() {
            let problems = iana_svc_name(n);
            c.invalid("invalid-port", &format!("{pb}/name"), &p["name"], problems);
            if !port_names.insert(n.to_string()) {
                c.out.push(Violation::error(
                    "duplicate-port",
                    format!("{pb}/name"),
                    Some(p["name"].clone()),
                    format!(
                        "{}: Duplicate value: {n:?}",
                        display_path(&format!("{pb}/name"))
                    ),
                ));
            }
        }
    }
}

/// Mounts of a claim template or pod volume, at absolute paths.
fn container_mounts(
    c: &mut Ctx,
    base: &str,
    ctr: &Value,
    claim_names: &HashSet<String>,
    volumes: &HashSet<&str>,
    mounted: &mut HashSet<String>,
) {
    for (mi, m) in arr(ctr, "/volumeMounts").iter().enumerate() {
        let mb = format!("{base}/volumeMounts/{mi}");
        if let Some(n) = m["name"].as_str() {
            mounted.insert(n.to_string());
            if !claim_names.contains(n) && !volumes.contains(n) {
                c.out.push(Violation::error(
                    "unknown-volume",
                    format!("{mb}/name"),
                    Some(m["name"].clone()),
                    format!("{}: Not found: {n:?}", display_path(&format!("{mb}/name"))),
                ).help("a volume mount needs a volumeClaimTemplate or a pod volume of the same name"));
            }
        }
        if let Some(p) = m["mountPath"].as_str() {
            if !p.starts_with('/') {
                c.out.push(Violation::error(
                    "relative-mount-path",
                    format!("{mb}/mountPath"),
                    Some(m["mountPath"].clone()),
                    format!(
                        "{}: Invalid value: {p:?}: must be an absolute path",
                        display_path(&format!("{mb}/mountPath"))
                    ),
                ));
            }
        }
    }
}

/// Resource requests and limits are quantities.
fn container_resources(c: &mut Ctx, base: &str, ctr: &Value) {
    for part in ["requests", "limits"] {
        if let Some(m) = ctr["resources"].get(part).and_then(Value::as_object) {
            for (k, q) in m {
                c.quantity(
                    &format!("{base}/resources/{part}/{}", crate::k8s::pointer::escape(k)),
                    q,
                    false,
                );
            }
        }
    }
}

/// A claim template no container mounts.
fn unmounted_claims(c: &mut Ctx, obj: &Value, mounted: &HashSet<String>) {
    let claims = arr(obj, "/spec/volumeClaimTemplates");
    for (i, t) in claims.iter().enumerate() {
        if let Some(n) = t["metadata"]["name"].as_str() {
            if !mounted.contains(n) {
                c.out.push(
                    Violation::error(
                        "unmounted-claim",
                        format!("/spec/volumeClaimTemplates/{i}/metadata/name"),
                        Some(t["metadata"]["name"].clone()),
                        format!("spec.volumeClaimTemplates[{i}]: claim template {n:?} is not mounted by any container"),
                    )
                    .help("add a volumeMount with this name, or remove the claim template"),
                );
            }
        }
    }
}
