//! Where a field of a generated object comes from in the spec: a map from the object's JSON
//! pointer to the spec's, by the structure the embedded templates give each kind. A finding is
//! located by the path that produced the value, never by searching for an equal value (an
//! error about `mountPath: data` must not point at an earlier `name: data`).

use serde_json::Value;

use crate::source::Span;
use crate::spec::{self, LoadedApp};

/// The spec line of the value at `pointer` in `object` (one of `app`'s objects). `value` is the
/// offending value when there is one: a map entry is located at its key when the key is what
/// is wrong. A field the spec left to a default is located at the nearest field that decides
/// it, else at the app's name.
pub fn locate(app: &LoadedApp, object: &Value, pointer: &str, value: Option<&Value>) -> Span {
    let kind = object["kind"].as_str().unwrap_or_default();
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let spec = compact_probe(app, spec_pointer(app, kind, name, pointer));
    let mut p = spec.as_str();
    loop {
        if let Some(loc) = app.doc.spans.get(p) {
            let key_is_wrong = p == spec
                && value.and_then(Value::as_str).is_some_and(|v| {
                    app.doc.value.pointer(p) != Some(&Value::String(v.to_string()))
                        && last_token(p).as_deref() == Some(v)
                });
            // A section (a mapping or list) is shown by its key line, as is a default's source.
            let collection = matches!(
                app.doc.value.pointer(p),
                Some(Value::Object(_) | Value::Array(_))
            );
            return match (key_is_wrong || collection || p != spec, loc.key) {
                (true, Some(k)) => k,
                _ => loc.value,
            };
        }
        match p.rfind('/') {
            Some(i) if i > 0 => p = &p[..i],
            _ => break,
        }
    }
    let l = app.doc.locate("/name");
    l.key.unwrap_or(l.value)
}

/// A probe's Kubernetes handler fields come from its compact keys when the spec uses them
/// (`httpGet.port` from `port`, `httpGet.path` from `http`, `tcpSocket` from `tcp`, ...).
fn compact_probe(app: &LoadedApp, spec: String) -> String {
    const FORMS: &[(&str, &str)] = &[
        ("/httpGet/port", "/port"),
        ("/httpGet", "/http"),
        ("/tcpSocket", "/tcp"),
        ("/exec", "/exec"),
        ("/grpc", "/grpc"),
    ];
    if app.doc.spans.contains_key(spec.as_str()) {
        return spec;
    }
    for (full, compact) in FORMS {
        if let Some(i) = spec.find(full).filter(|i| spec[..*i].ends_with("Probe")) {
            let candidate = format!("{}{compact}", &spec[..i]);
            if app.doc.spans.contains_key(candidate.as_str()) {
                return candidate;
            }
        }
    }
    spec
}

fn last_token(p: &str) -> Option<String> {
    p.rsplit('/')
        .next()
        .map(|k| crate::k8s::pointer::unescape(k).into_owned())
}

/// Where an object's metadata comes from: labels from their spec fields, the namespace from
/// `namespace`, the name from `own` (the field that names the object), the rest from `name`.
fn meta_pointer(s: &spec::AppSpec, rest: &str, own: &str) -> String {
    if let Some(k) = rest.strip_prefix("/metadata/labels") {
        label_pointer(s, k)
    } else if rest.starts_with("/metadata/namespace") {
        "/namespace".into()
    } else if rest.starts_with("/metadata/name") {
        own.into()
    } else {
        "/name".into()
    }
}

/// The spec field behind a field of the Service `name` (the last of that name: a clash is
/// reported at the later Service).
fn service_spec_pointer(s: &spec::AppSpec, name: &str, pointer: &str) -> String {
    let svc = spec::services(s).into_iter().rev().find(|v| v.name == name);
    let section = svc.map_or("/headlessService".to_string(), |v| v.section);
    let section = section.as_str();
    service_pointer(s, section, pointer).unwrap_or_else(|| {
        // The headless Service is named after the app unless the spec names it.
        let named = match section {
            "/headlessService" => match &s.headless_service {
                Some(spec::HeadlessService::Name(_)) => Some(section.to_string()),
                Some(spec::HeadlessService::Full(h)) if h.name.is_some() => {
                    Some(format!("{section}/name"))
                }
                _ => None,
            },
            _ => Some(format!("{section}/name")),
        };
        meta_pointer(s, pointer, named.as_deref().unwrap_or("/name"))
    })
}

