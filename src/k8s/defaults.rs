//! What the API server fills in on write (`pkg/apis/*/v1/defaults.go`), as pure functions over
//! JSON objects. Used to compare manifests the way the server compares stored objects, and by the
//! embedded runtime when it stores an object.

use serde_json::{json, Map, Value};

use crate::k8s::version::KubeVersion;

fn obj(v: &mut Value) -> Option<&mut Map<String, Value>> {
    v.as_object_mut()
}

/// Set `key` unless it has a value; an empty string counts as none, as Go's `len(x) == 0`
/// checks in the defaulters count it (`podManagementPolicy: ""` becomes `OrderedReady`).
fn set_default(m: &mut Map<String, Value>, key: &str, value: Value) {
    let unset = |v: &Value| v.is_null() || v.as_str() == Some("");
    if m.get(key).is_none_or(unset) {
        m.insert(key.to_string(), value);
    }
}

fn child<'a>(m: &'a mut Map<String, Value>, key: &str) -> &'a mut Value {
    let v = m.entry(key.to_string()).or_insert_with(|| json!({}));
    if v.is_null() {
        *v = json!({});
    }
    v
}

/// `maxUnavailable` is defaulted only where the `MaxUnavailableStatefulSet` gate is on by default.
pub fn max_unavailable_defaulted(v: KubeVersion) -> bool {
    v.max_unavailable_statefulset()
}

/// `persistentVolumeClaimRetentionPolicy` is kept and defaulted from 1.27 (beta, on).
pub fn pvc_retention_enabled(v: KubeVersion) -> bool {
    v.pvc_retention_policy()
}

/// Defaults of a StatefulSet (`SetDefaults_StatefulSet` and the pod/claim template defaulters).
pub fn statefulset(o: &mut Value, v: KubeVersion) {
    let Some(root) = obj(o) else { return };
    let Some(spec) = obj(child(root, "spec")) else {
        return;
    };
    set_default(spec, "replicas", json!(1));
    set_default(spec, "podManagementPolicy", json!("OrderedReady"));
    set_default(spec, "revisionHistoryLimit", json!(10));
    if !spec.contains_key("serviceName") {
        spec.insert("serviceName".into(), json!(""));
    }
    if let Some(us) = obj(child(spec, "updateStrategy")) {
        if us.get("type").is_none_or(Value::is_null) {
            us.insert("type".into(), json!("RollingUpdate"));
            set_default(us, "rollingUpdate", json!({}));
        }
        if us.get("type") == Some(&json!("RollingUpdate")) {
            if let Some(ru) = us.get_mut("rollingUpdate").and_then(Value::as_object_mut) {
                set_default(ru, "partition", json!(0));
                if max_unavailable_defaulted(v) {
                    set_default(ru, "maxUnavailable", json!(1));
                } else {
                    // A disabled gate's field is dropped on create (dropStatefulSetDisabledFields).
                    ru.remove("maxUnavailable");
                }
            }
        }
    }
    if pvc_retention_enabled(v) {
        if let Some(p) = obj(child(spec, "persistentVolumeClaimRetentionPolicy")) {
            set_default(p, "whenDeleted", json!("Retain"));
            set_default(p, "whenScaled", json!("Retain"));
        }
    } else {
        spec.remove("persistentVolumeClaimRetentionPolicy");
    }
    if let Some(tpl) = spec.get_mut("template").and_then(Value::as_object_mut) {
        if let Some(ps) = tpl.get_mut("spec") {
            pod_spec(ps);
        }
    }
    if let Some(Value::Array(claims)) = spec.get_mut("volumeClaimTemplates") {
        for c in claims {
            claim_template(c);
        }
    }
}

fn claim_template(c: &mut Value) {
    let Some(m) = obj(c) else { return };
    if let Some(s) = obj(child(m, "spec")) {
        set_default(s, "volumeMode", json!("Filesystem"));
    }
    if let Some(st) = obj(child(m, "status")) {
        set_default(st, "phase", json!("Pending"));
    }
}

/// Defaults of a PodSpec inside a template (`SetDefaults_PodSpec`, containers, probes).
pub fn pod_spec(ps: &mut Value) {
    let Some(m) = obj(ps) else { return };
    set_default(m, "dnsPolicy", json!("ClusterFirst"));
    set_default(m, "restartPolicy", json!("Always"));
    set_default(m, "schedulerName", json!("default-scheduler"));
    set_default(m, "securityContext", json!({}));
    set_default(m, "terminationGracePeriodSeconds", json!(30));
    for key in ["containers", "initContainers"] {
        if let Some(Value::Array(cs)) = m.get_mut(key) {
            cs.iter_mut().for_each(container);
        }
    }
    if let Some(Value::Array(vs)) = m.get_mut("volumes") {
        vs.iter_mut().for_each(volume);
    }
}

