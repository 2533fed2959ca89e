//! The spec as a person reads it: a comment saying what was imported, the fields in the order
//! of the spec reference (`name` first), and each patch after a comment saying why it is there.

use serde_json::{Map, Value};

use crate::yaml::write::{to_string_ordered, Dialect};

/// What the comment at the top of a spec says.
#[derive(Debug, Clone, Default)]
pub struct Header {
    /// The objects imported into it, with where each was.
    pub targets: Vec<String>,
    /// What its build changes on purpose.
    pub changed: Vec<String>,
}

/// Keys in the order a reader looks for them: the spec's own field order, then the fields of
/// its parts (services, storage, probes, patches).
const ORDER: &[&str] = &[
    "name",
    "namespace",
    "replicas",
    "image",
    "containerName",
    "imagePullPolicy",
    "labels",
    "annotations",
    "commonLabels",
    "recommendedLabels",
    "ports",
    "storage",
    "volumes",
    "configMaps",
    "headlessService",
    "serviceAccount",
    "loadBalancer",
    "service",
    "services",
    "disruptionBudget",
    "networkPolicy",
    "podManagementPolicy",
    "updateStrategy",
    "pvcRetentionPolicy",
    "ordinals",
    "minReadySeconds",
    "revisionHistoryLimit",
    "terminationGracePeriodSeconds",
    "command",
    "args",
    "workingDir",
    "env",
    "envFrom",
    "resources",
    "readinessProbe",
    "livenessProbe",
    "startupProbe",
    "lifecycle",
    "securityContext",
    "podSecurityContext",
    "podSecurity",
    "initContainers",
    "sidecars",
    "containers",
    "imagePullSecrets",
    "automountServiceAccountToken",
    "hostNetwork",
    "enableServiceLinks",
    "spread",
    "affinity",
    "tolerations",
    "topologySpreadConstraints",
    "priorityClassName",
    "runtimeClassName",
    "schedulerName",
    "dnsPolicy",
    "dnsConfig",
    "hostAliases",
    "nodeSelector",
    "storageClass",
    // Parts.
    "kind",
    "port",
    "targetPort",
    "mountPath",
    "subPath",
    "readOnly",
    "size",
    "accessModes",
    "http",
    "tcp",
    "exec",
    "grpc",
    "target",
    "patch",
    "jsonPatch",
];

/// The spec's text: header, fields, then `patches` with a comment before each.
pub fn spec(spec: &Map<String, Value>, patches: &[(Value, String)], header: &Header) -> String {
    let mut out = String::new();
    out.push_str("# Imported by `stsc import` from:\n");
    for t in &header.targets {
        out.push_str(&format!("#   {t}\n"));
    }
    if !header.changed.is_empty() {
        out.push_str("# Changed on purpose by stsc:\n");
        for c in &header.changed {
            out.push_str(&format!("#   {c}\n"));
        }
    }
    out.push_str(&to_string_ordered(
        &Value::Object(spec.clone()),
        Dialect::Serde,
        ORDER,
    ));
    if !patches.is_empty() {
        out.push_str("patches:\n");
        for (p, why) in patches {
            for line in why.lines() {
                out.push_str(&format!("# {line}\n"));
            }
            let item = Value::Array(vec![p.clone()]);
            out.push_str(&to_string_ordered(&item, Dialect::Serde, ORDER));
        }
    }
    out
}

/// The comment of a patch: which fields it sets, and why no spec field could.
pub fn why(differences: &[String]) -> String {
    const SHOWN: usize = 4;
    let mut fields: Vec<String> = Vec::new();
    for d in differences {
        let f = dotted(d.split(": ").next().unwrap_or(d));
        if !fields.contains(&f) {
            fields.push(f);
        }
    }
    let labels = fields
        .iter()
        .all(|f| f.contains(".labels[") || f.contains(".matchLabels["));
    let order = fields.iter().all(|f| f == "the order of a list");
    let more = fields.len().saturating_sub(SHOWN);
    fields.truncate(SHOWN);
    let mut s = if order {
        "The order of a list: stsc writes it in its own order, this keeps the original's"
            .to_string()
    } else if labels {
        format!(
            "Labels that differ from the ones stsc puts on every object of the app: {}",
            fields.join(", ")
        )
    } else {
        format!("No spec field says: {}", fields.join(", "))
    };
    if more > 0 {
        s.push_str(&format!(" (and {more} more)"));
    }
    s
}

/// A leaf path as a reader writes it: `/spec/containers/["app"]/env` → `spec.containers[app].env`.
fn dotted(path: &str) -> String {
    let mut out = String::new();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    for (i, part) in parts.iter().copied().enumerate() {
        // A label or annotation key has slashes of its own: the rest of the path is the key.
        if i > 0
            && matches!(
                parts[i - 1],
                "labels" | "annotations" | "matchLabels" | "selector"
            )
        {
            out.push_str(&format!("[{}]", parts[i..].join("/")));
            break;
        }
        match part.strip_prefix("[\"").and_then(|p| p.strip_suffix("\"]")) {
            Some(key) => out.push_str(&format!("[{key}]")),
            None if part.starts_with('[') => out.push_str(part),
            None if part.chars().all(|c| c.is_ascii_digit()) && !out.is_empty() => {
                out.push_str(&format!("[{part}]"))
            }
            None => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(part);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_comment_names_its_fields_as_a_reader_writes_them() {
        let d = vec![
            r#"/spec/template/spec/containers/["zk"]/env/["POD"]/value: "a" (built: nothing)"#
                .to_string(),
            "/spec/ipFamilies/0: \"IPv4\" (built: nothing)".to_string(),
        ];
        assert_eq!(
            why(&d),
            "No spec field says: spec.template.spec.containers[zk].env[POD].value, spec.ipFamilies[0]"
        );
        let l = vec!["/metadata/labels/role: nothing (built: \"zk\")".to_string()];
        assert_eq!(
            why(&l),
            "Labels that differ from the ones stsc puts on every object of the app: metadata.labels[role]"
        );
    }
}
