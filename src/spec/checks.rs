//! Spec-level checks of the pod and object fields that the generated objects cannot show on
//! their own: exclusive forms given together, references to containers, version gates.

use crate::diag::Finding;
use crate::k8s::version::KubeVersion;

use super::model::*;
use super::resolve::client_services;
use super::LoadedApp;

/// Every problem of the app's pod and object fields.
pub fn check(app: &LoadedApp, version: KubeVersion) -> Vec<Finding> {
    let mut out = Vec::new();
    let s = &app.spec;
    let err = |out: &mut Vec<Finding>, rule, ptr: &str, msg: String| {
        out.push(Finding::error(rule, &app.file, app.span(ptr), msg));
    };
    for (ptr, c) in client_services(s) {
        if c.port.is_none() && c.ports.is_empty() {
            let at = app.doc.locate(&ptr);
            let span = at.key.unwrap_or(at.value);
            let msg = format!(
                "{}.port: Required value",
                crate::k8s::pointer::display_path(&ptr)
            );
            out.push(
                Finding::error("missing-field", &app.file, span, msg)
                    .with_help("give `port` (one port) or `ports` (a list)"),
            );
        }
        if ptr.starts_with("/services/") && c.name.is_none() {
            let msg = format!(
                "{}.name: Required value",
                crate::k8s::pointer::display_path(&ptr)
            );
            err(&mut out, "missing-field", &ptr, msg);
        }
    }
    for (ptr, p) in probes(s) {
        check_probe(&mut out, app, &ptr, p);
    }
    for (ptr, e) in envs(s) {
        if super::kube::env_sources(e) > 1 {
            let msg = format!("{}: may not have more than one of value, fieldRef, resourceFieldRef, secretKeyRef, configMapKeyRef, valueFrom", crate::k8s::pointer::display_path(&ptr));
            err(&mut out, "invalid-value", &ptr, msg);
        }
    }
    for (i, v) in s.volumes.iter().enumerate() {
        let ptr = format!("/volumes/{i}");
        if v.source.len() != 1 {
            let msg = format!("volumes[{i}]: must specify exactly 1 volume source (emptyDir, configMap, secret, projected, downwardAPI, ...), found {}", v.source.len());
            err(&mut out, "invalid-value", &ptr, msg);
        }
        if v.mount_path.is_none() && (v.sub_path.is_some() || v.read_only.is_some()) {
            let msg = format!("volumes[{i}]: subPath and readOnly need mountPath");
            err(&mut out, "invalid-value", &ptr, msg);
        }
    }
    check_mount_containers(&mut out, app);
    if let Some(b) = &s.disruption_budget {
        if b.min_available.is_some() == b.max_unavailable.is_some() {
            let msg =
                "disruptionBudget: give exactly one of minAvailable and maxUnavailable".to_string();
            err(&mut out, "invalid-value", "/disruptionBudget", msg);
        }
    }
    check_versions(&mut out, app, version);
    check_binding_namespace(&mut out, app);
    out
}

/// A ClusterRoleBinding must name its ServiceAccount's namespace; without `namespace:` that is
/// `default`, which is wrong wherever the objects are applied to another namespace.
fn check_binding_namespace(out: &mut Vec<Finding>, app: &LoadedApp) {
    let s = &app.spec;
    let Some(sa) = &s.service_account else { return };
    if s.namespace.is_some() || sa.pod_security_policy.is_none() {
        return;
    }
    let binding = sa
        .cluster_role_binding
        .clone()
        .unwrap_or_else(|| format!("{}-psp", sa.name));
    let msg = format!(
        "ClusterRoleBinding {binding:?} names ServiceAccount {:?} in namespace \"default\" because the spec sets no namespace: applied to another namespace (kubectl apply -n, Argo CD's destination namespace) it binds an account that is not there",
        sa.name
    );
    out.push(
        Finding::warning("unset-namespace", &app.file, app.span("/serviceAccount/podSecurityPolicy"), msg)
            .with_help("set `namespace:` in the spec or build with --namespace; kustomize's `namespace:` rewrites the subject itself"),
    );
}

fn check_probe(out: &mut Vec<Finding>, app: &LoadedApp, ptr: &str, p: &Probe) {
    let path = crate::k8s::pointer::display_path(ptr);
    let mut say = |msg: String| {
        out.push(Finding::error(
            "invalid-probe",
            &app.file,
            app.span(ptr),
            msg,
        ));
    };
    match super::kube::probe_handlers(p) {
        0 => say(format!(
            "{path}: Required value: must specify a handler type (http, tcp, exec or grpc)"
        )),
        1 => {}
        _ => say(format!(
            "{path}: Forbidden: may not specify more than 1 handler type"
        )),
    }
    if p.port.is_some() && p.http.is_none() {
        say(format!(
            "{path}.port: goes with `http`; write `tcp: PORT` for a TCP probe"
        ));
    }
    let strict = ptr.ends_with("livenessProbe") || ptr.ends_with("startupProbe");
    if strict && p.success_threshold.is_some_and(|n| n != 1) {
        say(format!("{path}.successThreshold: Invalid value: must be 1"));
    }
}

