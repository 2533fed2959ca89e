//! The StatefulSet controller's decision for one sync, as a pure function: a snapshot of the set,
//! its pods, claims and revisions in, the writes to make out. It follows upstream
//! `pkg/controller/statefulset/stateful_set_control.go` step by step, one file a step:
//! `revisions` (adopt, find or make the update revision), `members` (adopt or release pods,
//! split into replicas and condemned), `replicas` (create and repair in order, delete the
//! condemned, roll the update), `claims` (one claim per template and ordinal, owner references
//! by the retention policy), `status`, and history truncation back in `revisions`.

mod claims;
mod members;
mod pods;
mod replicas;
mod revisions;
mod status;

#[cfg(test)]
mod cases;

use serde_json::Value;

use crate::k8s::apps::{RollingUpdate, StatefulSetSpec, StatefulSetStatus};
use crate::k8s::object::{is_terminating, meta_str, OwnerReference};
use crate::k8s::version::KubeVersion;
use claims::Retention;
use members::{Members, SetSelector};
pub use pods::{parent_and_ordinal, Memo, PodSummary, Verdict};
pub use revisions::revision_data;
use revisions::Revisions;

/// One write the controller wants.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Create a claim (before its pod).
    CreateClaim(Value),
    /// Replace a claim (owner references).
    UpdateClaim(Value),
    /// Create a pod.
    CreatePod(Value),
    /// Replace a pod (adoption, identity repair).
    UpdatePod(Value),
    /// Delete a pod by name.
    DeletePod(String),
    /// Create a ControllerRevision.
    CreateRevision(Value),
    /// Replace a ControllerRevision (a rollback bumps its number).
    UpdateRevision(Value),
    /// Delete a ControllerRevision by name.
    DeleteRevision(String),
    /// Write the set's status.
    Status(Value),
    /// Record an event on the set.
    Event(Event),
}

/// An event the controller records on the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `Normal` or `Warning`.
    pub type_: EventType,
    /// The reason (`SuccessfulCreate`).
    pub reason: &'static str,
    /// What happened, in the controller's words.
    pub message: String,
}

/// An event's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// Things as they should be.
    Normal,
    /// Something that needs attention.
    Warning,
}

impl EventType {
    /// `Normal` or `Warning`, as Events spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

impl Event {
    fn normal(reason: &'static str, message: String) -> Action {
        Action::Event(Event {
            type_: EventType::Normal,
            reason,
            message,
        })
    }

    fn warning(reason: &'static str, message: String) -> Action {
        Action::Event(Event {
            type_: EventType::Warning,
            reason,
            message,
        })
    }
}

/// What one sync sees.
pub struct Snapshot<'a> {
    /// The set (defaulted as stored).
    pub set: &'a Value,
    /// Summaries of the pods whose names make them members (`<set>-<n>`), any order.
    pub pods: Vec<&'a PodSummary>,
    /// A pod object by name (for adoption and repairs).
    pub pod: &'a dyn Fn(&str) -> Option<&'a Value>,
    /// A claim of the set's namespace by name.
    pub claims: &'a dyn Fn(&str) -> Option<&'a Value>,
    /// ControllerRevisions of the namespace.
    pub revisions: Vec<&'a Value>,
    /// Whether any claim of the namespace has owner references (lets a Retain/Retain set skip
    /// claim reference checks).
    pub claims_have_owners: bool,
    /// Current time (seconds).
    pub now: i64,
    /// Simulated version.
    pub version: KubeVersion,
}

impl std::fmt::Debug for Snapshot<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("set", &meta_str(self.set, "name"))
            .field("pods", &self.pods.len())
            .finish()
    }
}

/// Claim name of a template for an ordinal.
pub fn claim_name(template: &Value, set: &str, ordinal: i64) -> String {
    format!("{}-{set}-{ordinal}", meta_str(template, "name"))
}

