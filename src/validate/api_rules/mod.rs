//! API-server rules that JSON Schema cannot express (`docs/research/statefulset-semantics.md` §1.7, §3).
//!
//! Each check reads generated objects and returns violations with the API server's wording where
//! the API server has one. Pure functions over values.

use std::collections::HashSet;

use serde_json::{json, Value};

mod statefulset;

use super::Violation;
use crate::k8s::names::*;
use crate::k8s::pointer::display_path;
use crate::k8s::version::KubeVersion;

/// Longest StatefulSet name whose `controller-revision-hash` label always fits in 63 characters.
pub const MAX_STATEFULSET_NAME: usize = 52;

pub(super) struct Ctx {
    pub(super) out: Vec<Violation>,
}

impl Ctx {
    pub(super) fn invalid(
        &mut self,
        rule: &'static str,
        pointer: &str,
        value: &Value,
        problems: Vec<String>,
    ) {
        for p in problems {
            let shown = match value {
                Value::String(s) => format!("{s:?}"),
                v => v.to_string(),
            };
            self.out.push(Violation::error(
                rule,
                pointer.to_string(),
                Some(value.clone()),
                format!("{}: Invalid value: {shown}: {p}", display_path(pointer)),
            ));
        }
    }

    pub(super) fn name(&mut self, obj: &Value, check: fn(&str) -> Vec<String>) {
        let v = &obj["metadata"]["name"];
        if let Some(s) = v.as_str() {
            let problems = check(s);
            self.invalid("invalid-name", "/metadata/name", v, problems);
        }
    }

    pub(super) fn namespace(&mut self, obj: &Value) {
        let v = &obj["metadata"]["namespace"];
        if let Some(s) = v.as_str() {
            let problems = dns1123_label(s);
            self.invalid("invalid-name", "/metadata/namespace", v, problems);
        }
    }

    pub(super) fn labels(&mut self, obj: &Value, pointer: &str) {
        self.keys(obj, pointer, true);
    }

    pub(super) fn annotations(&mut self, obj: &Value, pointer: &str) {
        self.keys(obj, pointer, false);
    }

    /// Keys must be qualified names; label values must be valid label values.
    pub(super) fn keys(&mut self, obj: &Value, pointer: &str, values_are_labels: bool) {
        let Some(m) = at(obj, pointer).and_then(Value::as_object) else {
            return;
        };
        for (k, v) in m {
            let key_ptr = format!("{pointer}/{}", crate::k8s::pointer::escape(k));
            // Annotation keys are checked in lower case (ValidateAnnotations), label keys as given.
            let problems = if values_are_labels {
                qualified_name(k)
            } else {
                qualified_name(&k.to_lowercase())
            };
            self.invalid(
                "invalid-label",
                &key_ptr,
                &Value::String(k.clone()),
                problems,
            );
            if let (true, Some(s)) = (values_are_labels, v.as_str()) {
                let problems = label_value(s);
                self.invalid("invalid-label", &key_ptr, v, problems);
            }
        }
    }

    pub(super) fn port_number(&mut self, pointer: &str, v: &Value) {
        if let Some(n) = v.as_i64() {
            if !(1..=65535).contains(&n) {
                self.invalid(
                    "invalid-port",
                    pointer,
                    v,
                    vec!["must be between 1 and 65535, inclusive".into()],
                );
            }
        }
    }

    pub(super) fn quantity(&mut self, pointer: &str, v: &Value, positive: bool) {
        if !matches!(v, Value::String(_) | Value::Number(_)) {
            return;
        }
        match crate::k8s::quantity::Quantity::from_value(v) {
            None => self.invalid("invalid-quantity", pointer, v, vec![QUANTITY_MSG.into()]),
            Some(x) if x.is_negative() => self.invalid(
                "invalid-quantity",
                pointer,
                v,
                vec!["must be greater than or equal to 0".into()],
            ),
            Some(x) if positive && x.is_zero() => self.invalid(
                "invalid-quantity",
                pointer,
                v,
                vec!["must be greater than zero".into()],
            ),
            _ => {}
        }
    }

    pub(super) fn non_negative(&mut self, obj: &Value, pointer: &str) {
        if let Some(v) = at(obj, pointer) {
            if v.as_i64().is_some_and(|n| n < 0) {
                self.invalid(
                    "out-of-range",
                    pointer,
                    v,
                    vec!["must be greater than or equal to 0".into()],
                );
            }
        }
    }
}

/// `v.pointer(pointer)` without serde_json's per-token allocation (the rules look up a few
/// hundred pointers per app, and that allocation was most of their cost).
pub(super) fn at<'a>(v: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(v);
    }
    pointer
        .strip_prefix('/')?
        .split('/')
        .try_fold(v, |node, token| {
            let token: std::borrow::Cow<str> = if token.contains('~') {
                crate::k8s::pointer::unescape(token).into_owned().into()
            } else {
                token.into()
            };
            match node {
                Value::Object(m) => m.get(token.as_ref()),
                Value::Array(a) => {
                    let leading_zero = token.len() > 1 && token.starts_with('0');
                    if leading_zero || token.starts_with('+') {
                        return None;
                    }
                    a.get(token.parse::<usize>().ok()?)
                }
                _ => None,
            }
        })
}