/// Every probe of the spec, with its pointer.
fn probes(s: &AppSpec) -> Vec<(String, &Probe)> {
    fn add<'a>(out: &mut Vec<(String, &'a Probe)>, base: &str, c: [&'a Option<Probe>; 3]) {
        for (name, p) in ["readinessProbe", "livenessProbe", "startupProbe"]
            .iter()
            .zip(c)
        {
            if let Some(p) = p {
                out.push((format!("{base}/{name}"), p));
            }
        }
    }
    let mut out = Vec::new();
    add(
        &mut out,
        "",
        [&s.readiness_probe, &s.liveness_probe, &s.startup_probe],
    );
    for (base, c) in containers(s) {
        add(
            &mut out,
            &base,
            [&c.readiness_probe, &c.liveness_probe, &c.startup_probe],
        );
    }
    out
}

fn envs(s: &AppSpec) -> Vec<(String, &EnvVar)> {
    let mut out: Vec<(String, &EnvVar)> = s
        .env
        .iter()
        .enumerate()
        .map(|(i, e)| (format!("/env/{i}"), e))
        .collect();
    for (base, c) in containers(s) {
        out.extend(
            c.env
                .iter()
                .enumerate()
                .map(|(i, e)| (format!("{base}/env/{i}"), e)),
        );
    }
    out
}

/// The init containers, sidecars and extra containers, with their pointers.
fn containers(s: &AppSpec) -> Vec<(String, &Container)> {
    let lists = [
        ("initContainers", &s.init_containers),
        ("sidecars", &s.sidecars),
        ("containers", &s.containers),
    ];
    lists
        .into_iter()
        .flat_map(|(k, l)| {
            l.iter()
                .enumerate()
                .map(move |(i, c)| (format!("/{k}/{i}"), c))
        })
        .collect()
}

/// A mount's `container` must name a container of the pod.
fn check_mount_containers(out: &mut Vec<Finding>, app: &LoadedApp) {
    let s = &app.spec;
    let names: Vec<&str> = containers(s).iter().map(|(_, c)| c.name.as_str()).collect();
    let mut mounts = Vec::new();
    for (i, c) in s.storage.iter().enumerate() {
        mounts.extend(
            c.mounts
                .iter()
                .enumerate()
                .map(|(j, m)| (format!("/storage/{i}/mounts/{j}"), m)),
        );
    }
    for (i, v) in s.volumes.iter().enumerate() {
        mounts.extend(
            v.mounts
                .iter()
                .enumerate()
                .map(|(j, m)| (format!("/volumes/{i}/mounts/{j}"), m)),
        );
    }
    for (i, v) in s.config_maps.iter().enumerate() {
        mounts.extend(
            v.mounts
                .iter()
                .enumerate()
                .map(|(j, m)| (format!("/configMaps/{i}/mounts/{j}"), m)),
        );
    }
    for (ptr, m) in mounts {
        if let Some(c) = &m.container {
            if !names.contains(&c.as_str()) {
                let ptr = format!("{ptr}/container");
                let msg = format!(
                    "{}: no init container, sidecar or container is named {c:?}",
                    crate::k8s::pointer::display_path(&ptr)
                );
                out.push(
                    Finding::error("unknown-container", &app.file, app.span(&ptr), msg)
                        .with_help("leave `container` out to mount in the app's own container"),
                );
            }
        }
    }
}

/// Fields the target version does not have, or has behind a gate that is off.
fn check_versions(out: &mut Vec<Finding>, app: &LoadedApp, version: KubeVersion) {
    let s = &app.spec;
    let native = s.init_containers.iter().any(|c| c.restart_policy.is_some());
    if (!s.sidecars.is_empty() || native) && !version.sidecar_containers() {
        let ptr = if s.sidecars.is_empty() {
            "/initContainers"
        } else {
            "/sidecars"
        };
        let msg = format!("native sidecars (init containers with restartPolicy: Always) need Kubernetes 1.29 or newer (SidecarContainers); the target is {version}");
        out.push(
            Finding::error("feature-gate", &app.file, app.span(ptr), msg).with_help(
                "target 1.29+ with --kube-version, or run the sidecar under `containers`",
            ),
        );
    }
    // Before 1.30 the strict schema refuses the field; on 1.30 it is alpha and dropped.
    if version.minor == 30 {
        for (at, c) in client_services(s) {
            if c.traffic_distribution.is_some() {
                let ptr = format!("{at}/trafficDistribution");
                let msg = format!("{} needs the ServiceTrafficDistribution feature gate, off by default on {version}: the API server drops the field", crate::k8s::pointer::display_path(&ptr));
                out.push(Finding::warning(
                    "feature-gate",
                    &app.file,
                    app.span(&ptr),
                    msg,
                ));
            }
        }
    }
    let max = s
        .update_strategy
        .as_ref()
        .and_then(|u| u.max_unavailable.as_ref());
    if max.is_some() && !version.max_unavailable_statefulset() {
        let msg = format!("updateStrategy.maxUnavailable needs the MaxUnavailableStatefulSet feature gate, off by default on {version}: the controller updates one pod at a time");
        out.push(Finding::warning(
            "feature-gate",
            &app.file,
            app.span("/updateStrategy/maxUnavailable"),
            msg,
        ));
    }
}

