//! The resource types the embedded runtime serves: names as kubectl accepts them, group, scope.

/// One resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    /// Kind (`StatefulSet`).
    pub kind: &'static str,
    /// Plural resource name (`statefulsets`).
    pub plural: &'static str,
    /// Singular (`statefulset`).
    pub singular: &'static str,
    /// API group (`apps`; empty for core).
    pub group: &'static str,
    /// `apiVersion` of stored objects.
    pub api_version: &'static str,
    /// Short names (`sts`).
    pub short: &'static [&'static str],
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
}

impl Resource {
    /// `statefulsets.apps` (or `pods` for the core group): the form used in error messages.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `statefulset.apps` (or `pod`): the prefix kubectl puts before names.
    pub fn prefix(&self) -> String {
        let kind = self.kind.to_lowercase();
        if self.group.is_empty() {
            kind
        } else {
            format!("{kind}.{}", self.group)
        }
    }
}

const fn res(
    kind: &'static str,
    plural: &'static str,
    singular: &'static str,
    group: &'static str,
    api_version: &'static str,
    short: &'static [&'static str],
    namespaced: bool,
) -> Resource {
    Resource {
        kind,
        plural,
        singular,
        group,
        api_version,
        short,
        namespaced,
    }
}

/// `StatefulSet`.
pub const STATEFUL_SET: Resource = res(
    "StatefulSet",
    "statefulsets",
    "statefulset",
    "apps",
    "apps/v1",
    &["sts"],
    true,
);
/// `Pod`.
pub const POD: Resource = res("Pod", "pods", "pod", "", "v1", &["po"], true);
/// `PersistentVolumeClaim`.
pub const PERSISTENT_VOLUME_CLAIM: Resource = res(
    "PersistentVolumeClaim",
    "persistentvolumeclaims",
    "persistentvolumeclaim",
    "",
    "v1",
    &["pvc"],
    true,
);
/// `PersistentVolume`.
pub const PERSISTENT_VOLUME: Resource = res(
    "PersistentVolume",
    "persistentvolumes",
    "persistentvolume",
    "",
    "v1",
    &["pv"],
    false,
);
/// `StorageClass`.
pub const STORAGE_CLASS: Resource = res(
    "StorageClass",
    "storageclasses",
    "storageclass",
    "storage.k8s.io",
    "storage.k8s.io/v1",
    &["sc"],
    false,
);
/// `Service`.
pub const SERVICE: Resource = res("Service", "services", "service", "", "v1", &["svc"], true);
/// `Endpoints`.
pub const ENDPOINTS: Resource = res(
    "Endpoints",
    "endpoints",
    "endpoints",
    "",
    "v1",
    &["ep"],
    true,
);
/// `ServiceAccount`.
pub const SERVICE_ACCOUNT: Resource = res(
    "ServiceAccount",
    "serviceaccounts",
    "serviceaccount",
    "",
    "v1",
    &["sa"],
    true,
);
/// `ClusterRole`.
pub const CLUSTER_ROLE: Resource = res(
    "ClusterRole",
    "clusterroles",
    "clusterrole",
    "rbac.authorization.k8s.io",
    "rbac.authorization.k8s.io/v1",
    &[],
    false,
);
/// `ClusterRoleBinding`.
pub const CLUSTER_ROLE_BINDING: Resource = res(
    "ClusterRoleBinding",
    "clusterrolebindings",
    "clusterrolebinding",
    "rbac.authorization.k8s.io",
    "rbac.authorization.k8s.io/v1",
    &[],
    false,
);
/// `ControllerRevision`.
pub const CONTROLLER_REVISION: Resource = res(
    "ControllerRevision",
    "controllerrevisions",
    "controllerrevision",
    "apps",
    "apps/v1",
    &[],
    true,
);
/// `Event`.
pub const EVENT: Resource = res("Event", "events", "event", "", "v1", &["ev"], true);
/// `Namespace`.
pub const NAMESPACE: Resource = res(
    "Namespace",
    "namespaces",
    "namespace",
    "",
    "v1",
    &["ns"],
    false,
);
/// `ConfigMap`.
pub const CONFIG_MAP: Resource = res(
    "ConfigMap",
    "configmaps",
    "configmap",
    "",
    "v1",
    &["cm"],
    true,
);
/// `PodDisruptionBudget`.
pub const POD_DISRUPTION_BUDGET: Resource = res(
    "PodDisruptionBudget",
    "poddisruptionbudgets",
    "poddisruptionbudget",
    "policy",
    "policy/v1",
    &["pdb"],
    true,
);
/// `NetworkPolicy`.
pub const NETWORK_POLICY: Resource = res(
    "NetworkPolicy",
    "networkpolicies",
    "networkpolicy",
    "networking.k8s.io",
    "networking.k8s.io/v1",
    &["netpol"],
    true,
);
/// `Role`.
pub const ROLE: Resource = res(
    "Role",
    "roles",
    "role",
    "rbac.authorization.k8s.io",
    "rbac.authorization.k8s.io/v1",
    &[],
    true,
);
/// `RoleBinding`.
pub const ROLE_BINDING: Resource = res(
    "RoleBinding",
    "rolebindings",
    "rolebinding",
    "rbac.authorization.k8s.io",
    "rbac.authorization.k8s.io/v1",
    &[],
    true,
);

