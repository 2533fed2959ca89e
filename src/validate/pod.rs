//! The rules the API server applies to every pod (pkg/apis/core/validation: ValidatePodSpec,
//! validateContainers, ValidateContainerResourceRequirements, validateEnv,
//! ValidatePodSpecificAnnotations). A StatefulSet's template is not checked against them when
//! the set is created, so a mistake here passes `kubectl apply` and then every pod creation
//! fails (`FailedCreate`); stsc runs them on the template itself.

use std::collections::HashSet;

use serde_json::Value;

use super::api_rules::{arr, at, Ctx};
use super::Violation;
use crate::k8s::names::*;
use crate::k8s::pointer::display_path;
use crate::k8s::quantity::Quantity;
use crate::k8s::version::KubeVersion;

/// Upstream's message for an environment variable name before RelaxedEnvironmentVariableValidation.
const ENV_NAME_MSG: &str = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
/// ... and with it (beta, on by default, from 1.32).
const RELAXED_ENV_NAME_MSG: &str =
    "a valid environment variable name must consist only of printable ASCII characters other than '='";

/// Most bytes all annotations of one object may hold (keys and values).
pub const TOTAL_ANNOTATION_SIZE: usize = 256 << 10;

/// Everything under a pod template at `base` (`/spec/template`).
pub(super) fn template(c: &mut Ctx, obj: &Value, base: &str, version: KubeVersion) {
    let spec = format!("{base}/spec");
    let annotations = format!("{base}/metadata/annotations");
    annotation_size(c, obj, &annotations);
    if let Some(v) = at(
        obj,
        &format!("{annotations}/controller.kubernetes.io~1pod-deletion-cost"),
    ) {
        let ok = v.as_str().is_some_and(|s| s.parse::<i32>().is_ok());
        if !ok {
            c.invalid(
                "invalid-annotation",
                &format!("{annotations}/controller.kubernetes.io~1pod-deletion-cost"),
                v,
                vec!["must be a 32bit integer".into()],
            );
        }
    }
    c.labels(obj, &format!("{spec}/nodeSelector"));
    if let Some(v) = at(obj, &format!("{spec}/serviceAccountName")) {
        if let Some(s) = v.as_str() {
            let problems = dns1123_subdomain(s);
            c.invalid(
                "invalid-name",
                &format!("{spec}/serviceAccountName"),
                v,
                problems,
            );
        }
    }
    volumes(c, obj, &spec);
    tolerations(c, obj, &spec);
    let mut names = HashSet::new();
    let lists = ["containers", "initContainers"];
    let all = lists.iter().flat_map(|list| {
        let spec = &spec;
        arr(obj, &format!("{spec}/{list}"))
            .iter()
            .enumerate()
            .map(move |(i, ctr)| (format!("{spec}/{list}/{i}"), ctr))
    });
    for (cb, ctr) in all {
        if let Some(n) = ctr["name"].as_str() {
            if !names.insert(n) {
                c.out.push(Violation::error(
                    "duplicate-name",
                    format!("{cb}/name"),
                    Some(ctr["name"].clone()),
                    format!(
                        "{}: Duplicate value: {n:?}",
                        display_path(&format!("{cb}/name"))
                    ),
                ));
            }
        }
        container(c, ctr, &cb, version);
    }
}

/// Pod volumes: names are unique DNS-1123 labels, an emptyDir's sizeLimit is a quantity.
fn volumes(c: &mut Ctx, obj: &Value, spec: &str) {
    let mut names = HashSet::new();
    for (i, v) in arr(obj, &format!("{spec}/volumes")).iter().enumerate() {
        let vb = format!("{spec}/volumes/{i}");
        if let Some(n) = v["name"].as_str() {
            c.invalid(
                "invalid-name",
                &format!("{vb}/name"),
                &v["name"],
                dns1123_label(n),
            );
            if !names.insert(n) {
                let p = format!("{vb}/name");
                let msg = format!("{}: Duplicate value: {n:?}", display_path(&p));
                c.out.push(Violation::error(
                    "duplicate-name",
                    p,
                    Some(v["name"].clone()),
                    msg,
                ));
            }
        }
        if let Some(q) = v["emptyDir"].get("sizeLimit") {
            c.quantity(&format!("{vb}/emptyDir/sizeLimit"), q, false);
        }
    }
}

