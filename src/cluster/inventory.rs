//! What an `stsc apply` put on a cluster, kept there so a later `--prune` deletes only what stsc
//! created (as Helm's release Secret and kapp's app ConfigMap do): a ConfigMap
//! `stsc-inventory.NAME` in the app's namespace listing its objects. Objects carry no extra
//! label, so what lands on the cluster is exactly what `stsc build` prints. Pure.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The ConfigMap data key holding the list.
const DATA_KEY: &str = "objects";

/// Every inventory ConfigMap's name starts so.
const NAME_PREFIX: &str = "stsc-inventory.";

/// The label every inventory ConfigMap carries, and its value.
const LABEL: (&str, &str) = ("app.kubernetes.io/managed-by", "stsc");

/// One object an apply wrote.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    /// `apps/v1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `StatefulSet`.
    pub kind: String,
    /// Empty for cluster-scoped objects.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl Entry {
    /// The entry of an object about to be applied in `namespace`.
    pub fn of(o: &Value) -> Entry {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        Entry {
            api_version: s(&o["apiVersion"]),
            kind: s(&o["kind"]),
            namespace: s(&o["metadata"]["namespace"]),
            name: s(&o["metadata"]["name"]),
        }
    }
}

/// The inventory ConfigMap's name for an app.
pub fn config_map_name(app: &str) -> String {
    format!("{NAME_PREFIX}{app}")
}

/// The inventory ConfigMap listing `entries` (sorted, once each).
pub fn config_map(app: &str, namespace: &str, entries: &[Entry]) -> Value {
    let mut list = entries.to_vec();
    list.sort();
    list.dedup();
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {
            "name": config_map_name(app), "namespace": namespace,
            "labels": {LABEL.0: LABEL.1},
        },
        "data": {DATA_KEY: serde_json::to_string(&list).unwrap_or_default()},
    })
}

/// The entries of a live inventory ConfigMap; an unreadable list is empty (nothing is pruned
/// on a guess).
pub fn entries(config_map: &Value) -> Vec<Entry> {
    config_map["data"][DATA_KEY]
        .as_str()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

/// What the last apply wrote that this one does not: the objects to prune.
pub fn stale(previous: &[Entry], current: &[Entry]) -> Vec<Entry> {
    let mut out: Vec<Entry> = previous
        .iter()
        .filter(|e| !current.contains(e))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether stsc applied this live object (its `managedFields` name `stsc` with operation
/// Apply): prune never deletes an object someone else took over or made.
pub fn applied_by_stsc(live: &Value) -> bool {
    live["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|f| f["manager"] == super::FIELD_MANAGER && f["operation"] == "Apply")
}

/// The label selector of every inventory ConfigMap.
pub fn selector() -> String {
    format!("{}={}", LABEL.0, LABEL.1)
}

/// Another inventory that still lists `entry` (`namespace/name` of its ConfigMap), among the
/// live inventories `all` and leaving out `own` (namespace, ConfigMap name): an object two apps
/// produce (one spec applied in two namespaces shares its ClusterRole) is pruned by neither
/// while the other lists it.
pub fn listed_elsewhere(all: &[Value], own: (&str, &str), entry: &Entry) -> Option<String> {
    all.iter()
        .filter(|cm| {
            let name = cm["metadata"]["name"].as_str().unwrap_or_default();
            let ns = cm["metadata"]["namespace"].as_str().unwrap_or_default();
            name.starts_with(NAME_PREFIX) && (ns, name) != own
        })
        .find(|cm| entries(cm).contains(entry))
        .map(|cm| {
            let m = &cm["metadata"];
            format!(
                "{}/{}",
                m["namespace"].as_str().unwrap_or_default(),
                m["name"].as_str().unwrap_or_default()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(name: &str) -> Entry {
        Entry {
            api_version: "v1".into(),
            kind: "Service".into(),
            namespace: "default".into(),
            name: name.into(),
        }
    }

    #[test]
    fn a_removed_service_is_stale_and_the_list_reads_back() {
        let cm = config_map("web", "default", &[svc("web"), svc("web-lb"), svc("web")]);
        assert_eq!(cm["metadata"]["name"], "stsc-inventory.web");
        let before = entries(&cm);
        assert_eq!(before, vec![svc("web"), svc("web-lb")]);
        assert_eq!(stale(&before, &[svc("web")]), vec![svc("web-lb")]);
    }

    #[test]
    fn an_entry_another_inventory_lists_is_shared() {
        let role = Entry {
            api_version: "rbac.authorization.k8s.io/v1".into(),
            kind: "ClusterRole".into(),
            namespace: String::new(),
            name: "web-psp".into(),
        };
        let default = config_map("web", "default", &[svc("web"), role.clone()]);
        let prod = config_map("web", "prod", std::slice::from_ref(&role));
        let all = [default.clone(), prod];
        let own = ("default", "stsc-inventory.web");
        assert_eq!(
            listed_elsewhere(&all, own, &role).as_deref(),
            Some("prod/stsc-inventory.web")
        );
        assert_eq!(listed_elsewhere(&all, own, &svc("web")), None);
        assert_eq!(listed_elsewhere(&[default], own, &role), None);
    }

    #[test]
    fn only_objects_stsc_applied_are_pruned() {
        let mine =
            json!({"metadata": {"managedFields": [{"manager": "stsc", "operation": "Apply"}]}});
        let theirs =
            json!({"metadata": {"managedFields": [{"manager": "kubectl", "operation": "Update"}]}});
        assert!(applied_by_stsc(&mine));
        assert!(!applied_by_stsc(&theirs));
    }
}