/// `Secret`.
pub const SECRET: Resource = res("Secret", "secrets", "secret", "", "v1", &[], true);
/// `EndpointSlice`.
pub const ENDPOINT_SLICE: Resource = res(
    "EndpointSlice",
    "endpointslices",
    "endpointslice",
    "discovery.k8s.io",
    "discovery.k8s.io/v1",
    &[],
    true,
);

/// `events.k8s.io/v1` `Event`: the core Events, converted (see `runtime::api::views`).
pub const EVENT_V1: Resource = res(
    "Event",
    "events",
    "event",
    "events.k8s.io",
    "events.k8s.io/v1",
    &["ev"],
    true,
);

/// Every resource type of the runtime.
pub const RESOURCES: &[Resource] = &[
    STATEFUL_SET,
    POD,
    PERSISTENT_VOLUME_CLAIM,
    PERSISTENT_VOLUME,
    STORAGE_CLASS,
    SERVICE,
    ENDPOINTS,
    SERVICE_ACCOUNT,
    CLUSTER_ROLE,
    CLUSTER_ROLE_BINDING,
    CONTROLLER_REVISION,
    EVENT,
    NAMESPACE,
    CONFIG_MAP,
    POD_DISRUPTION_BUDGET,
    NETWORK_POLICY,
    ROLE,
    ROLE_BINDING,
    SECRET,
    ENDPOINT_SLICE,
    EVENT_V1,
];

/// The namespaces every cluster has from the start.
pub const BUILT_IN_NAMESPACES: &[&str] =
    &["default", "kube-node-lease", "kube-public", "kube-system"];

/// The resource for a kind.
pub fn by_kind(kind: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.kind == kind)
}

/// The resource a user means by `word` (`sts`, `statefulset`, `statefulsets`,
/// `statefulsets.apps`, `StatefulSet`), case-insensitively, as kubectl resolves it.
pub fn lookup(word: &str) -> Option<&'static Resource> {
    let w = word.to_lowercase();
    let (name, group) = match w.split_once('.') {
        Some((n, g)) => (n.to_string(), Some(g.to_string())),
        None => (w.clone(), None),
    };
    RESOURCES.iter().find(|r| {
        let name_ok = r.plural == name
            || r.singular == name
            || r.kind.to_lowercase() == name
            || r.short.contains(&name.as_str());
        let group_ok = match &group {
            None => true,
            Some(g) => r.group == g || (r.group.is_empty() && g == "core"),
        };
        name_ok && group_ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_names_resolve() {
        for w in [
            "sts",
            "statefulset",
            "statefulsets",
            "StatefulSet",
            "statefulsets.apps",
            "statefulset.apps",
        ] {
            assert_eq!(lookup(w).map(|r| r.kind), Some("StatefulSet"), "{w}");
        }
        assert_eq!(lookup("svc").map(|r| r.kind), Some("Service"));
        assert_eq!(lookup("ep").map(|r| r.kind), Some("Endpoints"));
        assert_eq!(lookup("pods.apps"), None);
        assert_eq!(lookup("nosuch"), None);
        assert_eq!(
            by_kind("StorageClass").map(|r| r.prefix()),
            Some("storageclass.storage.k8s.io".to_string())
        );
        assert_eq!(
            by_kind("Pod").map(|r| r.qualified()),
            Some("pods".to_string())
        );
    }
}
