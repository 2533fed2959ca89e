//! The Pod fields that the printers and controllers read, as typed views borrowed from the
//! stored JSON (`Pod` of k8s.io/api `core/v1`, the few fields used). Decoding borrows strings
//! instead of copying them, so a table of 10,000 pods pays no allocation per field; every other
//! field stays in the JSON object untouched.

use serde::Deserialize;
use serde_json::Value;

use super::object::{view, ObjectMeta};

/// A pod, as far as `get`, `describe` and the endpoints read it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Pod<'a> {
    /// `metadata`.
    #[serde(borrow)]
    pub metadata: ObjectMeta<'a>,
    /// `spec`.
    #[serde(borrow)]
    pub spec: PodSpec<'a>,
    /// `status`.
    #[serde(borrow)]
    pub status: PodStatus<'a>,
}

/// The spec fields read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodSpec<'a> {
    /// The node it runs on.
    #[serde(borrow)]
    pub node_name: Option<&'a str>,
    /// Its DNS name under `subdomain` (a StatefulSet's pod name).
    #[serde(borrow)]
    pub hostname: Option<&'a str>,
    /// The governing Service of a StatefulSet's pod.
    #[serde(borrow)]
    pub subdomain: Option<&'a str>,
    /// The app containers.
    #[serde(borrow)]
    pub containers: Vec<Container<'a>>,
    /// Init containers: those with `restartPolicy: Always` are native sidecars.
    #[serde(borrow)]
    pub init_containers: Vec<Container<'a>>,
    /// The volumes (only claims are read).
    #[serde(borrow)]
    pub volumes: Vec<Volume<'a>>,
    /// The pod's identity.
    #[serde(borrow)]
    pub service_account_name: Option<&'a str>,
    /// Readiness gates (only their count is read).
    pub readiness_gates: Vec<serde::de::IgnoredAny>,
}

/// A container, as far as the kubelet and the endpoints read it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Container<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its image.
    pub image: &'a str,
    /// Its named ports (named target ports of Services resolve through them).
    #[serde(borrow)]
    pub ports: Vec<ContainerPort<'a>>,
    /// `Always` for a native sidecar (an init container that keeps running).
    #[serde(borrow)]
    pub restart_policy: Option<&'a str>,
    /// Where its volumes are mounted.
    #[serde(borrow)]
    pub volume_mounts: Vec<VolumeMount<'a>>,
}

/// A container's volume mount.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VolumeMount<'a> {
    /// The pod volume.
    pub name: &'a str,
    /// Where in the container.
    pub mount_path: &'a str,
    /// Read-only.
    pub read_only: bool,
}

impl Container<'_> {
    /// Whether this init container is a native sidecar.
    pub fn is_sidecar(&self) -> bool {
        self.restart_policy == Some("Always")
    }
}

/// A port a container exposes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerPort<'a> {
    /// Its name, for Services' named target ports.
    pub name: Option<&'a str>,
    /// The port number.
    pub container_port: i32,
    /// `TCP` (absent), `UDP`, `SCTP`.
    #[serde(borrow)]
    pub protocol: Option<&'a str>,
}

/// A pod volume: only a claim's name is read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Volume<'a> {
    /// Its name in the pod.
    pub name: &'a str,
    /// The claim it mounts, if it is a claim volume.
    #[serde(borrow)]
    pub persistent_volume_claim: Option<ClaimSource<'a>>,
}

/// `persistentVolumeClaim` of a pod volume.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClaimSource<'a> {
    /// The claim's name (in the pod's namespace).
    pub claim_name: &'a str,
}

/// The status fields read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodStatus<'a> {
    /// `Pending`, `Running`, `Succeeded`, `Failed`.
    #[serde(borrow)]
    pub phase: Option<&'a str>,
    /// A reason for the phase (`NodeLost`, `Evicted`).
    #[serde(borrow)]
    pub reason: Option<&'a str>,
    /// The pod's addresses.
    #[serde(borrow, rename = "podIPs")]
    pub pod_ips: Vec<PodIp<'a>>,
    /// The node the scheduler nominated.
    #[serde(borrow)]
    pub nominated_node_name: Option<&'a str>,
    /// The containers' statuses.
    #[serde(borrow)]
    pub container_statuses: Vec<ContainerStatus<'a>>,
    /// The init containers' statuses.
    #[serde(borrow)]
    pub init_container_statuses: Vec<ContainerStatus<'a>>,
    /// The pod's conditions (`Ready`, `PodScheduled`, …).
    #[serde(borrow)]
    pub conditions: Vec<PodCondition<'a>>,
}

/// One of a pod's conditions.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodCondition<'a> {
    /// `Ready`, `ContainersReady`, `PodScheduled`, …
    #[serde(rename = "type")]
    pub type_: &'a str,
    /// `True`, `False` or `Unknown`.
    pub status: &'a str,
    /// Why, for people.
    #[serde(borrow)]
    pub message: Option<&'a str>,
    /// When the status last changed.
    #[serde(borrow)]
    pub last_transition_time: Option<&'a str>,
}

/// One address of a pod.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PodIp<'a> {
    /// The address.
    pub ip: &'a str,
}

/// A container's status.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerStatus<'a> {
    /// Whether it passes its readiness probe.
    pub ready: bool,
    /// How many times it restarted.
    pub restart_count: i64,
    /// What it is doing.
    #[serde(borrow)]
    pub state: ContainerState<'a>,
}

