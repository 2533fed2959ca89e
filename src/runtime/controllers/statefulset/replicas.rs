//! The replica steps of one sync, in upstream's order (`updateStatefulSet`): create, recreate
//! and repair the pods in range (`processReplica`), delete the condemned ones
//! (`processCondemned`), then roll pods to the update revision, highest ordinal first, down to
//! the partition. Each step returns whether the sync stops there; under OrderedReady it stops at
//! the first pod that is not Running and Ready.

use serde_json::json;

use super::pods::PodState;
use super::{Action, Event, Sync};
use crate::k8s::object::IntOrString;

impl Sync<'_, '_> {
    /// Phase A: every slot in order; true when the sync stops.
    pub(super) fn process_replicas(&self, out: &mut Vec<Action>) -> bool {
        for (i, slot) in self.members.slots.iter().enumerate() {
            let ordinal = self.set.start + i as i64;
            let stop = match slot {
                Some(p) if p.sum.finished => {
                    if !p.terminating() {
                        self.delete_pod(p.name(), out);
                    }
                    self.set.monotonic
                }
                None => {
                    self.create_replica(ordinal, out);
                    self.set.monotonic
                }
                Some(p) => self.check_replica(ordinal, p, out),
            };
            if stop {
                return true;
            }
        }
        false
    }

    /// The revision a missing replica is created at: the current one below the partition (or,
    /// without `rollingUpdate`, below the current replica count), else the update revision.
    fn revision_for(&self, ordinal: i64) -> &str {
        let set = &self.set;
        let current_replicas = i64::from(set.status.current_replicas);
        let below_current =
            set.rolling && set.rolling_update.is_none() && ordinal < set.start + current_replicas;
        let below_partition = set.rolling_update.is_some() && ordinal < set.start + set.partition;
        if below_current || below_partition {
            &self.revs.current
        } else {
            &self.revs.update
        }
    }

    /// Create a missing replica: its claims first, then the pod (unless a claim is being
    /// deleted, or a stale claim still belongs to the pod it replaces).
    fn create_replica(&self, ordinal: i64, out: &mut Vec<Action>) {
        if self.stale_claim(ordinal) {
            return;
        }
        let pod = self.new_pod(ordinal, self.revision_for(ordinal));
        if self.create_claims(ordinal, out) {
            let (pname, name) = (self.set.pod_name(ordinal), self.set.name);
            out.push(Action::CreatePod(pod));
            out.push(Event::normal(
                "SuccessfulCreate",
                format!("create Pod {pname} in StatefulSet {name} successful"),
            ));
        }
    }

    /// An existing replica: claims recreated while Pending, stop when it is not yet available
    /// (OrderedReady), owner references of its claims, and the identity labels repaired.
    fn check_replica(&self, ordinal: i64, p: &PodState<'_>, out: &mut Vec<Action>) -> bool {
        if p.sum.pending {
            self.recreate_claims(ordinal, p.name(), out);
        }
        let (min_ready, now) = (self.set.min_ready, self.snap.now);
        if self.set.monotonic
            && (p.terminating() || !p.running_ready() || !p.available(min_ready, now))
        {
            return true;
        }
        self.fix_claim_refs(ordinal, p.name(), out);
        self.repair_identity(ordinal, p, out);
        false
    }