/// Decide one sync. `memos` are the pods' memos, in the order of `s.pods` (fewer, or none, only
/// costs time: a pod without one is compared with the set afresh).
pub fn sync(s: &Snapshot<'_>, memos: &mut [&mut Memo]) -> Vec<Action> {
    let Some(set) = Set::of(s.set, s.version) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let revs = Revisions::resolve(&set, &s.revisions, &mut out);
    let members = Members::partition(&set, s, memos, &revs.update, &mut out);
    let retention = Retention::of(&set, s);
    let cx = Sync {
        snap: s,
        set,
        revs,
        members,
        retention,
    };
    let stopped =
        cx.set.deleting || cx.process_replicas(&mut out) || cx.process_condemned(&mut out);
    let deleted_for_update = if stopped {
        0
    } else {
        cx.update_replicas(&mut out)
    };
    let counted = cx.replica_status(deleted_for_update);
    let status = counted.status.to_value();
    if status != s.set["status"] {
        out.push(Action::Status(status));
    }
    let (current, in_use) = (&counted.current_revision, &counted.in_use);
    cx.revs.truncate_history(&cx.set, current, in_use, &mut out);
    out
}

/// One sync's view of the set, its snapshot, and what the first steps found.
struct Sync<'s, 'a> {
    snap: &'s Snapshot<'a>,
    set: Set<'a>,
    revs: Revisions<'a>,
    members: Members<'a>,
    retention: Retention,
}

/// The fields of the set a sync reads, read once.
struct Set<'a> {
    obj: &'a Value,
    name: &'a str,
    ns: &'a str,
    uid: &'a str,
    spec: &'a Value,
    selector: SetSelector,
    replicas: i64,
    /// `ordinals.start` where the gate is on, else 0.
    start: i64,
    min_ready: i64,
    /// OrderedReady (not Parallel): one pod at a time, in order.
    monotonic: bool,
    /// `updateStrategy.type` is RollingUpdate.
    rolling: bool,
    rolling_update: Option<RollingUpdate>,
    /// The typed spec, for the fields decisions read.
    typed: StatefulSetSpec,
    partition: i64,
    /// The set has a deletionTimestamp.
    deleting: bool,
    /// `metadata.generation`.
    generation: i64,
    /// The stored status.
    status: StatefulSetStatus,
    claim_templates: Vec<&'a Value>,
}

impl<'a> Set<'a> {
    /// The set's view, from its typed spec (templates stay JSON: they are copied whole into
    /// pods, claims and revisions); `None` for an object whose spec does not decode
    /// (one the API server would not have stored).
    fn of(obj: &'a Value, version: KubeVersion) -> Option<Self> {
        let typed = StatefulSetSpec::of(obj).ok()?;
        let spec = &obj["spec"];
        let strategy = typed.update_strategy.as_ref();
        Some(Set {
            obj,
            name: meta_str(obj, "name"),
            ns: meta_str(obj, "namespace"),
            uid: meta_str(obj, "uid"),
            spec,
            selector: SetSelector::of(obj),
            replicas: i64::from(typed.replicas().max(0)),
            start: if version.start_ordinals() {
                i64::from(typed.ordinals.as_ref().and_then(|o| o.start).unwrap_or(0))
            } else {
                0
            },
            min_ready: i64::from(typed.min_ready_seconds.unwrap_or(0)),
            monotonic: typed.pod_management_policy.as_deref() != Some("Parallel"),
            rolling: strategy
                .and_then(|u| u.type_.as_deref())
                .unwrap_or("RollingUpdate")
                == "RollingUpdate",
            rolling_update: typed.rolling_update().cloned(),
            partition: i64::from(
                typed
                    .rolling_update()
                    .and_then(|r| r.partition)
                    .unwrap_or(0),
            ),
            deleting: is_terminating(obj),
            generation: obj["metadata"]["generation"].as_i64().unwrap_or(0),
            status: StatefulSetStatus::of(obj),
            claim_templates: spec["volumeClaimTemplates"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            typed,
        })
    }

    fn in_range(&self, ordinal: i64) -> bool {
        ordinal >= self.start && ordinal < self.start + self.replicas
    }

    fn pod_name(&self, ordinal: i64) -> String {
        format!("{}-{ordinal}", self.name)
    }

    /// The reference the set's pods, claims and revisions carry to it.
    fn controller_ref(&self) -> OwnerReference<'a> {
        let sts = crate::k8s::resources::STATEFUL_SET;
        crate::k8s::object::controller_ref(sts.api_version, sts.kind, self.obj)
    }

    /// Whether the set's selector selects the object's labels.
    fn selects(&self, o: &Value) -> bool {
        self.selector.matches(&o["metadata"]["labels"])
    }
}
