//! Which objects belong to which StatefulSet: the ones a spec can generate with it.
//!
//! A Service, PodDisruptionBudget or NetworkPolicy belongs to the first StatefulSet whose pod
//! labels its selector matches (the governing Service by name); the ServiceAccount, its Role and
//! RoleBinding (named after it, as stsc names them) and the ConfigMaps the pods mount go with
//! every set that uses them, since `stsc build` writes an object several apps generate once.

use std::collections::BTreeMap;

use serde_json::Value;

use super::read::Object;

/// One StatefulSet and the objects that go with it, as indices into the objects read.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The StatefulSet.
    pub set: usize,
    /// The objects placed with it, in input order.
    pub members: Vec<usize>,
}

/// The groups, and the objects placed in none (by index), in input order.
pub fn groups(objects: &[Object]) -> (Vec<Group>, Vec<usize>) {
    let sets: Vec<usize> = (0..objects.len())
        .filter(|&i| objects[i].kind() == "StatefulSet")
        .collect();
    let mut placed = vec![false; objects.len()];
    let mut out = Vec::new();
    for &set in &sets {
        placed[set] = true;
        let mut members = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            let exclusive = matches!(
                o.kind(),
                "Service" | "PodDisruptionBudget" | "NetworkPolicy"
            );
            if i == set || (exclusive && placed[i]) || !belongs(&objects[set], o) {
                continue;
            }
            members.push(i);
        }
        // The Role of the (first) RoleBinding: stsc writes the two together.
        match bound_role(objects, &members, &objects[set]) {
            Some(r) => members.push(r),
            None => members.retain(|&i| objects[i].kind() != "RoleBinding"),
        }
        let mut bindings = 0;
        members.retain(|&i| {
            objects[i].kind() != "RoleBinding" || {
                bindings += 1;
                bindings == 1
            }
        });
        members.extend(psp_binding(objects, &objects[set]));
        members.sort_unstable();
        members.dedup();
        for &i in &members {
            placed[i] = true;
        }
        out.push(Group { set, members });
    }
    let rest = (0..objects.len()).filter(|&i| !placed[i]).collect();
    (out, rest)
}

/// Whether `o` is one of the objects a spec for `set` generates.
fn belongs(set: &Object, o: &Object) -> bool {
    if o.namespace() != set.namespace() && !cluster_scoped(o.kind()) {
        return false;
    }
    let spec = &set.value["spec"];
    let pod = &spec["template"]["spec"];
    let labels = &spec["template"]["metadata"]["labels"];
    let account = pod["serviceAccountName"].as_str();
    match o.kind() {
        "Service" => {
            let selector = &o.value["spec"]["selector"];
            spec["serviceName"].as_str() == Some(o.name())
                || selects(selector, labels)
                || narrows(selector, &spec["selector"]["matchLabels"], labels)
        }
        "PodDisruptionBudget" => selects_pods(&o.value["spec"]["selector"], labels),
        "NetworkPolicy" => selects_pods(&o.value["spec"]["podSelector"], labels),
        "ServiceAccount" => account == Some(o.name()),
        "RoleBinding" => binds(&o.value, account, set.namespace(), "Role"),
        "ConfigMap" => mounted_config_maps(pod).contains(&o.name()),
        _ => false,
    }
}

