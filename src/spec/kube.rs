//! The spec's pod fields as the Kubernetes values the templates place: probes, env, mounts,
//! volumes, containers, affinity, and the security profile's fill-ins.
//!
//! Each list comes with the spec pointer of every entry, so that a problem found in a generated
//! object is reported at the spec line that produced it ([`crate::compile::locate`] asks these same
//! functions; there is one answer to "where does this mount come from").

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::model::*;

/// A probe in the Kubernetes form.
pub fn probe(p: &Probe) -> Value {
    let mut m = Map::new();
    let port = |t: &TargetPort| match t {
        TargetPort::Number(n) => json!(n),
        TargetPort::Name(s) => json!(s),
    };
    if let Some(path) = &p.http {
        let mut h = json!({ "path": path });
        if let Some(t) = &p.port {
            h["port"] = port(t);
        }
        m.insert("httpGet".into(), h);
    }
    if let Some(t) = &p.tcp {
        m.insert("tcpSocket".into(), json!({ "port": port(t) }));
    }
    match &p.exec {
        Some(Exec::Shell(s)) => {
            m.insert("exec".into(), json!({ "command": ["sh", "-c", s] }));
        }
        Some(Exec::Args(a) | Exec::Kube { command: a }) => {
            m.insert("exec".into(), json!({ "command": a }));
        }
        None => {}
    }
    match &p.grpc {
        Some(Grpc::Port(n)) => {
            m.insert("grpc".into(), json!({ "port": n }));
        }
        Some(Grpc::Kube { port, service }) => {
            let mut g = json!({ "port": port });
            if let Some(s) = service {
                g["service"] = json!(s);
            }
            m.insert("grpc".into(), g);
        }
        None => {}
    }
    for (k, v) in [("httpGet", &p.http_get), ("tcpSocket", &p.tcp_socket)] {
        if let Some(v) = v {
            m.insert(k.into(), v.clone());
        }
    }
    let timing = [
        ("initialDelaySeconds", p.initial_delay_seconds),
        ("periodSeconds", p.period_seconds),
        ("timeoutSeconds", p.timeout_seconds),
        ("successThreshold", p.success_threshold),
        ("failureThreshold", p.failure_threshold),
        (
            "terminationGracePeriodSeconds",
            p.termination_grace_period_seconds,
        ),
    ];
    for (k, v) in timing {
        if let Some(n) = v {
            m.insert(k.into(), json!(n));
        }
    }
    Value::Object(m)
}

/// How many handlers a probe names (the API server wants exactly one).
pub fn probe_handlers(p: &Probe) -> usize {
    [
        p.http.is_some(),
        p.tcp.is_some(),
        p.exec.is_some(),
        p.grpc.is_some(),
        p.http_get.is_some(),
        p.tcp_socket.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count()
}

/// An environment variable in the Kubernetes form.
pub fn env_var(e: &EnvVar) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(e.name));
    if let Some(v) = &e.value {
        m.insert("value".into(), json!(v));
    }
    let key_ref = |r: &KeyRef| {
        let mut k = json!({ "name": r.name, "key": r.key });
        if let Some(o) = r.optional {
            k["optional"] = json!(o);
        }
        k
    };
    let from = if let Some(f) = &e.field_ref {
        Some(json!({ "fieldRef": { "fieldPath": f } }))
    } else if let Some(r) = &e.resource_field_ref {
        Some(json!({ "resourceFieldRef": { "resource": r } }))
    } else if let Some(r) = &e.secret_key_ref {
        Some(json!({ "secretKeyRef": key_ref(r) }))
    } else if let Some(r) = &e.config_map_key_ref {
        Some(json!({ "configMapKeyRef": key_ref(r) }))
    } else {
        e.value_from.clone()
    };
    if let Some(f) = from {
        m.insert("valueFrom".into(), f);
    }
    Value::Object(m)
}

