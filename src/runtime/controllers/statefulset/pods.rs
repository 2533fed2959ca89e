//! Pods as the sync sees them: a summary computed once each time a pod changes, the state of a
//! member during one sync, and the pod a replica gets (upstream's `newVersionedStatefulSetPod`).

use serde_json::{json, Value};

use super::{claim_name, Sync};
use crate::k8s::core::Pod;
use crate::k8s::defaults;
use crate::k8s::object::{controller_of, meta_str};
use crate::k8s::version::KubeVersion;
use crate::runtime::print::time::parse_rfc3339;

/// What the controller needs of a pod; computed once each time the pod changes, so a sync over
/// thousands of pods reads plain fields instead of JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct PodSummary {
    /// Pod name.
    pub name: String,
    /// Set name parsed from the pod name ("" when it does not parse).
    pub parent: String,
    /// Ordinal parsed from the name (−1 when it does not parse).
    pub ordinal: i64,
    /// `status.phase`.
    pub phase: String,
    /// `phase` is Running.
    pub running: bool,
    /// `phase` is Pending.
    pub pending: bool,
    /// `phase` is Failed or Succeeded.
    pub finished: bool,
    /// Has a deletionTimestamp.
    pub terminating: bool,
    /// When the Ready condition became True (None: not ready).
    pub ready_since: Option<i64>,
    /// `controller-revision-hash` label.
    pub revision: String,
    /// uid of the controlling owner, if any.
    pub controller_uid: Option<String>,
    /// The pod's labels.
    pub labels: Value,
    /// `statefulset.kubernetes.io/pod-name` equals the pod's name.
    pub pod_name_label_ok: bool,
    /// Has an `apps.kubernetes.io/pod-index` label.
    pub has_index_label: bool,
    /// Names of the claims its volumes use.
    pub claims: Vec<String>,
}

/// What a sync derives from a pod that depends on the set: the pod's name, labels, owner and
/// revision label against the set's name, selector, uid and update revision. A sync over
/// thousands of pods otherwise repeats these string comparisons on every pod for every pod it
/// creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub(super) member: bool,
    pub(super) matches: bool,
    pub(super) owner: Owner,
    pub(super) at_update: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Owner {
    None,
    This,
    Other,
}

/// The last [`Verdict`] a sync derived for one pod, keyed by a 64-bit hash of the set's side of
/// it. The caller keeps one per pod beside its summary and lends them to [`super::sync`]: the
/// decision's input stays plain data, and a sync over thousands of pods for each pod it creates
/// does not compare every pod with the set again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memo(pub(super) Option<(u64, Verdict)>);

impl PodSummary {
    /// Summarize a pod.
    pub fn of(stored: &Value) -> PodSummary {
        let p = Pod::of(stored);
        let name = p.metadata.name.to_string();
        let (parent, ordinal) = parent_and_ordinal(&name);
        let ready_since = p
            .ready_condition()
            .map(|c| c.last_transition_time.and_then(parse_rfc3339).unwrap_or(0));
        let labels = &stored["metadata"]["labels"];
        let phase = p.status.phase.unwrap_or("");
        PodSummary {
            parent: parent.to_string(),
            ordinal,
            phase: phase.to_string(),
            running: phase == "Running",
            pending: phase == "Pending",
            finished: p.finished(),
            terminating: p.terminating(),
            ready_since,
            revision: labels["controller-revision-hash"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            controller_uid: controller_of(stored).map(|r| r.uid.to_string()),
            labels: labels.clone(),
            pod_name_label_ok: labels["statefulset.kubernetes.io/pod-name"].as_str()
                == Some(name.as_str()),
            has_index_label: !labels["apps.kubernetes.io/pod-index"].is_null(),
            claims: p.claims().map(str::to_string).collect(),
            name,
        }
    }
}

/// `<parent>-<ordinal>` → (parent, ordinal); ordinal −1 when the name does not parse.
pub fn parent_and_ordinal(name: &str) -> (&str, i64) {
    match name.rsplit_once('-') {
        Some((p, o)) if !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit()) => {
            match o.parse::<i32>() {
                Ok(n) => (p, i64::from(n)),
                Err(_) => ("", -1),
            }
        }
        _ => ("", -1),
    }
}