/// Tolerations: `Equal` or `Exists` (with no value), and a known effect.
fn tolerations(c: &mut Ctx, obj: &Value, spec: &str) {
    for (i, t) in arr(obj, &format!("{spec}/tolerations")).iter().enumerate() {
        let tb = format!("{spec}/tolerations/{i}");
        let op = t["operator"].as_str().unwrap_or("Equal");
        if !matches!(op, "Equal" | "Exists" | "") {
            let p = format!("{tb}/operator");
            let msg = format!(
                "{}: Unsupported value: {op:?}: supported values: \"Equal\", \"Exists\"",
                display_path(&p)
            );
            c.out.push(Violation::error(
                "invalid-enum",
                p,
                Some(t["operator"].clone()),
                msg,
            ));
        }
        if op == "Exists" && t["value"].as_str().is_some_and(|v| !v.is_empty()) {
            let p = format!("{tb}/operator");
            let msg = format!(
                "{}: Invalid value: {:?}: value must be empty when `operator` is 'Exists'",
                display_path(&p),
                t["value"].as_str().unwrap_or_default()
            );
            c.out.push(Violation::error(
                "invalid-value",
                p,
                Some(t["value"].clone()),
                msg,
            ));
        }
        if let Some(e) = t["effect"]
            .as_str()
            .filter(|e| !matches!(*e, "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute"))
        {
            let p = format!("{tb}/effect");
            let msg = format!("{}: Unsupported value: {e:?}: supported values: \"NoExecute\", \"NoSchedule\", \"PreferNoSchedule\"", display_path(&p));
            c.out.push(Violation::error(
                "invalid-enum",
                p,
                Some(t["effect"].clone()),
                msg,
            ));
        }
    }
}

fn container(c: &mut Ctx, ctr: &Value, cb: &str, version: KubeVersion) {
    match ctr["image"].as_str() {
        None | Some("") => c.out.push(Violation::error(
            "invalid-value",
            format!("{cb}/image"),
            None,
            format!("{}: Required value", display_path(&format!("{cb}/image"))),
        )),
        Some(img) if img.trim() != img => c.invalid(
            "invalid-value",
            &format!("{cb}/image"),
            &ctr["image"],
            vec!["must not have leading or trailing whitespace".into()],
        ),
        Some(_) => {}
    }
    if let Some(p) = ctr["imagePullPolicy"].as_str() {
        if !matches!(p, "Always" | "IfNotPresent" | "Never") {
            let at = format!("{cb}/imagePullPolicy");
            let msg = format!("{}: Unsupported value: {p:?}: supported values: \"Always\", \"IfNotPresent\", \"Never\"", display_path(&at));
            c.out.push(Violation::error(
                "invalid-enum",
                at,
                Some(ctr["imagePullPolicy"].clone()),
                msg,
            ));
        }
    }
    for (i, e) in arr(ctr, "/env").iter().enumerate() {
        if let Some(n) = e["name"].as_str() {
            let problems = env_var_name(n, version);
            c.invalid(
                "invalid-env",
                &format!("{cb}/env/{i}/name"),
                &e["name"],
                problems,
            );
        }
    }
    let mut paths = HashSet::new();
    for (i, m) in arr(ctr, "/volumeMounts").iter().enumerate() {
        if let Some(p) = m["mountPath"].as_str() {
            if !paths.insert(p) {
                c.invalid(
                    "duplicate-mount-path",
                    &format!("{cb}/volumeMounts/{i}/mountPath"),
                    &m["mountPath"],
                    vec!["must be unique".into()],
                );
            }
        }
    }
    resources(c, ctr, &format!("{cb}/resources"));
}

/// An environment variable name: the C-identifier-like rule before 1.32, printable ASCII
/// without `=` from 1.32 (RelaxedEnvironmentVariableValidation); never `.`, `..` or `..`-prefixed.
pub fn env_var_name(s: &str, version: KubeVersion) -> Vec<String> {
    let mut out = Vec::new();
    if version.relaxed_env_var_names() {
        if s.is_empty() {
            out.push("environment variable name must be non-empty".into());
        }
        if s.bytes().any(|b| !(b' '..=b'~').contains(&b) || b == b'=') {
            out.push(RELAXED_ENV_NAME_MSG.into());
        }
    } else {
        let b = s.as_bytes();
        let rest = |c: &u8| c.is_ascii_alphanumeric() || b"-._".contains(c);
        let ok = b
            .first()
            .is_some_and(|c| c.is_ascii_alphabetic() || b"-._".contains(c))
            && b.iter().all(rest);
        if !ok {
            out.push(ENV_NAME_MSG.into());
        }
    }
    if s == "." {
        out.push("must not be '.'".into());
    } else if s == ".." {
        out.push("must not be '..'".into());
    } else if s.starts_with("..") {
        out.push("must not start with '..'".into());
    }
    out
}

/// `metadata.annotations` may hold at most 256 KiB, keys and values together.
pub(super) fn annotation_size(c: &mut Ctx, obj: &Value, pointer: &str) {
    let Some(m) = at(obj, pointer).and_then(Value::as_object) else {
        return;
    };
    let total = text_bytes(m);
    if total > TOTAL_ANNOTATION_SIZE {
        c.out.push(Violation::error(
            "annotations-too-long",
            pointer.to_string(),
            None,
            format!(
                "{}: Too long: may not be more than {TOTAL_ANNOTATION_SIZE} bytes ({total} given)",
                display_path(pointer)
            ),
        ));
    }
}

/// The bytes of a string map's keys and values, as the API server counts annotations and
/// StorageClass parameters.
pub(super) fn text_bytes(m: &serde_json::Map<String, Value>) -> usize {
    m.iter()
        .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
        .sum()
}