/// The spec pointer that feeds `pointer` of the object `kind`/`name`.
fn spec_pointer(app: &LoadedApp, kind: &str, name: &str, pointer: &str) -> String {
    let s = &app.spec;
    let meta = |rest: &str, own: &str| meta_pointer(s, rest, own);
    match kind {
        "StatefulSet" => {
            statefulset_pointer(app, pointer).unwrap_or_else(|| meta(pointer, "/name"))
        }
        "Service" => service_spec_pointer(s, name, pointer),
        "StorageClass" => match pointer {
            p if p.starts_with("/metadata/name") => "/storageClass/name".into(),
            p if p.starts_with("/metadata") => meta(p, "/storageClass/name"),
            p => format!("/storageClass{p}"),
        },
        "ConfigMap" => {
            let i = s
                .config_maps
                .iter()
                .position(|c| c.name == name)
                .unwrap_or(0);
            match pointer.strip_prefix("/data") {
                Some(_) => format!("/configMaps/{i}/data"),
                None => meta(pointer, &format!("/configMaps/{i}/name")),
            }
        }
        "PodDisruptionBudget" => match pointer.strip_prefix("/spec") {
            Some(r) if r.starts_with("/selector") => "/labels".into(),
            Some(r) => format!("/disruptionBudget{r}"),
            None => meta(pointer, "/disruptionBudget"),
        },
        "NetworkPolicy" => match pointer.strip_prefix("/spec") {
            Some(r) if r.starts_with("/podSelector") => "/labels".into(),
            Some(r) => networkpolicy_pointer(s, r),
            None => meta(pointer, "/networkPolicy"),
        },
        "Role" if pointer.starts_with("/rules") => format!("/serviceAccount{pointer}"),
        "Role" => meta(pointer, role_field(s, |a| a.role.is_some(), "role")),
        "RoleBinding" if pointer.starts_with("/roleRef") => {
            role_field(s, |a| a.role.is_some(), "role").into()
        }
        "RoleBinding" if pointer.starts_with("/subjects") => "/serviceAccount/name".into(),
        "RoleBinding" => meta(
            pointer,
            role_field(s, |a| a.role_binding.is_some(), "roleBinding"),
        ),
        "ServiceAccount" => meta(pointer, "/serviceAccount/name"),
        "ClusterRole" if pointer.starts_with("/rules") => {
            "/serviceAccount/podSecurityPolicy".into()
        }
        "ClusterRole" => meta(pointer, "/serviceAccount/clusterRole"),
        "ClusterRoleBinding" if pointer.starts_with("/roleRef") => {
            "/serviceAccount/clusterRole".into()
        }
        "ClusterRoleBinding" if pointer.starts_with("/subjects") => "/serviceAccount/name".into(),
        "ClusterRoleBinding" => meta(pointer, "/serviceAccount/clusterRoleBinding"),
        _ => "/name".into(),
    }
}

/// `/serviceAccount/FIELD` when the spec names the object, else the account's name it defaults to.
fn role_field(
    s: &spec::AppSpec,
    given: impl Fn(&spec::ServiceAccount) -> bool,
    field: &'static str,
) -> &'static str {
    match (s.service_account.as_ref().is_some_and(given), field) {
        (true, "role") => "/serviceAccount/role",
        (true, _) => "/serviceAccount/roleBinding",
        (false, _) => "/serviceAccount/name",
    }
}

/// Where a label of a generated object comes from: the common labels, the recommended ones,
/// or the selector's `labels`.
fn label_pointer(s: &spec::AppSpec, rest: &str) -> String {
    let key = rest.trim_start_matches('/');
    let key = crate::k8s::pointer::unescape(key).into_owned();
    if s.common_labels.contains_key(&key) {
        format!("/commonLabels{rest}")
    } else if s.labels.is_none() && s.recommended_labels.is_some() {
        "/recommendedLabels".into()
    } else {
        format!("/labels{rest}")
    }
}

/// A NetworkPolicy's rules: `allow` entries first, then the spec's own ingress rules.
fn networkpolicy_pointer(s: &spec::AppSpec, rest: &str) -> String {
    let Some(n) = &s.network_policy else {
        return "/networkPolicy".into();
    };
    if let Some(r) = rest.strip_prefix("/ingress/") {
        let (i, tail) = r.split_once('/').unwrap_or((r, ""));
        let i: usize = i.parse().unwrap_or(0);
        return if i < n.allow.len() {
            format!("/networkPolicy/allow/{i}")
        } else {
            format!("/networkPolicy/ingress/{}/{tail}", i - n.allow.len())
        };
    }
    format!("/networkPolicy{rest}")
}