/// How many sources an environment variable names (at most one).
pub fn env_sources(e: &EnvVar) -> usize {
    [
        e.value.is_some(),
        e.field_ref.is_some(),
        e.resource_field_ref.is_some(),
        e.secret_key_ref.is_some(),
        e.config_map_key_ref.is_some(),
        e.value_from.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count()
}

/// An envFrom entry in the Kubernetes form.
pub fn env_from(e: &EnvFrom) -> Value {
    let mut m = Map::new();
    let named = |n: &String| {
        let mut r = json!({ "name": n });
        if let Some(o) = e.optional {
            r["optional"] = json!(o);
        }
        r
    };
    if let Some(n) = &e.config_map {
        m.insert("configMapRef".into(), named(n));
    }
    if let Some(n) = &e.secret {
        m.insert("secretRef".into(), named(n));
    }
    for (k, v) in [
        ("configMapRef", &e.config_map_ref),
        ("secretRef", &e.secret_ref),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), v.clone());
        }
    }
    if let Some(p) = &e.prefix {
        m.insert("prefix".into(), json!(p));
    }
    Value::Object(m)
}

fn mount(name: &str, path: &str, sub_path: Option<&String>, read_only: bool) -> Value {
    let mut m = json!({ "name": name, "mountPath": path });
    if let Some(s) = sub_path {
        m["subPath"] = json!(s);
    }
    if read_only {
        m["readOnly"] = json!(true);
    }
    m
}

/// The mounts the spec gives the container `container` (the app's own when `None`), with the
/// spec pointer of each: claims, then volumes, then generated ConfigMaps, each in spec order.
pub fn mounts_for(s: &AppSpec, container: Option<&str>) -> Vec<(Value, String)> {
    let mut out = Vec::new();
    let mine = |m: &Mount| m.container.as_deref() == container;
    let main = container.is_none();
    let extra = |out: &mut Vec<(Value, String)>, name: &str, mounts: &[Mount], at: String| {
        for (j, m) in mounts.iter().enumerate().filter(|(_, m)| mine(m)) {
            let v = mount(
                name,
                &m.mount_path,
                m.sub_path.as_ref(),
                m.read_only == Some(true),
            );
            out.push((v, format!("{at}/mounts/{j}")));
        }
    };
    for (i, c) in s.storage.iter().enumerate() {
        if main {
            let v = mount(&c.name, &c.mount_path, c.sub_path.as_ref(), c.read_only);
            out.push((v, format!("/storage/{i}")));
        }
        extra(&mut out, &c.name, &c.mounts, format!("/storage/{i}"));
    }
    for (i, v) in s.volumes.iter().enumerate() {
        if let (true, Some(p)) = (main, &v.mount_path) {
            let m = mount(&v.name, p, v.sub_path.as_ref(), v.read_only == Some(true));
            out.push((m, format!("/volumes/{i}")));
        }
        extra(&mut out, &v.name, &v.mounts, format!("/volumes/{i}"));
    }
    for (i, c) in s.config_maps.iter().enumerate() {
        if let (true, Some(p)) = (main, &c.mount_path) {
            out.push((mount(&c.name, p, None, false), format!("/configMaps/{i}")));
        }
        extra(&mut out, &c.name, &c.mounts, format!("/configMaps/{i}"));
    }
    out
}

/// The pod's volumes with their spec pointers: the spec's volumes, then one per generated
/// ConfigMap that is mounted.
pub fn volumes(s: &AppSpec) -> Vec<(Value, String)> {
    let mut out = Vec::new();
    for (i, v) in s.volumes.iter().enumerate() {
        let mut m = Map::new();
        m.insert("name".into(), json!(v.name));
        for (k, src) in &v.source {
            let src = match (k.as_str(), src) {
                ("configMap", Value::String(n)) => json!({ "name": n }),
                ("secret", Value::String(n)) => json!({ "secretName": n }),
                _ => src.clone(),
            };
            m.insert(k.clone(), src);
        }
        out.push((Value::Object(m), format!("/volumes/{i}")));
    }
    for (i, c) in s.config_maps.iter().enumerate() {
        if c.mount_path.is_some() || !c.mounts.is_empty() {
            let v = json!({ "name": c.name, "configMap": { "name": c.name } });
            out.push((v, format!("/configMaps/{i}")));
        }
    }
    out
}

/// Resources in the Kubernetes form, or `None` when empty.
pub fn resources(r: Option<&Resources>) -> Option<Value> {
    let r = r?;
    let mut m = Map::new();
    if !r.limits.is_empty() {
        m.insert("limits".into(), json!(r.limits));
    }
    if !r.requests.is_empty() {
        m.insert("requests".into(), json!(r.requests));
    }
    (!m.is_empty()).then_some(Value::Object(m))
}