pub(super) fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    at(v, pointer).and_then(Value::as_str)
}

pub(super) fn arr<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    at(v, pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// stsc's lints about its own output (a governing Service in the same output, claims that
/// nothing mounts): not API-server rules, a cluster takes those objects.
pub fn is_build_lint(rule: &str) -> bool {
    matches!(rule, "missing-headless-service" | "unmounted-claim")
}

/// The first error the API server's rules find among objects given to it (`apply -f`,
/// `import`), stsc's build lints aside.
pub fn first_refused(objects: &[&Value], version: KubeVersion) -> Option<(usize, Violation)> {
    api_rules(objects, version)
        .into_iter()
        .find(|(_, v)| !v.warning && !is_build_lint(v.rule))
}

/// Check every object, with knowledge of the whole set (for cross-object rules).
/// Returns `(object index, violation)` pairs in object order; `version` selects the rules
/// that changed between releases.
pub fn api_rules(objects: &[&Value], version: KubeVersion) -> Vec<(usize, Violation)> {
    let mut all = Vec::new();
    // Services by (namespace, name), for the governing-Service rule: one pass, not one per set.
    let mut services: std::collections::HashMap<(&str, &str), &Value> = Default::default();
    for o in objects.iter().copied().filter(|o| o["kind"] == "Service") {
        let ns = o["metadata"]["namespace"].as_str().unwrap_or("default");
        if let Some(name) = o["metadata"]["name"].as_str() {
            services.entry((ns, name)).or_insert(o);
        }
    }
    for (i, obj) in objects.iter().copied().enumerate() {
        let mut c = Ctx { out: Vec::new() };
        match obj["kind"].as_str().unwrap_or_default() {
            "StatefulSet" => statefulset::statefulset(&mut c, obj, &services, version),
            "Service" => service(&mut c, obj),
            "ServiceAccount" => {
                c.name(obj, dns1123_subdomain);
                c.namespace(obj);
            }
            "ClusterRole" | "ClusterRoleBinding" => c.name(obj, path_segment_name),
            "StorageClass" => storage_class(&mut c, obj),
            _ => {}
        }
        if obj["kind"] != "StatefulSet" {
            c.labels(obj, "/metadata/labels");
        }
        c.annotations(obj, "/metadata/annotations");
        super::pod::annotation_size(&mut c, obj, "/metadata/annotations");
        all.extend(c.out.into_iter().map(|v| (i, v)));
    }
    all
}

/// ValidateStorageClass: a name, a provisioner that is a qualified name, parameter keys.
fn storage_class(c: &mut Ctx, obj: &Value) {
    c.name(obj, dns1123_subdomain);
    match obj["provisioner"].as_str() {
        None | Some("") => c.out.push(Violation::error(
            "invalid-value",
            "/provisioner".into(),
            None,
            "provisioner: Required value".into(),
        )),
        Some(p) => {
            let problems = qualified_name(&p.to_lowercase());
            c.invalid(
                "invalid-value",
                "/provisioner",
                &obj["provisioner"],
                problems,
            );
        }
    }
    if let Some(params) = obj["parameters"].as_object() {
        if params.len() > 512 {
            c.out.push(Violation::error(
                "invalid-value",
                "/parameters".into(),
                None,
                format!(
                    "parameters: Too many: {}: must have at most 512 items",
                    params.len()
                ),
            ));
        }
        if super::pod::text_bytes(params) > super::TOTAL_ANNOTATION_SIZE {
            c.out.push(Violation::error(
                "invalid-value",
                "/parameters".into(),
                None,
                format!(
                    "parameters: Too long: may not be more than {} bytes",
                    super::TOTAL_ANNOTATION_SIZE
                ),
            ));
        }
        if params.contains_key("") {
            c.out.push(Violation::error(
                "invalid-value",
                "/parameters".into(),
                None,
                "parameters: Invalid value: \"\": field can not be empty.".into(),
            ));
        }
    }
}

fn service(c: &mut Ctx, obj: &Value) {
    c.name(obj, dns1035_label);
    c.namespace(obj);
    c.labels(obj, "/spec/selector");
    let ports = arr(obj, "/spec/ports");
    let headless = str_at(obj, "/spec/clusterIP") == Some("None");
    if ports.is_empty() && !headless {
        c.out.push(Violation::error(
            "invalid-port",
            "/spec/ports".into(),
            None,
            "spec.ports: Required value".into(),
        ));
    }
    let mut names = HashSet::new();
    let mut seen = HashSet::new();
    for (i, p) in ports.iter().enumerate() {
        let base = format!("/spec/ports/{i}");
        c.port_number(&format!("{base}/port"), &p["port"]);
        match p["name"].as_str() {
            Some(n) => {
                let problems = dns1123_label(n);
                c.invalid(
                    "invalid-port",
                    &format!("{base}/name"),
                    &p["name"],
                    problems,
                );
                if !names.insert(n.to_string()) {
                    c.out.push(Violation::error(
                        "duplicate-port",
                        format!("{base}/name"),
                        Some(p["name"].clone()),
                        format!("spec.ports[{i}].name: Duplicate value: {n:?}"),
                    ));
                }
            }
            None if ports.len() > 1 => c.out.push(Violation::error(
                "invalid-port",
                format!("{base}/name"),
                None,
                format!("spec.ports[{i}].name: Required value"),
            )),
            None => {}
        }
        let key = (
            p["port"].to_string(),
            p["protocol"].as_str().unwrap_or("TCP").to_string(),
        );
        if !seen.insert(key) {
            c.out.push(Violation::error(
                "duplicate-port",
                format!("{base}/port"),
                Some(p["port"].clone()),
                format!(
                    "spec.ports[{i}]: Duplicate value: {}",
                    json!({"port": p["port"], "protocol": p["protocol"].as_str().unwrap_or("TCP")})
                ),
            ));
        }
        match &p["targetPort"] {
            v @ Value::Number(_) => c.port_number(&format!("{base}/targetPort"), v),
            v @ Value::String(s) => {
                let problems = iana_svc_name(s);
                c.invalid("invalid-port", &format!("{base}/targetPort"), v, problems);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_finds_what_serde_json_pointer_finds() {
        let v = json!({"a": {"b/c": [1, {"d~e": 2}], "": 3}, "0": [4]});
        for p in [
            "",
            "/a",
            "/a/b~1c",
            "/a/b~1c/0",
            "/a/b~1c/1/d~0e",
            "/a/",
            "/0/0",
            "/a/b~1c/01",
            "/a/b~1c/+1",
            "/a/b~1c/9",
            "/x",
            "a",
            "/a/b~1c/0/z",
            "/0/00",
        ] {
            assert_eq!(at(&v, p), v.pointer(p), "{p}");
        }
    }

    fn set(name: &str) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {
                "serviceName": "nginx", "replicas": 1,
                "selector": {"matchLabels": {"app": "nginx"}},
                "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [
                    {"name": "nginx", "image": "x", "volumeMounts": [{"name": "www", "mountPath": "/d"}]}
                ]}},
                "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
            }
        })
    }

    fn svc() -> Value {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx", "namespace": "default"},
               "spec": {"clusterIP": "None", "selector": {"app": "nginx"}}})
    }

    fn rules(objs: &[Value]) -> Vec<String> {
        let refs: Vec<&Value> = objs.iter().collect();
        api_rules(&refs, KubeVersion::NEWEST)
            .into_iter()
            .map(|(_, v)| format!("{} {}", v.rule, v.message))
            .collect()
    }

    #[test]
    fn valid_set_passes() {
        assert_eq!(rules(&[svc(), set("web")]), Vec::<String>::new());
    }

    #[test]
    fn name_over_52_characters() {
        let name = "a".repeat(53);
        assert_eq!(
            rules(&[svc(), set(&name)]),
            [format!("name-too-long metadata.name: Invalid value: \"{name}\": must be no more than 52 characters for a StatefulSet (53 given)")]
        );
    }

    #[test]
    fn selector_must_match_and_service_must_exist() {
        let mut s = set("web");
        s["spec"]["selector"]["matchLabels"]["app"] = json!("other");
        assert_eq!(
            rules(&[s]),
            [
                "selector-mismatch spec.template.metadata.labels: Invalid value: map[string]string{app:nginx}: `selector` does not match template `labels`",
                "missing-headless-service spec.serviceName: Not found: the governing Service \"nginx\" is not in the output",
            ]
        );
    }

    #[test]
    fn claims_must_be_mounted_and_mounts_must_exist() {
        let mut s = set("web");
        s["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["name"] = json!("data");
        assert_eq!(
            rules(&[svc(), s]),
            [
                "unknown-volume spec.template.spec.containers[0].volumeMounts[0].name: Not found: \"data\"",
                "unmounted-claim spec.volumeClaimTemplates[0]: claim template \"www\" is not mounted by any container",
            ]
        );
    }

    #[test]
    fn quantities_ports_and_modes() {
        let mut s = set("web");
        s["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] =
            json!("1GB");
        s["spec"]["volumeClaimTemplates"][0]["spec"]["accessModes"] =
            json!(["ReadWriteOncePod", "ReadOnlyMany"]);
        s["spec"]["template"]["spec"]["containers"][0]["ports"] =
            json!([{"containerPort": 70000, "name": "web"}]);
        let r = rules(&[svc(), s]);
        assert_eq!(r.len(), 3, "{r:#?}");
        assert!(r[0].starts_with("invalid-access-mode"), "{r:#?}");
        assert!(r[1].starts_with("invalid-quantity spec.volumeClaimTemplates[0].spec.resources.requests.storage: Invalid value: \"1GB\": quantities must match"), "{r:#?}");
        assert_eq!(r[2], "invalid-port spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive");
    }
}
