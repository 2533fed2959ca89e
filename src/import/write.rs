//! The spec as a person reads it: a comment saying what was imported, the fields in the order
//! of the spec reference (`name` first), and each patch after a comment saying why it is there.

use serde_json::{Map, Value};

use crate::yamlout::{to_string_ordered, Dialect};

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

/// The comment of a patch: the fields no spec field says (at most a few named).
pub fn why(differences: &[String]) -> String {
    const SHOWN: usize = 4;
    let fields: Vec<String> = differences
        .iter()
        .map(|d| d.split(": ").next().unwrap_or(d).to_string())
        .collect();
    let mut fields: Vec<String> = fields.into_iter().fold(Vec::new(), |mut acc, f| {
        if !acc.contains(&f) {
            acc.push(f);
        }
        acc
    });
    let more = fields.len().saturating_sub(SHOWN);
    fields.truncate(SHOWN);
    let mut s = format!("No spec field says: {}", fields.join(", "));
    if more > 0 {
        s.push_str(&format!(" (and {more} more)"));
    }
    s
}
