//! The runtime commands on a real cluster (`--kubeconfig`, `--context`): the same arguments
//! as on the local state, sent through [`crate::cluster::Cluster`]. Nothing is written locally.

mod apply;
mod read;
mod wait;

pub(crate) use apply::{apply, diff};
pub(crate) use read::{delete, describe, events, get, rollout, scale};

use super::CliError;
use crate::cluster::{Cluster, ClusterError, Target};
use crate::k8s::version::KubeVersion;

impl From<ClusterError> for CliError {
    fn from(e: ClusterError) -> Self {
        CliError {
            code: e.exit_code(),
            message: e.to_string(),
        }
    }
}

/// Connect, or say in one line why not (exit 2); and the version to compile and print for:
/// `--kube-version`, else the server's (the nearest stsc targets, with a warning).
fn connect(
    target: &Target,
    asked: Option<KubeVersion>,
) -> Result<(Cluster, KubeVersion), CliError> {
    let c = Cluster::connect(target)?;
    if let Some(v) = asked {
        return Ok((c, v));
    }
    let minor = c.server_minor()?;
    let (v, exact) = KubeVersion::nearest(minor);
    if !exact {
        eprintln!("Warning: the cluster runs Kubernetes 1.{minor}, which stsc does not target: using {v} (set --kube-version to choose)");
    }
    Ok((c, v))
}

/// The namespace of a command: `-n`, else the context's.
fn namespace<'a>(given: &'a Option<String>, cluster: &'a Cluster) -> &'a str {
    given.as_deref().unwrap_or(&cluster.namespace)
}

/// Seconds since the epoch, for ages in tables.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