/// Container resources: names, values, requests against limits (ValidateContainerResourceRequirements).
fn resources(c: &mut Ctx, ctr: &Value, rb: &str) {
    let list = |part: &str| -> Vec<(String, Value)> {
        at(ctr, &format!("/resources/{part}"))
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    };
    let (limits, requests) = (list("limits"), list("requests"));
    let mut cpu_or_memory = false;
    let mut hugepages = false;
    for (part, entries) in [("limits", &limits), ("requests", &requests)] {
        for (name, v) in entries {
            let p = format!("{rb}/{part}/{}", crate::k8s::pointer::escape(name));
            let problems = container_resource_name(name);
            c.invalid(
                "invalid-resource",
                &p,
                &Value::String(name.clone()),
                problems,
            );
            if let Some(q) = Quantity::from_value(v) {
                if integer_resource(name) && !q.is_integer() {
                    c.invalid("invalid-resource", &p, v, vec!["must be an integer".into()]);
                }
            }
            cpu_or_memory |= name == "cpu" || name == "memory";
            hugepages |= name.starts_with("hugepages-");
        }
    }
    for (name, v) in &requests {
        let Some(req) = Quantity::from_value(v) else {
            continue;
        };
        let limit = limits.iter().find(|(n, _)| n == name);
        let shown = Value::String(req.canonical());
        match limit.and_then(|(_, l)| Quantity::from_value(l)) {
            Some(lim) if req != lim && !overcommit_allowed(name) => over_limit(
                c,
                rb,
                name,
                &shown,
                format!("must be equal to {name} limit of {}", lim.canonical()),
            ),
            Some(lim) if req > lim => over_limit(
                c,
                rb,
                name,
                &shown,
                format!(
                    "must be less than or equal to {name} limit of {}",
                    lim.canonical()
                ),
            ),
            None if limit.is_none() && !overcommit_allowed(name) => c.out.push(Violation::error(
                "request-over-limit",
                format!("{rb}/requests/{}", crate::k8s::pointer::escape(name)),
                None,
                format!(
                    "{}: Required value: Limit must be set for non overcommitable resources",
                    display_path(&format!("{rb}/limits"))
                ),
            )),
            _ => {}
        }
    }
    if hugepages && !cpu_or_memory {
        c.out.push(Violation::error(
            "invalid-resource",
            rb.to_string(),
            None,
            format!(
                "{}: Forbidden: HugePages require cpu or memory",
                display_path(rb)
            ),
        ));
    }
}

/// Upstream reports the whole `requests` map; the finding points at the one request.
fn over_limit(c: &mut Ctx, rb: &str, name: &str, shown: &Value, problem: String) {
    let message = format!(
        "{}: Invalid value: {shown}: {problem}",
        display_path(&format!("{rb}/requests"))
    );
    let at = format!("{rb}/requests/{}", crate::k8s::pointer::escape(name));
    c.out.push(Violation::error(
        "request-over-limit",
        at,
        Some(shown.clone()),
        message,
    ));
}

/// A resource without a domain is native; `kubernetes.io/` domains are native too.
fn native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// Extended resources (`example.com/gpu`) and hugepages cannot be overcommitted: request = limit.
fn overcommit_allowed(name: &str) -> bool {
    native(name) && !name.starts_with("hugepages-")
}

/// Extended resources are counted in whole units.
fn integer_resource(name: &str) -> bool {
    !native(name) && !name.starts_with("requests.")
}

/// validateContainerResourceName: a standard container resource, or a domain-qualified one.
fn container_resource_name(name: &str) -> Vec<String> {
    let mut out = qualified_name(name);
    if !out.is_empty() {
        return out;
    }
    if !name.contains('/') {
        let standard = matches!(name, "cpu" | "memory" | "ephemeral-storage")
            || name.strip_prefix("hugepages-").is_some_and(|s| {
                Quantity::parse(s).is_some_and(|q| !q.is_negative() && !q.is_zero())
            });
        if !standard {
            out.push("must be a standard resource for containers".into());
        }
    } else if !native(name) && name.starts_with("requests.") {
        out.push("doesn't follow extended resource name standard".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::env_var_name;
    use crate::KubeVersion;

    #[test]
    fn env_names_follow_the_version() {
        let old = KubeVersion { minor: 31 };
        let new = KubeVersion { minor: 32 };
        assert!(env_var_name("MY_VAR.x-1", old).is_empty());
        assert_eq!(env_var_name("1ABC", old).len(), 1);
        assert_eq!(env_var_name("MY VAR", old).len(), 1);
        assert!(env_var_name("1ABC", new).is_empty());
        assert!(env_var_name("MY VAR", new).is_empty());
        assert_eq!(env_var_name("A=B", new), [super::RELAXED_ENV_NAME_MSG]);
        assert_eq!(env_var_name("..x", new), ["must not start with '..'"]);
        assert_eq!(env_var_name("ü", new), [super::RELAXED_ENV_NAME_MSG]);
    }
}