/// A container's state: at most one of the three is set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContainerState<'a> {
    /// Running (its start time is not read).
    pub running: Option<serde::de::IgnoredAny>,
    /// Waiting, with a reason.
    #[serde(borrow)]
    pub waiting: Option<Waiting<'a>>,
    /// Terminated, with a reason, a signal or an exit code.
    #[serde(borrow)]
    pub terminated: Option<Terminated<'a>>,
}

/// `state.waiting`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Waiting<'a> {
    /// Why (`ContainerCreating`, `CrashLoopBackOff`).
    #[serde(borrow)]
    pub reason: Option<&'a str>,
}

/// `state.terminated`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Terminated<'a> {
    /// Why (`Completed`, `Error`).
    #[serde(borrow)]
    pub reason: Option<&'a str>,
    /// The signal that ended it (0: none).
    pub signal: i64,
    /// Its exit code.
    pub exit_code: i64,
}

impl<'a> Pod<'a> {
    /// The view of a stored pod ([`view`]).
    pub fn of(v: &'a Value) -> Pod<'a> {
        view(v)
    }

    /// The first address, if any.
    pub fn ip(&self) -> Option<&'a str> {
        self.status.pod_ips.first().map(|p| p.ip)
    }

    /// Whether the pod is terminating.
    pub fn terminating(&self) -> bool {
        self.metadata.deletion_timestamp.is_some()
    }

    /// The `Ready` condition, when it is `True`: the one definition of a ready pod.
    pub fn ready_condition(&self) -> Option<&PodCondition<'a>> {
        self.status
            .conditions
            .iter()
            .find(|c| c.type_ == "Ready" && c.status == "True")
    }

    /// Whether the pod is Ready.
    pub fn ready(&self) -> bool {
        self.ready_condition().is_some()
    }

    /// Whether its phase is final (`Failed` or `Succeeded`).
    pub fn finished(&self) -> bool {
        matches!(self.status.phase, Some("Failed" | "Succeeded"))
    }

    /// The names of the claims its volumes use.
    pub fn claims(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.spec
            .volumes
            .iter()
            .filter_map(|v| v.persistent_volume_claim.as_ref().map(|c| c.claim_name))
    }

    /// An annotation's value.
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.metadata.annotations.get(key).copied()
    }

    /// Containers as kubectl counts them: the app containers and the native sidecars.
    pub fn container_count(&self) -> usize {
        let sidecars = self
            .spec
            .init_containers
            .iter()
            .filter(|c| c.is_sidecar())
            .count();
        self.spec.containers.len() + sidecars
    }
}

impl ContainerStatus<'_> {
    /// Ready and running (kubectl's READY column counts these).
    pub fn running_ready(&self) -> bool {
        self.ready && self.state.running.is_some()
    }
}

impl<'a> PodSpec<'a> {
    /// The view of a pod spec (a pod's, or a template's).
    pub fn of(v: &'a Value) -> PodSpec<'a> {
        view(v)
    }
}

/// An event (`Event` of `core/v1`), as `describe` and `get events` print it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Event<'a> {
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub type_: &'a str,
    /// A CamelCase reason (`SuccessfulCreate`).
    pub reason: &'a str,
    /// What happened, for people (`note` in `events.k8s.io/v1`).
    #[serde(alias = "note")]
    pub message: &'a str,
    /// How many times it happened.
    #[serde(alias = "deprecatedCount")]
    pub count: Option<i64>,
    /// When it first happened.
    #[serde(borrow, alias = "deprecatedFirstTimestamp")]
    pub first_timestamp: Option<&'a str>,
    /// When it last happened.
    #[serde(borrow, alias = "deprecatedLastTimestamp")]
    pub last_timestamp: Option<&'a str>,
    /// Who reported it.
    #[serde(borrow, alias = "deprecatedSource")]
    pub source: EventSource<'a>,
    /// What it is about.
    #[serde(borrow, alias = "regarding")]
    pub involved_object: InvolvedObject<'a>,
}

/// `source` of an event.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EventSource<'a> {
    /// `statefulset-controller`, `kubelet`, …
    pub component: &'a str,
}

/// `involvedObject` of an event.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct InvolvedObject<'a> {
    /// Its kind.
    pub kind: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its uid.
    pub uid: &'a str,
}

impl<'a> Event<'a> {
    /// The view of a stored event.
    pub fn of(v: &'a Value) -> Event<'a> {
        view(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pod_reads_as_kubectl_counts_it() {
        let v = json!({
            "metadata": {"name": "web-0"},
            "spec": {"nodeName": "n", "containers": [{"name": "a"}, {"name": "b"}],
                     "initContainers": [{"name": "s", "restartPolicy": "Always"}, {"name": "i"}]},
            "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.1"}],
                       "containerStatuses": [{"ready": true, "restartCount": 2, "state": {"running": {}}}]},
        });
        let p = Pod::of(&v);
        assert_eq!(
            (p.metadata.name, p.ip(), p.container_count()),
            ("web-0", Some("10.0.0.1"), 3)
        );
        assert!(p.status.container_statuses[0].running_ready());
        assert_eq!(p.status.container_statuses[0].restart_count, 2);
        assert!(!p.terminating());
        assert_eq!(Pod::of(&json!({"status": {"phase": 5}})).status.phase, None);
    }

    #[test]
    fn readiness_is_the_ready_condition() {
        let p = |s: &str| json!({"status": {"conditions": [{"type": "Ready", "status": s}]}});
        assert!(Pod::of(&p("True")).ready());
        assert!(!Pod::of(&p("False")).ready());
        assert!(!Pod::of(&json!({})).ready());
    }
}