    /// Restore the labels the controller owns (pod name, and pod index where the gate is on).
    fn repair_identity(&self, ordinal: i64, p: &PodState<'_>, out: &mut Vec<Action>) {
        let want_index = self.snap.version.pod_index_label();
        let repair = !p.sum.pod_name_label_ok || (want_index && !p.sum.has_index_label);
        if let Some(obj) = repair.then(|| (self.snap.pod)(p.name())).flatten() {
            let mut q = obj.clone();
            q["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] = json!(p.name());
            if want_index {
                q["metadata"]["labels"]["apps.kubernetes.io/pod-index"] =
                    json!(ordinal.to_string());
            }
            out.push(Action::UpdatePod(q));
        }
    }

    /// Phase B/C: claims of condemned pods get their references, then the condemned pods go,
    /// highest ordinal first (one at a time under OrderedReady, and only once every lower pod
    /// is healthy or this pod is the first unhealthy one); true when the sync stops.
    pub(super) fn process_condemned(&self, out: &mut Vec<Action>) -> bool {
        let condemned = &self.members.condemned;
        for p in condemned {
            self.fix_claim_refs(p.ordinal(), p.name(), out);
        }
        let first_unhealthy = self.first_unhealthy();
        let monotonic = self.set.monotonic;
        for p in condemned {
            if p.terminating() {
                if monotonic {
                    return true;
                }
                continue;
            }
            if monotonic && !self.healthy(p) && first_unhealthy != Some(p.name()) {
                return true;
            }
            self.delete_pod(p.name(), out);
            if monotonic {
                return true;
            }
        }
        false
    }

    /// The first unhealthy member: in range by ordinal, else condemned from the lowest.
    fn first_unhealthy(&self) -> Option<&str> {
        let m = &self.members;
        m.slots
            .iter()
            .flatten()
            .find(|p| !self.healthy(p))
            .or_else(|| m.condemned.iter().rev().find(|p| !self.healthy(p)))
            .map(PodState::name)
    }

    /// Phase D: the rolling update; the number of pods deleted for it.
    pub(super) fn update_replicas(&self, out: &mut Vec<Action>) -> i64 {
        if !self.set.rolling {
            0
        } else if self.snap.version.max_unavailable_statefulset() {
            self.update_up_to_max_unavailable(out)
        } else {
            self.update_one_at_a_time(out)
        }
    }

    /// With MaxUnavailableStatefulSet: delete up to maxUnavailable − unavailable old-revision
    /// pods, highest ordinal first, down to the partition.
    fn update_up_to_max_unavailable(&self, out: &mut Vec<Action>) -> i64 {
        let set = &self.set;
        let slots = &self.members.slots;
        let given = set
            .rolling_update
            .as_ref()
            .and_then(|r| r.max_unavailable.as_ref());
        let budget = max_unavailable(given, set.replicas);
        let healthy = slots.iter().flatten().filter(|p| self.healthy(p)).count() as i64;
        let mut room = budget - (set.replicas - healthy);
        let floor = set.partition.max(0) as usize;
        let mut deleted = 0;
        for p in slots[floor.min(slots.len())..].iter().rev().flatten() {
            if room <= 0 {
                break;
            }
            if !p.at_update && !p.terminating() {
                self.delete_pod(p.name(), out);
                deleted += 1;
                room -= 1;
            }
        }
        deleted
    }

    /// The classic rolling update: the highest old-revision pod above the partition goes once
    /// every pod above it is healthy.
    fn update_one_at_a_time(&self, out: &mut Vec<Action>) -> i64 {
        let slots = &self.members.slots;
        let floor = self.set.partition.max(0) as usize;
        for i in (floor..slots.len()).rev() {
            let Some(p) = &slots[i] else { break };
            if !p.at_update && !p.terminating() {
                self.delete_pod(p.name(), out);
                return 1;
            }
            if !self.healthy(p) {
                break;
            }
        }
        0
    }

    /// Whether a member counts as healthy for ordering (see [`PodState::healthy`]).
    fn healthy(&self, p: &PodState<'_>) -> bool {
        p.healthy(self.set.min_ready, self.snap.now, self.snap.version)
    }

    /// Delete a pod, with the controller's event.
    fn delete_pod(&self, pod: &str, out: &mut Vec<Action>) {
        out.push(Action::DeletePod(pod.to_string()));
        out.push(Event::normal(
            "SuccessfulDelete",
            format!(
                "delete Pod {pod} in StatefulSet {} successful",
                self.set.name
            ),
        ));
    }
}

/// `rollingUpdate.maxUnavailable` resolved against the replicas: an int, or a percentage rounded
/// down (upstream's getStatefulSetMaxUnavailable rounds down, whatever the API docs say), at
/// least 1; 1 when unset.
fn max_unavailable(given: Option<&IntOrString>, replicas: i64) -> i64 {
    let n = match given {
        Some(IntOrString::Int(n)) => i64::from(*n),
        Some(IntOrString::String(p)) => p
            .strip_suffix('%')
            .and_then(|x| x.parse::<i64>().ok())
            .map_or(1, |pct| replicas.saturating_mul(pct) / 100),
        None => 1,
    };
    n.max(1)
}
