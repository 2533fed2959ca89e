//! Discovery documents, computed from the one registry of resource types
//! ([`crate::k8s::resources::RESOURCES`]) so that they cannot drift from what is served:
//! aggregated discovery (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`, the form kubectl 1.26+
//! asks for first, `staging/src/k8s.io/api/apidiscovery/v2/types.go`) and the legacy documents
//! (`APIVersions`, `APIGroupList`, `APIResourceList`) that kube-rs's `Discovery` and older
//! kubectls read. `docs/research/kubectl-and-api.md` §2.2 lists what kubectl reads of them.

use serde_json::{json, Value};

use crate::k8s::resources::{self, Resource, RESOURCES};

/// The verbs every served resource accepts.
const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// The content type kubectl looks for to know the answer is aggregated discovery.
pub const AGGREGATED_CONTENT_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// The `all` category (`kubectl get all`): upstream gives it to pods, services and workloads.
fn categories(r: &Resource) -> &'static [&'static str] {
    match *r {
        resources::POD | resources::SERVICE | resources::STATEFUL_SET => &["all"],
        _ => &[],
    }
}

/// The subresources served beside a resource, with the kind each one answers with.
fn subresources(r: &Resource) -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    let status = ("status", r.group, version_of(r), r.kind);
    match *r {
        resources::STATEFUL_SET => vec![("scale", "autoscaling", "v1", "Scale"), status],
        resources::POD
        | resources::SERVICE
        | resources::PERSISTENT_VOLUME_CLAIM
        | resources::PERSISTENT_VOLUME
        | resources::NAMESPACE
        | resources::POD_DISRUPTION_BUDGET => vec![status],
        _ => Vec::new(),
    }
}

/// `v1` of `apps/v1` (and of the core group's `v1`).
fn version_of(r: &Resource) -> &'static str {
    r.api_version.rsplit('/').next().unwrap_or(r.api_version)
}

/// The API groups served, in the order of the registry: `(group, version)`, the core group
/// (`""`) first.
fn groups() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = vec![("", "v1")];
    for r in RESOURCES {
        let g = (r.group, version_of(r));
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out
}

/// The resources of one group version, in the registry's order.
fn resources_of<'a>(
    group: &'a str,
    version: &'a str,
) -> impl Iterator<Item = &'static Resource> + 'a {
    RESOURCES
        .iter()
        .filter(move |r| r.group == group && version_of(r) == version)
}

/// One resource of aggregated discovery (`APIResourceDiscovery`).
fn aggregated_resource(r: &Resource) -> Value {
    let subresources: Vec<Value> = subresources(r)
        .into_iter()
        .map(|(sub, group, version, kind)| {
            json!({
                "subresource": sub,
                "responseKind": {"group": group, "version": version, "kind": kind},
                "verbs": ["get", "patch", "update"],
            })
        })
        .collect();
    let mut d = json!({
        "resource": r.plural,
        "responseKind": {"group": r.group, "version": version_of(r), "kind": r.kind},
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular,
        "verbs": VERBS,
    });
    if !r.short.is_empty() {
        d["shortNames"] = json!(r.short);
    }
    if !categories(r).is_empty() {
        d["categories"] = json!(categories(r));
    }
    if !subresources.is_empty() {
        d["subresources"] = Value::Array(subresources);
    }
    d
}

/// One group of aggregated discovery (`APIGroupDiscovery`).
fn aggregated_group(group: &str, version: &str) -> Value {
    let resources: Vec<Value> = resources_of(group, version)
        .map(aggregated_resource)
        .collect();
    json!({
        "metadata": {"name": group},
        "versions": [{"version": version, "freshness": "Current", "resources": resources}],
    })
}

/// `GET /api` (core group only) or `GET /apis` (every named group) in the aggregated form.
pub fn aggregated(core: bool) -> Value {
    let items: Vec<Value> = groups()
        .into_iter()
        .filter(|(g, _)| g.is_empty() == core)
        .map(|(g, v)| aggregated_group(g, v))
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    })
}

/// `GET /api` in the legacy form; `address` is the server's `host:port`.
pub fn api_versions(address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    })
}

/// `GET /apis` in the legacy form.
pub fn api_group_list() -> Value {
    let groups: Vec<Value> = groups()
        .into_iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, v)| {
            let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
            json!({"name": g, "versions": [gv], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `GET /api/v1` or `GET /apis/{group}/{version}`: the group version's resources and their
/// subresources; `None` for a group version not served.
pub fn api_resource_list(group: &str, version: &str) -> Option<Value> {
    let mut list = Vec::new();
    for r in resources_of(group, version) {
        let mut entry = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": VERBS,
        });
        if !r.short.is_empty() {
            entry["shortNames"] = json!(r.short);
        }
        if !categories(r).is_empty() {
            entry["categories"] = json!(categories(r));
        }
        list.push(entry);
        for (sub, g, v, kind) in subresources(r) {
            let mut e = json!({
                "name": format!("{}/{sub}", r.plural),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": kind,
                "verbs": ["get", "patch", "update"],
            });
            if kind != r.kind {
                e["group"] = json!(g);
                e["version"] = json!(v);
            }
            list.push(e);
        }
    }
    if list.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": list,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_core_group_is_alone_under_api_and_named_groups_under_apis() {
        let core = aggregated(true);
        let items = core["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["metadata"]["name"], "");
        let apis = aggregated(false);
        let named: Vec<&str> = apis["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap())
            .collect();
        assert!(named.contains(&"apps") && named.contains(&"storage.k8s.io"));
        assert!(!named.contains(&""));
    }

    #[test]
    fn statefulsets_are_discovered_with_their_short_name_and_scale() {
        let apps = aggregated(false)["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["metadata"]["name"] == "apps")
            .cloned()
            .unwrap();
        let sts = &apps["versions"][0]["resources"][0];
        assert_eq!(
            (
                &sts["resource"],
                &sts["scope"],
                &sts["shortNames"],
                &sts["categories"]
            ),
            (
                &json!("statefulsets"),
                &json!("Namespaced"),
                &json!(["sts"]),
                &json!(["all"])
            )
        );
        assert_eq!(
            sts["subresources"][0]["responseKind"],
            json!({"group": "autoscaling", "version": "v1", "kind": "Scale"})
        );
        let legacy = api_resource_list("apps", "v1").unwrap();
        let scale = legacy["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "statefulsets/scale")
            .unwrap();
        assert_eq!(
            (&scale["group"], &scale["kind"]),
            (&json!("autoscaling"), &json!("Scale"))
        );
        assert!(api_resource_list("batch", "v1").is_none());
    }

    #[test]
    fn every_group_version_is_listed_once_with_its_preferred_version() {
        let list = api_group_list();
        let names: Vec<&str> = list["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap())
            .collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(names.len(), unique.len());
        let apps = &list["groups"][0];
        assert_eq!(apps["preferredVersion"]["groupVersion"], "apps/v1");
    }
}