/// A Service's fields: the headless Service's ports are the spec's `ports` unless it lists its
/// own; a ClusterIP or LoadBalancer Service's first port is its section's `port` when given.
fn service_pointer(s: &spec::AppSpec, section: &str, p: &str) -> Option<String> {
    if let Some(k) = p.strip_prefix("/spec/selector") {
        let own = match section {
            "/headlessService" => s
                .headless_service
                .as_ref()
                .is_some_and(|h| h.full().selector.is_some()),
            _ => client(s, section).is_some_and(|c| c.selector.is_some()),
        };
        return Some(if own {
            format!("{section}/selector{k}")
        } else {
            format!("/labels{k}")
        });
    }
    if let Some(r) = p.strip_prefix("/metadata/annotations") {
        return Some(format!("{section}/annotations{r}"));
    }
    if let Some(r) = p.strip_prefix("/spec/") {
        if !r.starts_with("ports") && !r.starts_with("type") && !r.starts_with("clusterIP") {
            return Some(format!("{section}/{r}"));
        }
    }
    let rest = p.strip_prefix("/spec/ports")?;
    let mut it = rest.trim_start_matches('/').splitn(2, '/');
    let (i, field) = (it.next()?, it.next().unwrap_or(""));
    if section == "/headlessService" {
        let own = s
            .headless_service
            .as_ref()
            .is_some_and(|h| h.full().ports.is_some());
        if own {
            return Some(join(&format!("/headlessService/ports/{i}"), field));
        }
        let field = match field {
            "port" | "targetPort" => "port",
            f => f,
        };
        return Some(join(&format!("/ports/{i}"), field));
    }
    let c = client(s, section)?;
    let i: usize = i.parse().ok()?;
    match (c.port.is_some(), i) {
        (true, 0) => Some(match field {
            "targetPort" => format!("{section}/targetPort"),
            "protocol" => format!("{section}/protocol"),
            _ => format!("{section}/port"),
        }),
        (one, i) => Some(join(
            &format!("{section}/ports/{}", i - usize::from(one)),
            field,
        )),
    }
}

/// The spec's ClusterIP or LoadBalancer Service of a section.
fn client<'a>(s: &'a spec::AppSpec, section: &str) -> Option<&'a spec::Service> {
    spec::client_services(s)
        .into_iter()
        .find_map(|(at, c)| (at == section).then_some(c))
}

fn join(base: &str, field: &str) -> String {
    if field.is_empty() {
        base.to_string()
    } else {
        format!("{base}/{field}")
    }
}