/// `SetDefaults_{ConfigMap,Secret,DownwardAPI,Projected}VolumeSource`: files are 0644.
fn volume(v: &mut Value) {
    for source in ["configMap", "secret", "downwardAPI", "projected"] {
        if let Some(src) = v.get_mut(source).and_then(Value::as_object_mut) {
            set_default(src, "defaultMode", json!(0o644));
        }
    }
}

/// `SetDefaults_ObjectFieldSelector`: a field reference is to the v1 object.
fn field_refs(env: &mut Value) {
    let Some(list) = env.as_array_mut() else {
        return;
    };
    for e in list {
        if let Some(f) = e
            .pointer_mut("/valueFrom/fieldRef")
            .and_then(Value::as_object_mut)
        {
            set_default(f, "apiVersion", json!("v1"));
        }
    }
}

fn container(c: &mut Value) {
    let Some(m) = obj(c) else { return };
    let image = m.get("image").and_then(Value::as_str).unwrap_or("");
    let policy = if image_tag_is_latest(image) {
        "Always"
    } else {
        "IfNotPresent"
    };
    set_default(m, "imagePullPolicy", json!(policy));
    set_default(m, "terminationMessagePath", json!("/dev/termination-log"));
    set_default(m, "terminationMessagePolicy", json!("File"));
    if let Some(Value::Array(ports)) = m.get_mut("ports") {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            set_default(p, "protocol", json!("TCP"));
        }
    }
    if let Some(env) = m.get_mut("env") {
        field_refs(env);
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = m.get_mut(probe).and_then(Value::as_object_mut) {
            set_default(p, "timeoutSeconds", json!(1));
            set_default(p, "periodSeconds", json!(10));
            set_default(p, "successThreshold", json!(1));
            set_default(p, "failureThreshold", json!(3));
            if let Some(h) = p.get_mut("httpGet").and_then(Value::as_object_mut) {
                set_default(h, "path", json!("/"));
                set_default(h, "scheme", json!("HTTP"));
            }
        }
    }
}

/// `Always` when the image has no tag or the tag is `latest` (and no digest).
pub fn image_tag_is_latest(image: &str) -> bool {
    if image.contains('@') {
        return false;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, tag)) => tag == "latest",
        None => true,
    }
}