/// A member pod during one sync. Kept small: a sync holds one per replica.
#[derive(Debug, Clone, Copy)]
pub(super) struct PodState<'a> {
    pub(super) sum: &'a PodSummary,
    /// `revision` is the update revision.
    pub(super) at_update: bool,
}

impl<'a> PodState<'a> {
    pub(super) fn name(&self) -> &'a str {
        &self.sum.name
    }
    pub(super) fn ordinal(&self) -> i64 {
        self.sum.ordinal
    }
    pub(super) fn revision(&self) -> &'a str {
        &self.sum.revision
    }
    pub(super) fn terminating(&self) -> bool {
        self.sum.terminating
    }
    pub(super) fn ready_since(&self) -> Option<i64> {
        self.sum.ready_since
    }
    pub(super) fn running_ready(&self) -> bool {
        self.sum.running && self.ready_since().is_some()
    }
    pub(super) fn available(&self, min_ready: i64, now: i64) -> bool {
        self.running_ready()
            && self
                .ready_since()
                .is_some_and(|t| min_ready <= 0 || now - t >= min_ready)
    }
    pub(super) fn healthy(&self, min_ready: i64, now: i64, v: KubeVersion) -> bool {
        // 1.34+: availability gates scaling; before, Running ∧ Ready.
        !self.terminating()
            && if v.scaling_waits_for_available() {
                self.available(min_ready, now)
            } else {
                self.running_ready()
            }
    }
}

impl Sync<'_, '_> {
    /// The pod of `ordinal` at revision `rev`: the revision's template with the identity the
    /// controller owns (name, hostname, subdomain, labels, owner) and one volume per claim.
    pub(super) fn new_pod(&self, ordinal: i64, rev: &str) -> Value {
        let (set, name) = (&self.set, self.set.name);
        let t = self.revs.template_of(rev, set.obj);
        let pname = format!("{name}-{ordinal}");
        let mut labels = t["metadata"]["labels"].clone();
        if !labels.is_object() {
            labels = json!({});
        }
        labels["controller-revision-hash"] = json!(rev);
        labels["statefulset.kubernetes.io/pod-name"] = json!(pname);
        if self.snap.version.pod_index_label() {
            labels["apps.kubernetes.io/pod-index"] = json!(ordinal.to_string());
        }
        let mut meta = json!({
            "name": pname,
            "generateName": format!("{name}-"),
            "namespace": set.ns,
            "labels": labels,
            "ownerReferences": [set.controller_ref()],
        });
        if let Some(a) = t["metadata"]["annotations"].as_object() {
            meta["annotations"] = json!(a);
        }
        let mut pspec = t["spec"].clone();
        defaults::pod_spec(&mut pspec);
        pspec["hostname"] = json!(pname);
        pspec["subdomain"] = json!(set.typed.service_name.as_deref().unwrap_or(""));
        let mut volumes: Vec<Value> = pspec["volumes"].as_array().cloned().unwrap_or_default();
        for ct in &set.claim_templates {
            let vname = meta_str(ct, "name");
            volumes.retain(|v| v["name"] != json!(vname));
            let claim = claim_name(ct, name, ordinal);
            volumes.push(json!({"name": vname, "persistentVolumeClaim": {"claimName": claim}}));
        }
        if !volumes.is_empty() {
            pspec["volumes"] = Value::Array(volumes);
        }
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": pspec})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_like_upstream() {
        assert_eq!(parent_and_ordinal("web-0"), ("web", 0));
        assert_eq!(parent_and_ordinal("a-b-3"), ("a-b", 3));
        assert_eq!(parent_and_ordinal("1-bar"), ("", -1));
        assert_eq!(parent_and_ordinal("web-99999999999"), ("", -1));
        assert_eq!(parent_and_ordinal("web"), ("", -1));
    }
}
