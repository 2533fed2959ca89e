//! Request paths of the Kubernetes API, resolved against the registry of resource types:
//! `/api/v1/namespaces/default/pods/web-0`, `/apis/apps/v1/statefulsets`,
//! `/apis/apps/v1/namespaces/default/statefulsets/web/scale`, and the documents beside them
//! (`/version`, discovery, OpenAPI). The URL layout: `docs/research/kubectl-and-api.md` §4.2.

use crate::k8s::resources::{self, Resource};

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    /// `/version`.
    Version,
    /// `/healthz`, `/readyz`, `/livez` (and their `/…/ping`-style children).
    Health,
    /// `/api`: the core group's versions.
    Core,
    /// `/apis`: the named groups.
    Groups,
    /// `/api/v1` or `/apis/{group}/{version}`: one group-version's resources.
    GroupVersion {
        /// Group (empty for core).
        group: &'a str,
        /// Version.
        version: &'a str,
    },
    /// `/openapi/v2` (protobuf only, for kubectl 1.27 and 1.28).
    OpenApiV2,
    /// `/openapi/v3`: the index of group-version documents.
    OpenApiRoot,
    /// `/openapi/v3/api/v1` or `/openapi/v3/apis/{group}/{version}`.
    OpenApi {
        /// Group (empty for core).
        group: &'a str,
        /// Version.
        version: &'a str,
    },
    /// `/apis/apiextensions.k8s.io/v1/customresourcedefinitions`: the runtime has none (kubectl
    /// asks, to validate a kind it does not know, and then says the kind is not served).
    CustomResourceDefinitions,
    /// Objects of one resource type.
    Objects(Target<'a>),
}

/// A resource type, and within it a namespace, an object and a subresource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    /// The resource type.
    pub resource: &'static Resource,
    /// The namespace in the path (`None`: every namespace, or a cluster-scoped type).
    pub namespace: Option<&'a str>,
    /// The object's name (`None`: the collection).
    pub name: Option<&'a str>,
    /// The subresource.
    pub sub: Option<Sub>,
}

/// A subresource the runtime serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sub {
    /// `…/scale` (autoscaling/v1 Scale).
    Scale,
    /// `…/status`.
    Status,
}

/// Resolve a request path (without its query); `None` is a 404.
pub fn route(path: &str) -> Option<Route<'_>> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["version"] => Some(Route::Version),
        ["healthz" | "readyz" | "livez", ..] => Some(Route::Health),
        ["api"] => Some(Route::Core),
        ["apis"] => Some(Route::Groups),
        ["openapi", "v2"] => Some(Route::OpenApiV2),
        ["openapi", "v3"] => Some(Route::OpenApiRoot),
        ["openapi", "v3", "api", version] => {
            known("", version).then_some(Route::OpenApi { group: "", version })
        }
        ["openapi", "v3", "apis", group, version] => {
            known(group, version).then_some(Route::OpenApi { group, version })
        }
        ["apis", "apiextensions.k8s.io", "v1", "customresourcedefinitions"] => {
            Some(Route::CustomResourceDefinitions)
        }
        ["api", version, rest @ ..] => within("", version, rest),
        ["apis", group, version, rest @ ..] => within(group, version, rest),
        _ => None,
    }
}

/// Whether the runtime serves any resource in `group`/`version`.
fn known(group: &str, version: &str) -> bool {
    resources::RESOURCES
        .iter()
        .any(|r| r.group == group && r.api_version.rsplit('/').next() == Some(version))
}