/// Spec-level checks: what the generated objects cannot show (int32 ranges, the image, version
/// gates).
pub fn app(app: &LoadedApp, version: KubeVersion) -> Vec<Finding> {
    let mut out = Vec::new();
    int32_ranges(app, &mut out);
    image(app, &mut out);
    version_gates(app, version, &mut out);
    out
}

/// The counts that are int32 in Kubernetes, and a negative history limit.
fn int32_ranges(app: &LoadedApp, out: &mut Vec<Finding>) {
    let s = &app.spec;
    let src = &app.file;
    let int32 = |ptr: &str, v: Option<i64>, out: &mut Vec<Finding>| {
        if let Some(n) = v {
            let bound = if n > i64::from(i32::MAX) {
                Some("must be no more than 2147483647")
            } else if n < i64::from(i32::MIN) {
                Some("must be no less than -2147483648")
            } else {
                None
            };
            if let Some(b) = bound {
                out.push(Finding::error(
                    "out-of-range",
                    src,
                    app.span(ptr),
                    format!(
                        "{}: Invalid value: {n}: {b}",
                        crate::k8s::pointer::display_path(ptr)
                    ),
                ));
            }
        }
    };
    int32("/replicas", Some(s.replicas), out);
    int32("/minReadySeconds", s.min_ready_seconds, out);
    int32("/revisionHistoryLimit", s.revision_history_limit, out);
    if s.revision_history_limit.is_some_and(|n| n < 0) {
        // The API server accepts it with a warning (pkg/registry/apps/statefulset/strategy.go).
        out.push(Finding::warning(
            "negative-history-limit",
            src,
            app.span("/revisionHistoryLimit"),
            "spec.revisionHistoryLimit: a negative value retains all historical revisions; a value >= 0 is recommended".to_string(),
        ));
    }
    int32("/ordinals/start", s.ordinals.as_ref().map(|o| o.start), out);
    int32(
        "/updateStrategy/partition",
        s.update_strategy.as_ref().and_then(|u| u.partition),
        out,
    );
}

/// A non-empty image reference without spaces.
fn image(app: &LoadedApp, out: &mut Vec<Finding>) {
    let (s, src) = (&app.spec, &app.file);
    if s.image.trim().is_empty() || s.image.chars().any(char::is_whitespace) {
        out.push(Finding::error(
            "invalid-value",
            src,
            app.span("/image"),
            format!(
                "image: Invalid value: {:?}: must be a non-empty image reference without spaces",
                s.image
            ),
        ));
    }
}

/// Fields the version removed or gates off by default.
fn version_gates(app: &LoadedApp, version: KubeVersion, out: &mut Vec<Finding>) {
    let (s, src) = (&app.spec, &app.file);
    if let Some(psp) = s
        .service_account
        .as_ref()
        .and_then(|sa| sa.pod_security_policy.as_ref())
    {
        if version.psp_removed() {
            out.push(
                Finding::warning(
                    "psp-removed",
                    src,
                    app.span("/serviceAccount/podSecurityPolicy"),
                    format!(
                        "PodSecurityPolicy was removed in Kubernetes 1.25: on {version} the ClusterRole granting `use` on {psp:?} and its binding grant nothing"
                    ),
                )
                .with_help("label the namespace for Pod Security Admission instead: pod-security.kubernetes.io/enforce=<privileged|baseline|restricted> (with pod-security.kubernetes.io/enforce-version, and the audit and warn variants)"),
            );
        }
    }
    if !version.pvc_retention_policy() {
        if s.pvc_retention_policy.is_some() {
            out.push(Finding::warning(
                "feature-gate",
                src,
                app.span("/pvcRetentionPolicy"),
                format!("pvcRetentionPolicy needs the StatefulSetAutoDeletePVC feature gate, off by default on {version}: the API server drops the field and keeps every claim"),
            ));
        }
        if s.ordinals.is_some() && version.ordinals_field() && !version.start_ordinals() {
            out.push(Finding::warning(
                "feature-gate",
                src,
                app.span("/ordinals"),
                format!("ordinals needs the StatefulSetStartOrdinal feature gate, off by default on {version}: pods start at 0"),
            ));
        }
    }
}