/// Defaults of a Service (`SetDefaults_Service`); cluster IPs are left to the allocator.
pub fn service(o: &mut Value) {
    let Some(root) = obj(o) else { return };
    let Some(spec) = obj(child(root, "spec")) else {
        return;
    };
    set_default(spec, "type", json!("ClusterIP"));
    set_default(spec, "sessionAffinity", json!("None"));
    let ty = spec
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_string();
    if ty != "ExternalName" {
        set_default(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if ty == "NodePort" || ty == "LoadBalancer" {
        set_default(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if ty == "LoadBalancer" {
        set_default(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    if let Some(Value::Array(ports)) = spec.get_mut("ports") {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            set_default(p, "protocol", json!("TCP"));
            let port = p.get("port").cloned().unwrap_or(Value::Null);
            let empty = match p.get("targetPort") {
                None | Some(Value::Null) => true,
                Some(Value::Number(n)) => n.as_i64() == Some(0),
                Some(Value::String(s)) => s.is_empty(),
                _ => false,
            };
            if empty {
                p.insert("targetPort".into(), port);
            }
        }
    }
}

/// Defaults of a PersistentVolumeClaim.
pub fn claim(o: &mut Value) {
    claim_template(o);
}

/// Defaults of a StorageClass.
pub fn storage_class(o: &mut Value) {
    let Some(root) = obj(o) else { return };
    set_default(root, "reclaimPolicy", json!("Delete"));
    set_default(root, "volumeBindingMode", json!("Immediate"));
}

/// Defaults of a Secret: type `Opaque`, and `stringData` moved into `data` as base64 (the API
/// server never stores `stringData`).
pub fn secret(o: &mut Value) {
    use base64::Engine as _;
    let Some(root) = obj(o) else { return };
    set_default(root, "type", json!("Opaque"));
    let Some(Value::Object(strings)) = root.remove("stringData") else {
        return;
    };
    let data = root.entry("data").or_insert_with(|| json!({}));
    if let Some(data) = data.as_object_mut() {
        for (k, v) in strings {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            let encoded = base64::engine::general_purpose::STANDARD.encode(text);
            data.insert(k, json!(encoded));
        }
    }
}

/// Apply the defaults of the object's kind (objects of other kinds are left alone).
pub fn apply(o: &mut Value, v: KubeVersion) {
    match o.get("kind").and_then(Value::as_str) {
        Some("Secret") => secret(o),
        Some("StatefulSet") => statefulset(o, v),
        Some("Service") => service(o),
        Some("PersistentVolumeClaim") => claim(o),
        Some("StorageClass") => storage_class(o),
        _ => {}
    }
}

/// What the server compares, not what a file happens to say: quantities in canonical form
/// (`1024Mi` is `1Gi`), and the fields `kubectl get -o yaml` exports that carry nothing
/// (`creationTimestamp: null` in templates, a claim template's `status`).
pub fn comparable(o: &mut Value) {
    // A non-pointer bool with omitempty: `false` is stored as nothing.
    if o["kind"] == "Service" {
        if let Some(m) = o["spec"].as_object_mut() {
            m.retain(|k, v| !(k == "publishNotReadyAddresses" && *v == false));
        }
    }
    // `get_mut`, not indexing: indexing a mapping inserts the keys it looks up.
    let Some(spec) = o.get_mut("spec").filter(|s| s.is_object()) else {
        return;
    };
    if let Some(m) = spec
        .pointer_mut("/template/metadata")
        .and_then(Value::as_object_mut)
    {
        m.retain(|k, v| !(k == "creationTimestamp" && v.is_null()));
    }
    if let Some(cs) = spec
        .pointer_mut("/template/spec/containers")
        .and_then(Value::as_array_mut)
    {
        cs.iter_mut()
            .filter(|c| c.get("resources").is_some())
            .for_each(|c| canonical_quantities(&mut c["resources"]));
    }
    if let Some(ts) = spec
        .get_mut("volumeClaimTemplates")
        .and_then(Value::as_array_mut)
    {
        for t in ts {
            if let Some(m) = t.as_object_mut() {
                m.remove("status");
            }
            if let Some(m) = t["metadata"].as_object_mut() {
                m.retain(|k, v| !(k == "creationTimestamp" && v.is_null()));
            }
            if let Some(r) = t.pointer_mut("/spec/resources") {
                canonical_quantities(r);
            }
        }
    }
}

/// `requests` and `limits` with every quantity in the API server's canonical text.
fn canonical_quantities(resources: &mut Value) {
    for part in ["requests", "limits"] {
        if let Some(m) = resources.get_mut(part).and_then(Value::as_object_mut) {
            for v in m.values_mut() {
                if let Some(q) = crate::k8s::quantity::Quantity::from_value(v) {
                    *v = Value::String(q.canonical());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_string_is_defaulted_like_a_missing_field() {
        // Helm charts render `podManagementPolicy: ""`; the server stores OrderedReady.
        let mut s = json!({"kind": "StatefulSet", "spec": {"podManagementPolicy": "", "template": {"spec": {"dnsPolicy": "", "containers": []}}}});
        statefulset(&mut s, KubeVersion { minor: 37 });
        assert_eq!(s["spec"]["podManagementPolicy"], "OrderedReady");
        assert_eq!(s["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");
    }

    #[test]
    fn statefulset_defaults_follow_the_version() {
        let mut s = json!({"kind": "StatefulSet", "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx"}]}}}});
        statefulset(&mut s, KubeVersion { minor: 37 });
        assert_eq!(s["spec"]["replicas"], 1);
        assert_eq!(s["spec"]["serviceName"], "");
        assert_eq!(
            s["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0, "maxUnavailable": 1}})
        );
        assert_eq!(
            s["spec"]["persistentVolumeClaimRetentionPolicy"],
            json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
        );
        let c = &s["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["imagePullPolicy"], "Always");
        assert_eq!(c["terminationMessagePolicy"], "File");

        let mut old = json!({"kind": "StatefulSet", "spec": {"updateStrategy": {"type": "RollingUpdate"}, "persistentVolumeClaimRetentionPolicy": {"whenScaled": "Delete"}}});
        statefulset(&mut old, KubeVersion { minor: 25 });
        // type given without rollingUpdate: stored without a partition.
        assert_eq!(
            old["spec"]["updateStrategy"],
            json!({"type": "RollingUpdate"})
        );
        assert!(old["spec"]
            .get("persistentVolumeClaimRetentionPolicy")
            .is_none());
    }

    #[test]
    fn image_pull_policy_follows_the_tag() {
        assert!(image_tag_is_latest("nginx"));
        assert!(image_tag_is_latest("nginx:latest"));
        assert!(image_tag_is_latest("localhost:5000/nginx"));
        assert!(!image_tag_is_latest("localhost:5000/nginx:1.2"));
        assert!(!image_tag_is_latest("nginx@sha256:abc"));
        assert!(!image_tag_is_latest("k8s.gcr.io/nginx-slim:0.8"));
    }

    #[test]
    fn service_defaults() {
        let mut s =
            json!({"kind": "Service", "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}});
        service(&mut s);
        assert_eq!(
            s["spec"]["ports"][0],
            json!({"port": 80, "protocol": "TCP", "targetPort": 80})
        );
        assert_eq!(s["spec"]["externalTrafficPolicy"], "Cluster");
        assert_eq!(s["spec"]["allocateLoadBalancerNodePorts"], true);
    }
}