/// The part of a path after `/api/v1` or `/apis/{group}/{version}`.
fn within<'a>(group: &'a str, version: &'a str, rest: &[&'a str]) -> Option<Route<'a>> {
    if !known(group, version) {
        return None;
    }
    let find = |plural: &str| {
        resources::RESOURCES.iter().find(|r| {
            r.group == group
                && r.plural == plural
                && r.api_version.rsplit('/').next() == Some(version)
        })
    };
    let target = |r: &'static Resource, namespace, tail: &[&'a str]| {
        let (name, sub) = match tail {
            [] => (None, None),
            [name] => (Some(*name), None),
            [name, "scale"] if *r == resources::STATEFUL_SET => (Some(*name), Some(Sub::Scale)),
            [name, "status"] => (Some(*name), Some(Sub::Status)),
            _ => return None,
        };
        (name != Some("")).then_some(Route::Objects(Target {
            resource: r,
            namespace,
            name,
            sub,
        }))
    };
    match rest {
        [] => Some(Route::GroupVersion { group, version }),
        // `/api/v1/namespaces/{name}[/status]` is the Namespace object itself.
        ["namespaces", ns] | ["namespaces", ns, "status"] if group.is_empty() => {
            target(&resources::NAMESPACE, None, &rest[1..])
        }
        ["namespaces", ns, plural, tail @ ..] if !ns.is_empty() => {
            let r = find(plural).filter(|r| r.namespaced)?;
            target(r, Some(*ns), tail)
        }
        [plural, tail @ ..] => {
            let r = find(plural)?;
            // A namespaced type outside a namespace is only its list across all of them.
            if r.namespaced && !tail.is_empty() {
                return None;
            }
            target(r, None, tail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(path: &str) -> Target<'_> {
        match route(path) {
            Some(Route::Objects(t)) => t,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn documents_resolve() {
        assert_eq!(route("/version"), Some(Route::Version));
        assert_eq!(route("/readyz"), Some(Route::Health));
        assert_eq!(route("/api"), Some(Route::Core));
        assert_eq!(route("/apis"), Some(Route::Groups));
        assert_eq!(
            route("/apis/apps/v1"),
            Some(Route::GroupVersion {
                group: "apps",
                version: "v1"
            })
        );
        assert_eq!(
            route("/openapi/v3/api/v1"),
            Some(Route::OpenApi {
                group: "",
                version: "v1"
            })
        );
        assert_eq!(route("/apis/apps/v2"), None);
        assert_eq!(route("/apis/batch/v1/jobs"), None);
        assert_eq!(route("/openapi/v2"), Some(Route::OpenApiV2));
        assert_eq!(route("/swagger-2.0.0.pb-v1"), None);
    }

    #[test]
    fn objects_resolve_with_namespace_name_and_subresource() {
        let t = objects("/apis/apps/v1/namespaces/default/statefulsets/web/scale");
        assert_eq!(
            (t.resource.kind, t.namespace, t.name, t.sub),
            (
                "StatefulSet",
                Some("default"),
                Some("web"),
                Some(Sub::Scale)
            )
        );
        let t = objects("/api/v1/pods");
        assert_eq!((t.resource.kind, t.namespace, t.name), ("Pod", None, None));
        let t = objects("/api/v1/persistentvolumes/pv-1");
        assert_eq!(
            (t.resource.kind, t.name),
            ("PersistentVolume", Some("pv-1"))
        );
        let t = objects("/api/v1/namespaces/kube-system");
        assert_eq!(
            (t.resource.kind, t.name),
            ("Namespace", Some("kube-system"))
        );
        let t = objects("/api/v1/namespaces");
        assert_eq!((t.resource.kind, t.name), ("Namespace", None));
    }

    #[test]
    fn paths_the_api_server_would_not_serve_are_none() {
        // A pod outside its namespace, a scale of a pod, a cluster-scoped type in a namespace,
        // a type in the wrong group.
        assert_eq!(route("/api/v1/pods/web-0"), None);
        assert_eq!(route("/api/v1/namespaces/default/pods/web-0/scale"), None);
        assert_eq!(route("/api/v1/namespaces/default/persistentvolumes"), None);
        assert_eq!(route("/api/v1/statefulsets"), None);
        assert_eq!(route("/api/v1/namespaces/default/pods/web-0/log/x"), None);
    }
}
