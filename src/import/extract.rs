//! A StatefulSet and its objects as a spec: each Kubernetes field in the spec field that
//! generates it, in the compact form where one fits (`{http, port}` probes, `fieldRef: PATH`
//! env, `configMap: NAME` volumes, recommended labels). What no field says is left out here;
//! [`super`] compares the build with the objects and writes the rest as `patches`.
//!
//! The spec is built as JSON (then read as [`crate::spec::AppSpec`] by the compiler), since
//! most of its values are Kubernetes values carried over as they are.

use serde_json::{json, Map, Value};

use super::around::{budget, config_map, network_policy, psp, service_account, services};
use super::group::by_kind;
use super::read::Object;

/// The spec for one group, as a JSON mapping.
pub fn spec(objects: &[Object], set: &Object, members: &[usize]) -> Map<String, Value> {
    let kinds = by_kind(objects, members);
    let of = |k: &str| kinds.get(k).cloned().unwrap_or_default();
    let sts = &set.value;
    let mut s = Map::new();
    s.insert("name".into(), json!(set.name()));
    if let Some(ns) = set.namespace() {
        s.insert("namespace".into(), json!(ns));
    }
    set_fields(&mut s, sts);
    let placed: Vec<&Object> = members.iter().map(|&i| &objects[i]).collect();
    let own = labels(&mut s, sts, &placed);
    let pod = &sts["spec"]["template"]["spec"];
    let main = &pod["containers"][0];
    main_container(&mut s, main);
    pod_fields(&mut s, pod, &sts["spec"]["selector"]["matchLabels"]);
    copy(
        &mut s,
        "annotations",
        &sts["spec"]["template"]["metadata"]["annotations"],
    );
    storage(&mut s, sts, main);
    volumes(&mut s, pod, main, &sts["spec"]["volumeClaimTemplates"]);
    containers(&mut s, pod);
    services(&mut s, sts, &of("Service"), &own);
    service_account(
        &mut s,
        pod,
        &of("ServiceAccount"),
        &of("Role"),
        &of("RoleBinding"),
    );
    psp(&mut s, &of("ClusterRole"), &of("ClusterRoleBinding"));
    if let Some(b) = of("PodDisruptionBudget").first() {
        s.insert("disruptionBudget".into(), budget(&b.value));
    }
    if let Some(n) = of("NetworkPolicy").first() {
        s.insert("networkPolicy".into(), network_policy(&n.value));
    }
    let maps: Vec<Value> = of("ConfigMap")
        .iter()
        .map(|c| config_map(&c.value))
        .collect();
    if !maps.is_empty() {
        s.insert("configMaps".into(), Value::Array(maps));
    }
    s
}

/// Insert `v` under `k` unless it is null, an empty list or an empty mapping.
pub(super) fn copy(s: &mut Map<String, Value>, k: &str, v: &Value) {
    let empty = match v {
        Value::Null => true,
        Value::String(t) => t.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    };
    if !empty {
        s.insert(k.to_string(), v.clone());
    }
}

/// The StatefulSet's own fields.
fn set_fields(s: &mut Map<String, Value>, sts: &Value) {
    let spec = &sts["spec"];
    s.insert(
        "replicas".into(),
        spec.get("replicas").cloned().unwrap_or(json!(1)),
    );
    for k in [
        "podManagementPolicy",
        "minReadySeconds",
        "revisionHistoryLimit",
        "ordinals",
    ] {
        copy(s, k, &spec[k]);
    }
    copy(
        s,
        "pvcRetentionPolicy",
        &spec["persistentVolumeClaimRetentionPolicy"],
    );
    let u = &spec["updateStrategy"];
    if u.is_object() {
        let mut m = Map::new();
        copy(&mut m, "type", &u["type"]);
        copy(&mut m, "partition", &u["rollingUpdate"]["partition"]);
        copy(
            &mut m,
            "maxUnavailable",
            &u["rollingUpdate"]["maxUnavailable"],
        );
        if m.contains_key("type") {
            s.insert("updateStrategy".into(), Value::Object(m));
        }
    }
}

const RECOMMENDED: &[(&str, &str)] = &[
    ("name", "app.kubernetes.io/name"),
    ("instance", "app.kubernetes.io/instance"),
    ("version", "app.kubernetes.io/version"),
    ("component", "app.kubernetes.io/component"),
    ("partOf", "app.kubernetes.io/part-of"),
];

/// The label that says which tool manages an object; stsc writes its own.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";

