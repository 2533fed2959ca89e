//! The claims of each replica (upstream's `createPersistentVolumeClaims` and
//! `updatePodClaimForRetentionPolicy`): made from the claim templates before their pod, and given
//! the owner references the retention policy asks for.

use serde_json::{json, Value};

use super::{claim_name, Action, Event, Set, Snapshot, Sync};
use crate::k8s::object::{
    controller_of, controller_ref, is_terminating, meta_str, owner_refs, with_owner_refs,
    OwnerReference,
};
use crate::k8s::resources::POD;

/// `persistentVolumeClaimRetentionPolicy` as this version honours it.
pub(super) struct Retention {
    /// `whenDeleted: Delete`: the set owns its claims.
    when_deleted_deletes: bool,
    /// `whenScaled: Delete`: a condemned replica's pod owns its claims.
    when_scaled_deletes: bool,
    /// Whether owner references need reconciling at all: not when the policy wants none and no
    /// claim of the namespace carries any (the common case, and the hot path at thousands of
    /// pods).
    refs_matter: bool,
}

impl Retention {
    /// The policy of a set (Retain/Retain before the gate).
    pub(super) fn of(set: &Set<'_>, s: &Snapshot<'_>) -> Self {
        let policy = set
            .typed
            .persistent_volume_claim_retention_policy
            .as_ref()
            .filter(|_| s.version.pvc_retention_policy());
        let deletes = |f: Option<&String>| f.is_some_and(|w| w == "Delete");
        let when_deleted_deletes = deletes(policy.and_then(|p| p.when_deleted.as_ref()));
        let when_scaled_deletes = deletes(policy.and_then(|p| p.when_scaled.as_ref()));
        Retention {
            when_deleted_deletes,
            when_scaled_deletes,
            refs_matter: when_deleted_deletes || when_scaled_deletes || s.claims_have_owners,
        }
    }
}

impl<'a> Sync<'_, 'a> {
    /// A new claim of `ordinal` from a template: its spec, its labels plus the set's
    /// `matchLabels`, its annotations.
    fn new_claim(&self, ct: &Value, ordinal: i64) -> Value {
        let set = &self.set;
        let mut c = json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim_name(ct, set.name, ordinal), "namespace": set.ns},
            "spec": ct["spec"].clone(),
        });
        let mut labels = ct["metadata"]["labels"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if let Some(sel) = set.spec["selector"]["matchLabels"].as_object() {
            for (k, v) in sel {
                labels.insert(k.clone(), v.clone());
            }
        }
        if !labels.is_empty() {
            c["metadata"]["labels"] = json!(labels);
        }
        if let Some(a) = ct["metadata"]["annotations"].as_object() {
            c["metadata"]["annotations"] = json!(a);
        }
        c
    }

    /// The owner references a claim of `ordinal` should carry, given its pod (if it exists).
    fn desired_refs(&self, ordinal: i64, pod: Option<&'a Value>) -> Vec<OwnerReference<'a>> {
        let r = &self.retention;
        let condemned = !self.set.in_range(ordinal);
        let mut refs = Vec::new();
        if r.when_deleted_deletes && !(condemned && r.when_scaled_deletes) {
            refs.push(self.set.controller_ref());
        }
        if condemned && r.when_scaled_deletes {
            if let Some(p) = pod {
                refs.push(controller_ref(POD.api_version, POD.kind, p));
            }
        }
        refs
    }

    /// Under `whenScaled: Delete`, a claim of `ordinal` still owned by its deleted pod: the
    /// replica waits until the garbage collector has removed it.
    pub(super) fn stale_claim(&self, ordinal: i64) -> bool {
        let pname = self.set.pod_name(ordinal);
        self.retention.when_scaled_deletes
            && self.set.claim_templates.iter().any(|ct| {
                (self.snap.claims)(claim_name(ct, self.set.name, ordinal).as_str())
                    .is_some_and(|c| owner_refs(c).iter().any(|r| is_pod(r, &pname)))
            })
    }

    /// Create the missing claims of a new replica; false when one is being deleted (the pod
    /// must wait).
    pub(super) fn create_claims(&self, ordinal: i64, out: &mut Vec<Action>) -> bool {
        let (name, pname) = (self.set.name, self.set.pod_name(ordinal));
        let mut ok = true;
        for ct in &self.set.claim_templates {
            let cname = claim_name(ct, name, ordinal);
            match (self.snap.claims)(cname.as_str()) {
                None => {
                    let mut c = self.new_claim(ct, ordinal);
                    let refs = self.desired_refs(ordinal, None);
                    if !refs.is_empty() && self.snap.version.pvc_retention_policy() {
                        c = with_owner_refs(&c, &refs);
                    }
                    out.push(Action::CreateClaim(c));
                    out.push(Event::normal(
                        "SuccessfulCreate",
                        format!("create Claim {cname} Pod {pname} in StatefulSet {name} success"),
                    ));
                }
                Some(c) if is_terminating(c) => {
                    out.push(Event::warning(
                        "FailedCreate",
                        format!(
                            "create Pod {pname} in StatefulSet {name} failed error: pvc {cname} \
                             is being deleted"
                        ),
                    ));
                    ok = false;
                }
                Some(_) => {}
            }
        }
        ok
    }

    /// Recreate the claims of a Pending pod that were deleted while it waited.
    pub(super) fn recreate_claims(&self, ordinal: i64, pod: &str, out: &mut Vec<Action>) {
        let name = self.set.name;
        for ct in &self.set.claim_templates {
            let cname = claim_name(ct, name, ordinal);
            if (self.snap.claims)(cname.as_str()).is_none() {
                out.push(Action::CreateClaim(self.new_claim(ct, ordinal)));
                out.push(Event::normal(
                    "SuccessfulCreate",
                    format!("create Claim {cname} Pod {pod} in StatefulSet {name} success"),
                ));
            }
        }
    }

    /// Give the claims of `ordinal` the owner references the retention policy asks for,
    /// leaving claims another controller owns alone.
    pub(super) fn fix_claim_refs(&self, ordinal: i64, pod_name: &str, out: &mut Vec<Action>) {
        if !self.snap.version.pvc_retention_policy() || !self.retention.refs_matter {
            return;
        }
        let pod = (self.snap.pod)(pod_name);
        for ct in &self.set.claim_templates {
            let cname = claim_name(ct, self.set.name, ordinal);
            let Some(c) = (self.snap.claims)(cname.as_str()) else {
                continue;
            };
            if owned_elsewhere(c, self.set.uid, pod) {
                continue;
            }
            let pname = self.set.pod_name(ordinal);
            let current = owner_refs(c);
            let mut refs: Vec<OwnerReference<'_>> = current
                .iter()
                .filter(|r| !(r.uid == self.set.uid || is_pod(r, &pname)))
                .cloned()
                .collect();
            refs.extend(self.desired_refs(ordinal, pod));
            if refs != current {
                out.push(Action::UpdateClaim(with_owner_refs(c, &refs)));
            }
        }
    }
}

/// Whether a claim's controller is neither the set, nor its pod, nor any pod.
fn owned_elsewhere(c: &Value, set_uid: &str, pod: Option<&Value>) -> bool {
    controller_of(c).is_some_and(|r| {
        r.uid != set_uid && pod.is_none_or(|p| r.uid != meta_str(p, "uid")) && r.kind != POD.kind
    })
}

/// Whether a reference is to the pod of this name.
fn is_pod(r: &OwnerReference<'_>, pod_name: &str) -> bool {
    r.kind == POD.kind && r.name == pod_name
}