/// The ClusterRoleBinding and ClusterRole that let the set's ServiceAccount `use` one
/// PodSecurityPolicy, as `serviceAccount.podSecurityPolicy` writes them.
fn psp_binding(objects: &[Object], set: &Object) -> Vec<usize> {
    let account = set.value["spec"]["template"]["spec"]["serviceAccountName"].as_str();
    let ns = set.namespace().unwrap_or("default");
    for (b, binding) in objects.iter().enumerate() {
        let v = &binding.value;
        let subjects = v["subjects"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        let binds = binding.kind() == "ClusterRoleBinding"
            && v["roleRef"]["kind"] == "ClusterRole"
            && matches!(subjects, [s] if s["kind"] == "ServiceAccount"
                && s["name"].as_str() == account && s["namespace"].as_str() == Some(ns));
        if !binds {
            continue;
        }
        let role = objects.iter().position(|r| {
            r.kind() == "ClusterRole"
                && r.value["metadata"]["name"] == v["roleRef"]["name"]
                && psp_rule(&r.value).is_some()
        });
        if let Some(r) = role {
            return vec![b, r];
        }
    }
    Vec::new()
}

/// The PodSecurityPolicy a ClusterRole's only rule grants `use` of.
pub fn psp_rule(role: &Value) -> Option<&str> {
    let rules = role["rules"].as_array()?;
    let [rule] = rules.as_slice() else {
        return None;
    };
    let one = |k: &str, v: &str| rule[k] == serde_json::json!([v]);
    let known = |k: &String| {
        matches!(
            k.as_str(),
            "apiGroups" | "resources" | "verbs" | "resourceNames"
        )
    };
    let fields = rule.as_object()?.keys().all(known);
    if !(fields
        && one("apiGroups", "policy")
        && one("resources", "podsecuritypolicies")
        && one("verbs", "use"))
    {
        return None;
    }
    match rule["resourceNames"].as_array().map(Vec::as_slice) {
        Some([name]) => name.as_str(),
        _ => None,
    }
}

fn cluster_scoped(kind: &str) -> bool {
    matches!(kind, "ClusterRole" | "ClusterRoleBinding" | "StorageClass")
}

/// Whether a label selector with `matchLabels` selects pods with `labels` (its
/// `matchExpressions` too, when it has them; a patch then writes them).
fn selects_pods(selector: &Value, labels: &Value) -> bool {
    let exprs_match =
        crate::k8s::selector::Selector::from_api(selector).is_ok_and(|s| s.matches(labels));
    exprs_match && selects(&selector["matchLabels"], labels)
}

/// Whether a Service selects some of the set's pods by labels the pods get while they run (Vault
/// marks its active pod `vault-active: "true"`): it has the set's whole selector, and its other
/// keys are ones the pod template does not set.
fn narrows(selector: &Value, set_selector: &Value, labels: &Value) -> bool {
    let (Some(s), Some(set)) = (selector.as_object(), set_selector.as_object()) else {
        return false;
    };
    !set.is_empty()
        && set.iter().all(|(k, v)| s.get(k) == Some(v))
        && s.keys()
            .filter(|k| !set.contains_key(*k))
            .all(|k| labels.get(k).is_none())
}

/// Labels the StatefulSet controller adds to each pod: a selector naming one pod by them
/// selects a pod of the set.
const POD_LABELS: &[&str] = &[
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
];

/// Whether a non-empty label map selects pods with `labels`.
pub fn selects(selector: &Value, labels: &Value) -> bool {
    let Some(s) = selector.as_object().filter(|s| !s.is_empty()) else {
        return false;
    };
    s.iter()
        .all(|(k, v)| labels.get(k) == Some(v) || POD_LABELS.contains(&k.as_str()))
        && !s.keys().all(|k| POD_LABELS.contains(&k.as_str()))
}

/// The Role the first placed RoleBinding refers to, in the set's namespace.
fn bound_role(objects: &[Object], members: &[usize], set: &Object) -> Option<usize> {
    let binding = members
        .iter()
        .find(|&&i| objects[i].kind() == "RoleBinding")?;
    let name = objects[*binding].value["roleRef"]["name"].as_str()?;
    objects
        .iter()
        .position(|o| o.kind() == "Role" && o.name() == name && o.namespace() == set.namespace())
}

/// Whether a binding binds only `account` to a role of `role_kind`.
fn binds(binding: &Value, account: Option<&str>, ns: Option<&str>, role_kind: &str) -> bool {
    let subjects = binding["subjects"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let subject_ok = |s: &Value| {
        s["kind"] == "ServiceAccount"
            && s["name"].as_str() == account
            && (s["namespace"].is_null() || s["namespace"].as_str() == ns)
    };
    account.is_some()
        && binding["roleRef"]["kind"] == role_kind
        && subjects.len() == 1
        && subject_ok(&subjects[0])
}

/// Names of the ConfigMaps a pod mounts as volumes.
pub fn mounted_config_maps(pod: &Value) -> Vec<&str> {
    let volumes = pod["volumes"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    volumes
        .iter()
        .filter_map(|v| v["configMap"]["name"].as_str())
        .collect()
}

/// The objects of each kind among `members`, in input order.
pub fn by_kind<'a>(objects: &'a [Object], members: &[usize]) -> BTreeMap<&'a str, Vec<&'a Object>> {
    let mut m: BTreeMap<&str, Vec<&Object>> = BTreeMap::new();
    for &i in members {
        m.entry(objects[i].kind()).or_default().push(&objects[i]);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Object {
        Object {
            value: v,
            file: "x".into(),
            line: 1,
            lines: Default::default(),
        }
    }

    #[test]
    fn services_go_to_the_first_set_they_select_and_accounts_to_every_set_that_runs_as_them() {
        let set = |name: &str, role: &str| {
            obj(
                json!({"kind": "StatefulSet", "metadata": {"name": name}, "spec": {
                "serviceName": format!("{name}-hl"),
                "template": {"metadata": {"labels": {"app": "db", "role": role}},
                             "spec": {"serviceAccountName": "db"}}}}),
            )
        };
        let objects = vec![
            set("primary", "primary"),
            set("replica", "replica"),
            obj(
                json!({"kind": "Service", "metadata": {"name": "replica-hl"}, "spec": {"selector": {"app": "db", "role": "replica"}}}),
            ),
            obj(
                json!({"kind": "Service", "metadata": {"name": "db"}, "spec": {"selector": {"app": "db"}}}),
            ),
            obj(json!({"kind": "ServiceAccount", "metadata": {"name": "db"}})),
            obj(json!({"kind": "Deployment", "metadata": {"name": "web"}})),
            obj(
                json!({"kind": "Service", "metadata": {"name": "other"}, "spec": {"selector": {"app": "web"}}}),
            ),
        ];
        let (groups, rest) = groups(&objects);
        assert_eq!(
            groups,
            vec![
                Group {
                    set: 0,
                    members: vec![3, 4]
                },
                Group {
                    set: 1,
                    members: vec![2, 4]
                },
            ]
        );
        assert_eq!(rest, vec![5, 6]);
    }
}