/// An init container, sidecar or extra container in the Kubernetes form.
pub fn container(s: &AppSpec, c: &Container, sidecar: bool) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(c.name));
    m.insert(
        "image".into(),
        json!(c.image.as_deref().unwrap_or(&s.image)),
    );
    if let Some(p) = c.image_pull_policy {
        m.insert("imagePullPolicy".into(), json!(p));
    }
    let lists = [("command", &c.command), ("args", &c.args)];
    for (k, v) in lists {
        if !v.is_empty() {
            m.insert(k.into(), json!(v));
        }
    }
    if let Some(w) = &c.working_dir {
        m.insert("workingDir".into(), json!(w));
    }
    if !c.env.is_empty() {
        m.insert("env".into(), c.env.iter().map(env_var).collect());
    }
    if !c.env_from.is_empty() {
        m.insert("envFrom".into(), c.env_from.iter().map(env_from).collect());
    }
    if !c.ports.is_empty() {
        let ports = c.ports.iter().map(container_port).collect();
        m.insert("ports".into(), ports);
    }
    if let Some(r) = resources(c.resources.as_ref()) {
        m.insert("resources".into(), r);
    }
    let probes = [
        ("readinessProbe", &c.readiness_probe),
        ("livenessProbe", &c.liveness_probe),
        ("startupProbe", &c.startup_probe),
    ];
    for (k, p) in probes {
        if let Some(p) = p {
            m.insert(k.into(), probe(p));
        }
    }
    for (k, v) in [
        ("securityContext", &c.security_context),
        ("lifecycle", &c.lifecycle),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), v.clone());
        }
    }
    let mut mounts = c.volume_mounts.clone();
    mounts.extend(mounts_for(s, Some(&c.name)).into_iter().map(|(v, _)| v));
    if !mounts.is_empty() {
        m.insert("volumeMounts".into(), Value::Array(mounts));
    }
    if sidecar || c.restart_policy.is_some() {
        m.insert("restartPolicy".into(), json!("Always"));
    }
    Value::Object(m)
}

/// A container port in the Kubernetes form.
pub fn container_port(p: &Port) -> Value {
    let mut v = json!({ "containerPort": p.port, "name": p.name });
    if let Some(proto) = p.protocol {
        v["protocol"] = json!(proto);
    }
    v
}

/// The pod's init containers (the spec's, then its sidecars) with their spec pointers.
pub fn init_containers(s: &AppSpec) -> Vec<(Value, String)> {
    let init = s.init_containers.iter().enumerate();
    let init = init.map(|(i, c)| (container(s, c, false), format!("/initContainers/{i}")));
    let side = s.sidecars.iter().enumerate();
    let side = side.map(|(i, c)| (container(s, c, true), format!("/sidecars/{i}")));
    init.chain(side).collect()
}

/// The pod's affinity: the spec's, with `spread`'s anti-affinity term added.
pub fn affinity(s: &AppSpec, selector: &BTreeMap<String, String>) -> Option<Value> {
    let Some(spread) = &s.spread else {
        return s.affinity.clone();
    };
    let term = json!({
        "labelSelector": { "matchLabels": selector },
        "topologyKey": spread.topology_key(),
    });
    let (key, entry) = if spread.required {
        ("requiredDuringSchedulingIgnoredDuringExecution", term)
    } else {
        let weight = spread.weight.unwrap_or(1);
        let entry = json!({ "weight": weight, "podAffinityTerm": term });
        ("preferredDuringSchedulingIgnoredDuringExecution", entry)
    };
    let mut a = s.affinity.clone().unwrap_or_else(|| json!({}));
    // A value that is not a mapping is left for the schema to report.
    let Some(m) = a.as_object_mut() else {
        return Some(a);
    };
    let anti = m.entry("podAntiAffinity").or_insert_with(|| json!({}));
    let Some(anti) = anti.as_object_mut() else {
        return Some(a);
    };
    match anti.get_mut(key).and_then(Value::as_array_mut) {
        Some(list) => list.push(entry),
        None => {
            anti.insert(key.into(), json!([entry]));
        }
    }
    Some(a)
}