/// Selector, recommended and common labels. stsc puts one set of labels on every object, so
/// a label is common only where every object and the pod template carry it (a label on some
/// objects only is a patch); returns that set, which objects' own `labels` add to.
fn labels(s: &mut Map<String, Value>, sts: &Value, members: &[&Object]) -> Map<String, Value> {
    let meta = sts["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let maps: Vec<&Value> = std::iter::once(&sts["spec"]["template"]["metadata"]["labels"])
        .chain(members.iter().map(|o| &o.value["metadata"]["labels"]))
        .collect();
    let everywhere = |k: &str, v: &Value| maps.iter().all(|m| m.get(k) == Some(v));
    let selector = sts["spec"]["selector"]["matchLabels"].clone();
    let in_selector = |k: &str| selector.get(k).is_some();
    let mut all: Map<String, Value> = selector.as_object().cloned().unwrap_or_default();
    let mut derived: Vec<String> = all.keys().cloned().collect();
    if meta.contains_key("app.kubernetes.io/name") {
        let mut rec = Map::new();
        for (field, label) in RECOMMENDED {
            if let Some(v) = meta
                .get(*label)
                .filter(|v| in_selector(label) || everywhere(label, v))
            {
                copy(&mut rec, field, v);
                all.insert(label.to_string(), v.clone());
            }
            derived.push(label.to_string());
        }
        derived.push(MANAGED_BY.to_string());
        let implied: Map<String, Value> = [
            "app.kubernetes.io/name",
            "app.kubernetes.io/instance",
            "app.kubernetes.io/component",
        ]
        .iter()
        .filter_map(|l| {
            rec.get(&l["app.kubernetes.io/".len()..])
                .map(|v| (l.to_string(), v.clone()))
        })
        .collect();
        if Value::Object(implied) != selector {
            s.insert("labels".into(), selector.clone());
        }
        s.insert("recommendedLabels".into(), Value::Object(rec));
    } else {
        s.insert("labels".into(), selector.clone());
    }
    let common: Map<String, Value> = meta
        .into_iter()
        .filter(|(k, v)| !derived.contains(k) && everywhere(k, v))
        .collect();
    all.extend(common.clone());
    copy(s, "commonLabels", &Value::Object(common));
    all
}

/// The app's own container: image, name, and every field the spec has at the top level.
fn main_container(s: &mut Map<String, Value>, c: &Value) {
    s.insert("image".into(), c["image"].clone());
    s.insert("containerName".into(), c["name"].clone());
    container_fields(s, c);
}

/// The fields the spec's containers share.
fn container_fields(s: &mut Map<String, Value>, c: &Value) {
    for k in [
        "imagePullPolicy",
        "command",
        "args",
        "workingDir",
        "lifecycle",
        "securityContext",
    ] {
        copy(s, k, &c[k]);
    }
    let env: Vec<Value> = list(&c["env"]).iter().map(env_var).collect();
    copy(s, "env", &Value::Array(env));
    let from: Vec<Value> = list(&c["envFrom"]).iter().map(env_from).collect();
    copy(s, "envFrom", &Value::Array(from));
    if let Some(ports) = ports(&c["ports"]) {
        s.insert("ports".into(), ports);
    }
    let r = &c["resources"];
    if r.as_object()
        .is_some_and(|m| m.keys().all(|k| k == "requests" || k == "limits"))
    {
        copy(s, "resources", r);
    }
    for k in ["readinessProbe", "livenessProbe", "startupProbe"] {
        if c[k].is_object() {
            s.insert(k.into(), probe(&c[k]));
        }
    }
}

pub(super) fn list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

/// Container ports, when each is a named `{containerPort, name, protocol}`.
fn ports(v: &Value) -> Option<Value> {
    let ports = list(v);
    let simple = |p: &Value| {
        p["name"].is_string()
            && p.as_object().is_some_and(|m| {
                m.keys()
                    .all(|k| matches!(k.as_str(), "name" | "containerPort" | "protocol"))
            })
    };
    if ports.is_empty() || !ports.iter().all(simple) {
        return None;
    }
    let out = ports.iter().map(|p| {
        let mut m = json!({ "name": p["name"], "port": p["containerPort"] });
        if p["protocol"].is_string() {
            m["protocol"] = p["protocol"].clone();
        }
        m
    });
    Some(out.collect())
}

/// An env var in the compact form where one fits.
fn env_var(e: &Value) -> Value {
    let mut m = json!({ "name": e["name"] });
    if e.get("value").is_some() {
        m["value"] = e["value"].clone();
    }
    let from = &e["valueFrom"];
    let only = |k: &str, allowed: &[&str]| {
        from.as_object()
            .is_some_and(|f| f.len() == 1 && f.contains_key(k))
            && from[k]
                .as_object()
                .is_some_and(|r| r.keys().all(|x| allowed.contains(&x.as_str())))
    };
    if !from.is_object() {
    } else if only("fieldRef", &["fieldPath", "apiVersion"])
        && from["fieldRef"]["apiVersion"]
            .as_str()
            .is_none_or(|v| v == "v1")
    {
        m["fieldRef"] = from["fieldRef"]["fieldPath"].clone();
    } else if only("resourceFieldRef", &["resource"]) {
        m["resourceFieldRef"] = from["resourceFieldRef"]["resource"].clone();
    } else if only("secretKeyRef", &["name", "key", "optional"]) {
        m["secretKeyRef"] = from["secretKeyRef"].clone();
    } else if only("configMapKeyRef", &["name", "key", "optional"]) {
        m["configMapKeyRef"] = from["configMapKeyRef"].clone();
    } else {
        m["valueFrom"] = from.clone();
    }
    m
}

/// An envFrom entry: `configMap: NAME` / `secret: NAME` where the reference is just a name.
fn env_from(e: &Value) -> Value {
    let mut m = Map::new();
    for (kube, short) in [("configMapRef", "configMap"), ("secretRef", "secret")] {
        let r = &e[kube];
        let Some(r) = r.as_object() else { continue };
        let plain = r.keys().all(|k| k == "name" || k == "optional") && r["name"].is_string();
        if plain {
            m.insert(short.into(), r["name"].clone());
            copy(
                &mut m,
                "optional",
                &r.get("optional").cloned().unwrap_or(Value::Null),
            );
        } else {
            m.insert(kube.into(), Value::Object(r.clone()));
        }
    }
    copy(&mut m, "prefix", &e["prefix"]);
    Value::Object(m)
}

const TIMING: &[&str] = &[
    "initialDelaySeconds",
    "periodSeconds",
    "timeoutSeconds",
    "successThreshold",
    "failureThreshold",
    "terminationGracePeriodSeconds",
];

/// A probe in the compact form where its handler has one.
fn probe(p: &Value) -> Value {
    let mut m = Map::new();
    let keys = |v: &Value, allowed: &[&str]| {
        v.as_object()
            .is_some_and(|o| o.keys().all(|k| allowed.contains(&k.as_str())))
    };
    let http = &p["httpGet"];
    if http.is_object() {
        if keys(http, &["path", "port"]) && http["path"].is_string() {
            m.insert("http".into(), http["path"].clone());
            copy(&mut m, "port", &http["port"]);
        } else {
            m.insert("httpGet".into(), http.clone());
        }
    }
    let tcp = &p["tcpSocket"];
    if tcp.is_object() {
        if keys(tcp, &["port"]) {
            m.insert("tcp".into(), tcp["port"].clone());
        } else {
            m.insert("tcpSocket".into(), tcp.clone());
        }
    }
    if let Some(cmd) = p["exec"]["command"].as_array() {
        let shell = matches!(cmd.as_slice(), [a, b, Value::String(_)] if a == "sh" && b == "-c");
        m.insert(
            "exec".into(),
            if shell { cmd[2].clone() } else { json!(cmd) },
        );
    }
    let grpc = &p["grpc"];
    if grpc.is_object() {
        let short = keys(grpc, &["port"]);
        m.insert(
            "grpc".into(),
            if short {
                grpc["port"].clone()
            } else {
                grpc.clone()
            },
        );
    }
    for k in TIMING {
        copy(&mut m, k, &p[*k]);
    }
    Value::Object(m)
}

/// Pod fields the spec has at the top level.
fn pod_fields(s: &mut Map<String, Value>, pod: &Value, selector: &Value) {
    for k in [
        "terminationGracePeriodSeconds",
        "automountServiceAccountToken",
        "hostNetwork",
        "enableServiceLinks",
        "tolerations",
        "topologySpreadConstraints",
        "priorityClassName",
        "runtimeClassName",
        "schedulerName",
        "dnsPolicy",
        "dnsConfig",
        "hostAliases",
        "nodeSelector",
    ] {
        copy(s, k, &pod[k]);
    }
    copy(s, "podSecurityContext", &pod["securityContext"]);
    let pulls: Vec<Value> = list(&pod["imagePullSecrets"])
        .iter()
        .map(|p| {
            if p.as_object().is_some_and(|m| m.len() == 1) {
                p["name"].clone()
            } else {
                p.clone()
            }
        })
        .collect();
    copy(s, "imagePullSecrets", &Value::Array(pulls));
    let (affinity, spread) = super::spread::split(&pod["affinity"], selector);
    copy(s, "affinity", &affinity);
    if let Some(spread) = spread {
        s.insert("spread".into(), spread);
    }
}

/// The main container's mounts of volume `name`: the first as `(mountPath, subPath,
/// readOnly)` fields of the entry, the others as `mounts`.
fn mount_fields(main: &Value, name: &str, claim: bool) -> Option<Map<String, Value>> {
    let mine: Vec<&Value> = list(&main["volumeMounts"])
        .iter()
        .filter(|m| m["name"] == name)
        .collect();
    let (first, rest) = mine.split_first()?;
    let mut m = Map::new();
    m.insert("mountPath".into(), first["mountPath"].clone());
    copy(&mut m, "subPath", &first["subPath"]);
    if first["readOnly"] == true {
        m.insert("readOnly".into(), json!(true));
    } else if !claim {
        copy(&mut m, "readOnly", &first["readOnly"]);
    }
    let more: Vec<Value> = rest
        .iter()
        .map(|x| {
            let mut e = Map::new();
            e.insert("mountPath".into(), x["mountPath"].clone());
            copy(&mut e, "subPath", &x["subPath"]);
            copy(&mut e, "readOnly", &x["readOnly"]);
            Value::Object(e)
        })
        .collect();
    copy(&mut m, "mounts", &Value::Array(more));
    Some(m)
}

/// `storage`: one entry per claim template the app's container mounts.
fn storage(s: &mut Map<String, Value>, sts: &Value, main: &Value) {
    let mut out = Vec::new();
    for c in list(&sts["spec"]["volumeClaimTemplates"]) {
        let Some(name) = c["metadata"]["name"].as_str() else {
            continue;
        };
        let Some(mut e) = mount_fields(main, name, true) else {
            continue;
        };
        let Some(size) = c["spec"]["resources"]["requests"]["storage"].as_str() else {
            continue;
        };
        e.insert("name".into(), json!(name));
        e.insert("size".into(), json!(size));
        copy(&mut e, "storageClass", &c["spec"]["storageClassName"]);
        copy(&mut e, "accessModes", &c["spec"]["accessModes"]);
        copy(&mut e, "volumeMode", &c["spec"]["volumeMode"]);
        // Exactly as they were: a claim template cannot change once the set exists.
        let labels = c["metadata"]["labels"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        e.insert("labels".into(), Value::Object(labels));
        copy(&mut e, "annotations", &c["metadata"]["annotations"]);
        if c.get("apiVersion").is_some() || c.get("kind").is_some() {
            e.insert("typeMeta".into(), json!(true));
        }
        out.push(Value::Object(e));
    }
    copy(s, "storage", &Value::Array(out));
}

/// `volumes`: the pod's volumes with the app container's mounts of them (a volume named like
/// a claim template is replaced by the claim in every pod; its mounts are the claim's).
fn volumes(s: &mut Map<String, Value>, pod: &Value, main: &Value, claims: &Value) {
    let mut out = Vec::new();
    for v in list(&pod["volumes"]) {
        let Some(name) = v["name"].as_str() else {
            continue;
        };
        let shadowed = list(claims).iter().any(|c| c["metadata"]["name"] == name);
        let mounts = if shadowed {
            None
        } else {
            mount_fields(main, name, false)
        };
        let mut e = mounts.unwrap_or_default();
        e.insert("name".into(), json!(name));
        for (k, src) in v
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| *k != "name")
        {
            let only = |f: &str| {
                src.as_object()
                    .is_some_and(|m| m.len() == 1 && m[f].is_string())
            };
            let short = match k.as_str() {
                "configMap" if only("name") => src["name"].clone(),
                "secret" if only("secretName") => src["secretName"].clone(),
                _ => src.clone(),
            };
            e.insert(k.clone(), short);
        }
        out.push(Value::Object(e));
    }
    copy(s, "volumes", &Value::Array(out));
}

/// Init containers, native sidecars and more containers, each with its own mounts as written.
fn containers(s: &mut Map<String, Value>, pod: &Value) {
    let (mut init, mut side) = (Vec::new(), Vec::new());
    for c in list(&pod["initContainers"]) {
        let sidecar = c["restartPolicy"] == "Always";
        let e = other_container(c);
        if sidecar {
            side.push(e);
        } else {
            init.push(e);
        }
    }
    copy(s, "initContainers", &Value::Array(init));
    copy(s, "sidecars", &Value::Array(side));
    let more: Vec<Value> = list(&pod["containers"])
        .iter()
        .skip(1)
        .map(other_container)
        .collect();
    copy(s, "containers", &Value::Array(more));
}

fn other_container(c: &Value) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), c["name"].clone());
    copy(&mut m, "image", &c["image"]);
    container_fields(&mut m, c);
    copy(&mut m, "volumeMounts", &c["volumeMounts"]);
    Value::Object(m)
}
