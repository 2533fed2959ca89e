//! The catalogue of rules: every finding's id, its default level and a line of documentation.
//!
//! SARIF output lists these as `tool.driver.rules`; `docs/rules.md` is checked against it.

use crate::diag::Severity;

/// One rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable id, as printed in `error[ID]`.
    pub id: &'static str,
    /// Default level.
    pub level: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// How to fix what it finds.
    pub help: &'static str,
}

const fn r(id: &'static str, level: Severity, summary: &'static str, help: &'static str) -> Rule {
    Rule {
        id,
        level,
        summary,
        help,
    }
}

use Severity::{Error as E, Warning as W};

/// Every rule stsc reports, in documentation order.
pub const RULES: &[Rule] = &[
    r("encoding", E, "The file is not UTF-8 text.", "Save the spec as UTF-8."),
    r("file-too-large", E, "The file is over 16 MiB, the most stsc reads from one file.", "Split the specs over several files."),
    r("yaml-syntax", E, "The file is not valid YAML (including tabs in indentation, unknown tags, nesting beyond 128 levels, more than 1,000,000 values after aliases).", "Fix the YAML at the given position."),
    r("duplicate-key", E, "A mapping has the same key twice.", "Remove one of the two keys."),
    r("empty-file", E, "The file holds no app spec.", "Add at least `name:` and `image:`."),
    r("unknown-field", E, "A spec field that the format does not have (with the nearest known name).", "Check the spelling against `stsc schema`."),
    r("missing-field", E, "A required spec field is absent.", "Add the field."),
    r("invalid-type", E, "A spec value has the wrong type (a string where a number is expected, ...).", "Write a value of the expected type."),
    r("invalid-enum", E, "A spec value is not one of the allowed words.", "Use one of the listed values."),
    r("invalid-value", E, "A spec value the API server would refuse (empty image, env name with '=', rollingUpdate with OnDelete).", "Follow the message."),
    r("out-of-range", E, "A number outside its range (negative replicas, more than int32).", "Use a number in range."),
    r("invalid-name", E, "An object, container, claim or namespace name that is not a valid DNS-1123 label or subdomain (DNS-1035 for Services).", "Use lowercase letters, digits and '-', starting and ending with a letter or digit."),
    r("name-too-long", E, "A StatefulSet name over 52 characters: its pods' controller-revision-hash label would pass 63 characters and every pod creation would fail.", "Shorten the name to 52 characters or less."),
    r("invalid-label", E, "A label or annotation key, or a label value, that Kubernetes refuses.", "Keys: `[prefix/]name`; values: at most 63 alphanumerics, '-', '_' or '.'."),
    r("invalid-port", E, "A port outside 1-65535, or an invalid port name.", "Port names are IANA service names: at most 15 lowercase letters, digits and '-'."),
    r("duplicate-port", E, "Two ports with the same name, or the same port and protocol.", "Give each port a distinct name and number."),
    r("invalid-quantity", E, "A size or resource amount that is not a Kubernetes quantity (or is zero where storage is requested).", "Write quantities such as `1Gi`, `500m`, `2`."),
    r("invalid-access-mode", E, "A missing, unknown or incompatible access mode.", "Use ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod (alone)."),
    r("selector-mismatch", E, "The StatefulSet selector is empty or does not match the pod template labels.", "Selectors hold the app's labels; keep templates consistent."),
    r("missing-headless-service", E, "`serviceName` does not name a headless Service of the same output.", "Render the governing Service with clusterIP: None."),
    r("unknown-volume", E, "A volume mount names neither a claim template nor a pod volume.", "Add the claim template or fix the name."),
    r("unmounted-claim", E, "A claim template that no container mounts.", "Mount it or remove it."),
    r("relative-mount-path", E, "A mount path that is not absolute.", "Start mount paths with '/'."),
    r("duplicate-mount-path", E, "Two volume mounts of one container at the same path: the API server refuses every pod.", "Give each claim or volume its own mount path."),
    r("request-over-limit", E, "A container request above its limit, or an extended resource (or hugepages) whose request is not equal to a limit: the API server refuses every pod.", "Raise the limit or lower the request; extended resources need `limits` equal to `requests`."),
    r("invalid-resource", E, "A container resource that is neither standard (cpu, memory, ephemeral-storage, hugepages-<size>) nor domain-qualified, an extended resource that is not a whole number, or hugepages without cpu or memory.", "Use a standard name or `example.com/name` with a whole number."),
    r("invalid-env", E, "An environment variable name the target version refuses (C-identifier-like before 1.32; printable ASCII without '=' from 1.32).", "Rename the variable."),
    r("invalid-annotation", E, "An annotation the API server parses and refuses (`controller.kubernetes.io/pod-deletion-cost` must be a 32-bit integer).", "Write a value the annotation accepts."),
    r("negative-history-limit", W, "A negative revisionHistoryLimit: the API server accepts it with a warning and the controller keeps every ControllerRevision.", "Use a value of 0 or more (the default is 10)."),
    r("annotations-too-long", E, "An object's annotations hold more than 256 KiB (keys and values).", "Move large data to a ConfigMap."),
    r("duplicate-name", E, "Two claim templates with the same name.", "Give each claim template a distinct name."),
    r("duplicate-object", E, "Two apps generate the same object (kind, namespace and name).", "Give each object a distinct name."),
    r("k8s-schema", E, "A generated object does not match the strict JSON Schema of the target Kubernetes version.", "Check the field against that version's API, or target another version."),
    r("template", E, "A template failed to render or rendered something that is not one YAML object.", "Fix the template named in the message."),
    r("immutable-field", E, "With `check --against`: a change the API server refuses on update (StatefulSet spec fields other than the mutable ones of the target version, a Service gaining or losing its cluster IP).", "Delete the StatefulSet with `--cascade=orphan` and apply again (pods and claims are kept); resize claims by hand first for a storage change."),
    r("immutable-selector", E, "With `check --against`: the StatefulSet selector (the app's labels) changed; refused on update, and the running pods would no longer match.", "Delete the StatefulSet with `--cascade=orphan`, delete its pods, then apply; the new pods reattach the same claims."),
    r("scale-down-claims", W, "With `check --against`: replicas drop, so the named claims are left behind (whenScaled: Retain) or deleted (whenScaled: Delete).", "Retained claims come back with their old data on a later scale-up; delete them by hand if that data must not return."),
    r("service-stays-headless", W, "With `check --against`: a headless Service loses `clusterIP: None`; the server keeps the stored value, so it stays headless.", "Delete the Service and apply again to give it a cluster IP."),
    r("against", W, "With `check --against git:REV`: the old version of a spec does not build, so it cannot be compared.", "Nothing to fix now; the comparison is skipped for that file."),
    r("manifest", E, "A manifest document without `apiVersion` or `kind` (in `--against` input).", "Point `--against` at built manifests."),
    r("psp-removed", W, "A PodSecurityPolicy binding on Kubernetes 1.25 or newer, where PodSecurityPolicy no longer exists.", "Use Pod Security Admission namespace labels (pod-security.kubernetes.io/enforce=...)."),
    r("invalid-probe", E, "A probe with no handler or more than one, an HTTP probe without its port, or a liveness/startup successThreshold other than 1.", "Give exactly one of `http` (with `port`), `tcp`, `exec` or `grpc`."),
    r("unknown-container", E, "A mount names a container the pod does not have.", "Name an init container, sidecar or container of the spec, or leave `container` out."),
    r("unreadable-file", E, "A file a generated ConfigMap names cannot be read.", "Paths are relative to the spec file's folder."),
    r("pod-security", E, "With `podSecurity: LEVEL`: a pod field that breaks that Pod Security Standards level.", "Change the field as the message says, or choose a lower level."),
    r("unset-namespace", W, "A ClusterRoleBinding for a spec without `namespace:`: its subject names the ServiceAccount in `default`, wrong when the objects are applied to another namespace.", "Set `namespace:` or build with `--namespace`."),
    r("patch", E, "A patch that cannot apply: its target matches nothing, a JSON-patch path does not exist or a test fails, or a strategic-merge directive is misused.", "Fix the patch at the given line; `stsc build` without it shows the objects it applies to."),
    r("feature-gate", W, "A field whose feature gate is off by default on the target version, so the API server drops it.", "Target a newer version or drop the field."),
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// `docs/rules.md`: one line of documentation per rule.
pub fn markdown() -> String {
    let mut s = String::from(
        "# stsc rules\n\nEvery finding carries one of these ids (`error[ID]` in text output, `ruleId` in SARIF).\nGenerated from `src/diag/catalog.rs`; a test keeps this file current.\n\n| id | level | finds | fix |\n|---|---|---|---|\n",
    );
    for r in RULES {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            r.id,
            r.level.as_str(),
            r.summary.replace('|', "\\|"),
            r.help.replace('|', "\\|")
        ));
    }
    s
}