/// Pod and container security contexts with what the restricted Pod Security Standard needs
/// filled in where the spec says nothing (a value the spec gives is kept, and checked).
pub fn restricted_pod(pod: Option<&Value>) -> Value {
    let mut p = pod.cloned().unwrap_or_else(|| json!({}));
    if let Some(m) = p.as_object_mut() {
        m.entry("runAsNonRoot").or_insert(json!(true));
        m.entry("seccompProfile")
            .or_insert(json!({ "type": "RuntimeDefault" }));
    }
    p
}

/// A container's security context under the restricted profile.
pub fn restricted_container(c: Option<&Value>) -> Value {
    let mut c = c.cloned().unwrap_or_else(|| json!({}));
    if let Some(m) = c.as_object_mut() {
        m.entry("allowPrivilegeEscalation").or_insert(json!(false));
        let caps = m.entry("capabilities").or_insert_with(|| json!({}));
        if let Some(caps) = caps.as_object_mut() {
            caps.entry("drop").or_insert(json!(["ALL"]));
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> AppSpec {
        let v: Value = serde_yaml::from_str(yaml).unwrap();
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn compact_probes_become_kubernetes_handlers() {
        let s = spec(
            "name: a\nimage: x\nreadinessProbe: {http: /ready, port: web, periodSeconds: 5}\n\
             livenessProbe: {exec: redis-cli ping}\nstartupProbe: {grpc: 9090}\n",
        );
        assert_eq!(
            probe(s.readiness_probe.as_ref().unwrap()),
            json!({"httpGet": {"path": "/ready", "port": "web"}, "periodSeconds": 5})
        );
        assert_eq!(
            probe(s.liveness_probe.as_ref().unwrap()),
            json!({"exec": {"command": ["sh", "-c", "redis-cli ping"]}})
        );
        assert_eq!(
            probe(s.startup_probe.as_ref().unwrap()),
            json!({"grpc": {"port": 9090}})
        );
    }

    #[test]
    fn compact_env_references_become_value_from() {
        let s = spec(
            "name: a\nimage: x\nenv:\n- {name: A, fieldRef: status.podIP}\n\
             - {name: B, secretKeyRef: {name: s, key: k}}\n- {name: C, value: '1'}\n",
        );
        let env: Vec<Value> = s.env.iter().map(env_var).collect();
        assert_eq!(
            env,
            [
                json!({"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}),
                json!({"name": "B", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}),
                json!({"name": "C", "value": "1"}),
            ]
        );
    }

    #[test]
    fn mounts_follow_the_spec_and_name_their_origin() {
        let s = spec(
            "name: a\nimage: x\nstorage: [{name: data, mountPath: /d, size: 1Gi, \
             mounts: [{mountPath: /b, container: side}]}]\n\
             volumes: [{name: tmp, emptyDir: {}, mounts: [{mountPath: /tmp, subPath: t}, {mountPath: /run, subPath: r}]}]\n\
             sidecars: [{name: side}]\n",
        );
        let main: Vec<(Value, String)> = mounts_for(&s, None);
        assert_eq!(
            main,
            [
                (
                    json!({"name": "data", "mountPath": "/d"}),
                    "/storage/0".to_string()
                ),
                (
                    json!({"name": "tmp", "mountPath": "/tmp", "subPath": "t"}),
                    "/volumes/0/mounts/0".to_string()
                ),
                (
                    json!({"name": "tmp", "mountPath": "/run", "subPath": "r"}),
                    "/volumes/0/mounts/1".to_string()
                ),
            ]
        );
        let side = init_containers(&s);
        assert_eq!(side[0].1, "/sidecars/0");
        assert_eq!(side[0].0["restartPolicy"], "Always");
        assert_eq!(side[0].0["image"], "x", "the app's image by default");
        assert_eq!(
            side[0].0["volumeMounts"],
            json!([{"name": "data", "mountPath": "/b"}])
        );
    }

    #[test]
    fn spread_adds_an_anti_affinity_term_to_the_given_affinity() {
        let s = spec(
            "name: a\nimage: x\nspread: {across: zone, required: true}\n\
             affinity: {nodeAffinity: {}}\n",
        );
        let sel = BTreeMap::from([("app".to_string(), "a".to_string())]);
        assert_eq!(
            affinity(&s, &sel).unwrap(),
            json!({"nodeAffinity": {}, "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "a"}}, "topologyKey": "topology.kubernetes.io/zone"}
            ]}})
        );
    }
}
