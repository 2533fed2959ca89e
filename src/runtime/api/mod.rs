//! The Kubernetes API's own documents, as pure functions over the registry of resource types
//! and the runtime's printers: `/version`, discovery (aggregated and legacy), `Table`
//! responses, content negotiation, lists, the `scale` subresource, and errors as `Status`
//! bodies. `stsc serve` (#15)
//! answers kubectl and kube-rs with them; they are computed here, apart from any I/O, so that
//! each is tested without a socket.

pub mod discovery;
pub mod handle;
pub mod negotiate;
pub mod openapi;
pub mod params;
pub mod route;
pub mod scale;
pub mod status;
pub mod table;
pub mod views;
pub mod watch;

use serde_json::{json, Value};

use crate::k8s::resources::Resource;
use crate::k8s::version::KubeVersion;

/// `GET /version` (`version.Info`) for the emulated version: kubectl's dispatcher on these
/// machines picks its own minor from `minor`.
pub fn version(v: KubeVersion) -> Value {
    json!({
        "major": "1",
        "minor": v.minor.to_string(),
        "gitVersion": format!("v1.{}.0", v.minor),
        "gitCommit": "stsc",
        "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z",
        "goVersion": "go1.23.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// A list response (`PodList`, `StatefulSetList`, …) at the store's `resource_version`.
/// Items keep their own `apiVersion` and `kind` (the real server leaves them out; clients accept
/// both).
pub fn list_of(r: &Resource, items: &[&Value], resource_version: &str) -> Value {
    json!({
        "kind": format!("{}List", r.kind),
        "apiVersion": r.api_version,
        "metadata": {"resourceVersion": resource_version},
        "items": items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_reports_the_emulated_minor() {
        let v = version("1.32".parse().unwrap());
        assert_eq!((&v["major"], &v["minor"]), (&json!("1"), &json!("32")));
        assert_eq!(v["gitVersion"], "v1.32.0");
    }

    #[test]
    fn a_list_is_named_after_its_kind() {
        let pod = json!({"metadata": {"name": "web-0"}});
        let l = list_of(&crate::k8s::resources::POD, &[&pod], "12");
        assert_eq!(
            l,
            json!({"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "12"},
                   "items": [{"metadata": {"name": "web-0"}}]})
        );
    }
}
