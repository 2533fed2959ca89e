//! The Kubernetes API's own documents, as pure functions over the registry of resource types
//! and the runtime's printers: `/version`, discovery (aggregated and legacy), `Table`
//! responses, the `scale` subresource, and errors as `Status` bodies. `stsc serve` (#15)
//! answers kubectl and kube-rs with them; they are computed here, apart from any I/O, so that
//! each is tested without a socket.

pub mod discovery;
pub mod scale;
pub mod status;
pub mod table;

use serde_json::{json, Value};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_reports_the_emulated_minor() {
        let v = version("1.32".parse().unwrap());
        assert_eq!((&v["major"], &v["minor"]), (&json!("1"), &json!("32")));
        assert_eq!(v["gitVersion"], "v1.32.0");
    }
}