/// A StatefulSet's fields, by the template's structure.
fn statefulset_pointer(app: &LoadedApp, p: &str) -> Option<String> {
    const CONTAINER: &str = "/spec/template/spec/containers/0";
    let s = &app.spec;
    if let Some(rest) = p.strip_prefix(CONTAINER) {
        if rest.is_empty() || rest.starts_with('/') {
            return Some(container_pointer(s, rest));
        }
    }
    if let Some(rest) = p.strip_prefix("/spec/template/spec/containers/") {
        let (i, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let i: usize = i.parse().ok()?;
        return Some(join(&format!("/containers/{}", i.checked_sub(1)?), tail));
    }
    if let Some(rest) = p.strip_prefix("/spec/template/spec/initContainers/") {
        let (i, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let (_, at) = spec::kube::init_containers(s)
            .into_iter()
            .nth(i.parse().ok()?)?;
        return Some(join(&at, tail));
    }
    if let Some(rest) = p.strip_prefix("/spec/template/spec/volumes/") {
        let (i, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let (_, at) = spec::kube::volumes(s).into_iter().nth(i.parse().ok()?)?;
        return Some(join(&at, tail));
    }
    if let Some(rest) = p.strip_prefix("/spec/volumeClaimTemplates/") {
        return Some(claim_template_pointer(rest));
    }
    if let Some(rest) = p.strip_prefix("/spec/template/metadata/labels") {
        return Some(label_pointer(s, rest));
    }
    if let Some(rest) = p.strip_prefix("/spec/template/spec") {
        if let Some(x) = pod_pointer(s, rest) {
            return Some(x);
        }
    }
    set_field_pointer(p)
}

/// `volumeClaimTemplates/N/…` → the `storage[N]` field behind it.
fn claim_template_pointer(rest: &str) -> String {
    let (i, field) = rest.split_once('/').unwrap_or((rest, ""));
    let f = match field {
        "metadata/name" => "/name".to_string(),
        f if f.starts_with("metadata/labels") => format!("/labels{}", &f[15..]),
        f if f.starts_with("metadata/annotations") => format!("/annotations{}", &f[20..]),
        f if f.starts_with("spec/storageClassName") => "/storageClass".into(),
        f if f.starts_with("spec/volumeMode") => "/volumeMode".into(),
        f if f.starts_with("spec/accessModes") => {
            format!("/accessModes{}", &f["spec/accessModes".len()..])
        }
        f if f.starts_with("spec/resources") => "/size".into(),
        _ => String::new(),
    };
    format!("/storage/{i}{f}")
}

/// The set's own fields, by a table of StatefulSet field → spec field.
fn set_field_pointer(p: &str) -> Option<String> {
    let table: &[(&str, &str)] = &[
        ("/spec/selector/matchLabels", "/labels"),
        ("/spec/template/metadata/annotations", "/annotations"),
        ("/spec/serviceName", "/headlessService"),
        ("/spec/replicas", "/replicas"),
        ("/spec/minReadySeconds", "/minReadySeconds"),
        ("/spec/revisionHistoryLimit", "/revisionHistoryLimit"),
        ("/spec/podManagementPolicy", "/podManagementPolicy"),
        ("/spec/ordinals", "/ordinals"),
        (
            "/spec/updateStrategy/rollingUpdate/maxUnavailable",
            "/updateStrategy/maxUnavailable",
        ),
        (
            "/spec/updateStrategy/rollingUpdate",
            "/updateStrategy/partition",
        ),
        ("/spec/updateStrategy", "/updateStrategy"),
        (
            "/spec/persistentVolumeClaimRetentionPolicy",
            "/pvcRetentionPolicy",
        ),
    ];
    table.iter().find_map(|(from, to)| {
        let rest = p.strip_prefix(from)?;
        let rest = if to.ends_with("partition") || to.ends_with("maxUnavailable") {
            ""
        } else {
            rest
        };
        (rest.is_empty() || rest.starts_with('/')).then(|| format!("{to}{rest}"))
    })
}

/// The pod spec's own fields (`rest` after `/spec/template/spec`).
fn pod_pointer(s: &spec::AppSpec, rest: &str) -> Option<String> {
    let field = rest.trim_start_matches('/').split('/').next().unwrap_or("");
    let tail = &rest[(field.len() + 1).min(rest.len())..];
    Some(match field {
        "serviceAccountName" => "/serviceAccount/name".into(),
        "securityContext" if s.pod_security_context.is_none() && s.pod_security.is_some() => {
            "/podSecurity".into()
        }
        "securityContext" => format!("/podSecurityContext{tail}"),
        "affinity" if s.affinity.is_none() && s.spread.is_some() => "/spread".into(),
        "nodeSelector"
        | "terminationGracePeriodSeconds"
        | "affinity"
        | "tolerations"
        | "topologySpreadConstraints"
        | "priorityClassName"
        | "runtimeClassName"
        | "schedulerName"
        | "dnsPolicy"
        | "dnsConfig"
        | "hostAliases"
        | "imagePullSecrets"
        | "automountServiceAccountToken"
        | "enableServiceLinks"
        | "hostNetwork" => rest.to_string(),
        _ => return None,
    })
}

/// The app's one container: its fields are the spec's top-level ones.
fn container_pointer(s: &spec::AppSpec, rest: &str) -> String {
    let field = rest.trim_start_matches('/').split('/').next().unwrap_or("");
    let tail = |t: &str| {
        if t.is_empty() {
            String::new()
        } else {
            format!("/{t}")
        }
    };
    match field {
        // The container is named after the app unless the spec names it.
        "name" if s.container_name.is_some() => "/containerName".into(),
        "name" => "/name".into(),
        "securityContext" if s.security_context.is_none() && s.pod_security.is_some() => {
            "/podSecurity".into()
        }
        "image" | "imagePullPolicy" | "workingDir" => format!("/{field}"),
        "command" | "args" | "env" | "envFrom" | "resources" | "readinessProbe"
        | "livenessProbe" | "startupProbe" | "lifecycle" | "securityContext" => {
            format!("/{field}{}", tail(tail_of(rest)))
        }
        "ports" => {
            let (i, f) = tail_of(rest).split_once('/').unwrap_or((tail_of(rest), ""));
            let f = if f == "containerPort" { "port" } else { f };
            format!("/ports/{i}{}", tail(f))
        }
        "volumeMounts" => {
            let (i, f) = tail_of(rest).split_once('/').unwrap_or((tail_of(rest), ""));
            let mounts = spec::kube::mounts_for(s, None);
            match i.parse::<usize>().ok().and_then(|i| mounts.get(i)) {
                Some((_, at)) => format!("{at}{}", tail(f)),
                None => "/name".into(),
            }
        }
        _ => "/name".into(),
    }
}

/// `rest` after its first segment (`/env/0/name` → `0/name`).
fn tail_of(rest: &str) -> &str {
    rest.trim_start_matches('/')
        .split_once('/')
        .map_or("", |x| x.1)
}
