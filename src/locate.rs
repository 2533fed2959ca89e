//! Where a field of a generated object comes from in the spec: a map from the object's JSON
//! pointer to the spec's, by the structure the embedded templates give each kind. A finding is
//! located by the path that produced the value, never by searching for an equal value (an
//! error about `mountPath: data` must not point at an earlier `name: data`).

use serde_json::Value;

use crate::source::Span;
use crate::spec::LoadedApp;

/// The spec line of the value at `pointer` in `object` (one of `app`'s objects). `value` is the
/// offending value when there is one: a map entry is located at its key when the key is what
/// is wrong. A field the spec left to a default is located at the nearest field that decides
/// it, else at the app's name.
pub fn locate(app: &LoadedApp, object: &Value, pointer: &str, value: Option<&Value>) -> Span {
    let kind = object["kind"].as_str().unwrap_or_default();
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let spec = spec_pointer(app, kind, name, pointer);
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

fn last_token(p: &str) -> Option<String> {
    p.rsplit('/')
        .next()
        .map(|k| k.replace("~1", "/").replace("~0", "~"))
}

/// The spec pointer that feeds `pointer` of the object `kind`/`name`.
fn spec_pointer(app: &LoadedApp, kind: &str, name: &str, pointer: &str) -> String {
    let s = &app.spec;
    let meta = |rest: &str, own: &str| -> String {
        if let Some(k) = rest.strip_prefix("/metadata/labels") {
            format!("/labels{k}")
        } else if rest.starts_with("/metadata/namespace") {
            "/namespace".into()
        } else if rest.starts_with("/metadata/name") {
            own.into()
        } else {
            "/name".into()
        }
    };
    match kind {
        "StatefulSet" => {
            statefulset_pointer(app, pointer).unwrap_or_else(|| meta(pointer, "/name"))
        }
        "Service" => {
            let section = if s.service.as_ref().is_some_and(|x| x.name == name) {
                "/service"
            } else if s.load_balancer.is_some() && lb_name(app) == name {
                "/loadBalancer"
            } else {
                "/headlessService"
            };
            service_pointer(section, pointer).unwrap_or_else(|| {
                // The headless Service is named after the app unless the spec names it.
                let own = if section == "/headlessService" {
                    if s.headless_service.is_some() {
                        section
                    } else {
                        "/name"
                    }
                    .to_string()
                } else {
                    format!("{section}/name")
                };
                meta(pointer, &own)
            })
        }
        "StorageClass" => match pointer {
            p if p.starts_with("/metadata/name") => "/storageClass/name".into(),
            p if p.starts_with("/metadata") => meta(p, "/storageClass/name"),
            p => format!("/storageClass{p}"),
        },
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

fn lb_name(app: &LoadedApp) -> String {
    let s = &app.spec;
    s.load_balancer
        .as_ref()
        .and_then(|l| l.name.clone())
        .unwrap_or_else(|| format!("{}-lb", s.name))
}

/// A Service's fields: the headless Service's ports are the spec's `ports`; the ClusterIP and
/// LoadBalancer Services have one port each, from their section.
fn service_pointer(section: &str, p: &str) -> Option<String> {
    if let Some(k) = p.strip_prefix("/spec/selector") {
        return Some(format!("/labels{k}"));
    }
    let rest = p.strip_prefix("/spec/ports")?;
    if section == "/headlessService" {
        let mut it = rest.trim_start_matches('/').splitn(2, '/');
        let (i, field) = (it.next()?, it.next().unwrap_or(""));
        let field = match field {
            "port" | "targetPort" => "port",
            f => f,
        };
        return Some(
            format!("/ports/{i}/{field}")
                .trim_end_matches('/')
                .to_string(),
        );
    }
    let field = rest
        .trim_start_matches('/')
        .split_once('/')
        .map_or("", |x| x.1);
    Some(match field {
        "targetPort" => format!("{section}/targetPort"),
        "protocol" => format!("{section}/protocol"),
        _ => format!("{section}/port"),
    })
}

/// A StatefulSet's fields, by the template's structure.
fn statefulset_pointer(app: &LoadedApp, p: &str) -> Option<String> {
    const CONTAINER: &str = "/spec/template/spec/containers/0";
    if let Some(rest) = p.strip_prefix(CONTAINER) {
        return Some(container_pointer(rest, app.spec.container_name.is_some()));
    }
    if let Some(rest) = p.strip_prefix("/spec/volumeClaimTemplates/") {
        let (i, field) = rest.split_once('/').unwrap_or((rest, ""));
        let f = match field {
            "metadata/name" => "/name".to_string(),
            f if f.starts_with("spec/storageClassName") => "/storageClass".into(),
            f if f.starts_with("spec/accessModes") => {
                format!("/accessModes{}", &f["spec/accessModes".len()..])
            }
            f if f.starts_with("spec/resources") => "/size".into(),
            _ => String::new(),
        };
        return Some(format!("/storage/{i}{f}"));
    }
    let pod = |rest: &str| -> Option<String> {
        Some(match rest {
            r if r.starts_with("/nodeSelector") => r.to_string(),
            r if r.starts_with("/serviceAccountName") => "/serviceAccount/name".into(),
            r if r.starts_with("/terminationGracePeriodSeconds") => {
                "/terminationGracePeriodSeconds".into()
            }
            _ => return None,
        })
    };
    let table: &[(&str, &str)] = &[
        ("/spec/selector/matchLabels", "/labels"),
        ("/spec/template/metadata/labels", "/labels"),
        ("/spec/template/metadata/annotations", "/annotations"),
        ("/spec/serviceName", "/headlessService"),
        ("/spec/replicas", "/replicas"),
        ("/spec/minReadySeconds", "/minReadySeconds"),
        ("/spec/revisionHistoryLimit", "/revisionHistoryLimit"),
        ("/spec/podManagementPolicy", "/podManagementPolicy"),
        ("/spec/ordinals", "/ordinals"),
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
    if let Some(rest) = p.strip_prefix("/spec/template/spec") {
        if let Some(x) = pod(rest) {
            return Some(x);
        }
    }
    table.iter().find_map(|(from, to)| {
        let rest = p.strip_prefix(from)?;
        let rest = if to.ends_with("partition") { "" } else { rest };
        (rest.is_empty() || rest.starts_with('/')).then(|| format!("{to}{rest}"))
    })
}

/// The app's one container: its fields are the spec's top-level ones.
fn container_pointer(rest: &str, named: bool) -> String {
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
        "name" if named => "/containerName".into(),
        "name" => "/name".into(),
        "image" => "/image".into(),
        "imagePullPolicy" => "/imagePullPolicy".into(),
        "command" | "args" | "env" | "resources" => format!("/{field}{}", tail(tail_of(rest))),
        "ports" => {
            let (i, f) = tail_of(rest).split_once('/').unwrap_or((tail_of(rest), ""));
            let f = if f == "containerPort" { "port" } else { f };
            format!("/ports/{i}{}", tail(f))
        }
        "volumeMounts" => {
            let (i, f) = tail_of(rest).split_once('/').unwrap_or((tail_of(rest), ""));
            format!("/storage/{i}{}", tail(f))
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
