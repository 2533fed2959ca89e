//! Which pods the sync acts on (upstream's `getPodsForStatefulSet` and the replica/condemned
//! split of `updateStatefulSet`): pods named as members are adopted when orphaned and matching,
//! released when owned but no longer matching, and split into one slot per replica in range and
//! the condemned rest, highest ordinal first.

use serde_json::Value;

use super::pods::{Memo, Owner, PodState, PodSummary, Verdict};
use super::{Action, Set, Snapshot};
use crate::k8s::object::{owner_refs, with_owner_refs};

/// The most pods a Parallel set creates past its highest one in one sync.
const PARALLEL_BURST: i64 = 10_000;

/// The members of one sync.
pub(super) struct Members<'a> {
    /// One slot per replica the controller can act on, from `ordinals.start`.
    pub(super) slots: Vec<Option<PodState<'a>>>,
    /// Members out of range, highest ordinal first.
    pub(super) condemned: Vec<PodState<'a>>,
}

impl<'a> Members<'a> {
    /// Sort the snapshot's pods into slots and condemned; adoptions and releases go to `out`.
    pub(super) fn partition(
        set: &Set<'_>,
        s: &Snapshot<'a>,
        memos: &mut [&mut Memo],
        update_rev: &str,
        out: &mut Vec<Action>,
    ) -> Self {
        let mut slots: Vec<Option<PodState<'a>>> = vec![None; slot_count(set, &s.pods)];
        let mut condemned: Vec<PodState<'a>> = Vec::new();
        let side = SetSide {
            name: set.name,
            uid: set.uid,
            update_rev,
            selector: &set.selector,
        };
        let signature = side.signature();
        for (i, &sum) in s.pods.iter().enumerate() {
            let verdict = match memos.get_mut(i) {
                Some(memo) => side.cached_verdict(sum, memo, signature),
                None => side.verdict(sum),
            };
            if !verdict.member || !adopt_or_release(set, s, sum, verdict, out) {
                continue;
            }
            let p = PodState {
                sum,
                at_update: verdict.at_update,
            };
            if set.in_range(p.ordinal()) {
                slots[(p.ordinal() - set.start) as usize] = Some(p);
            } else {
                condemned.push(p);
            }
        }
        condemned.sort_by_key(|p| std::cmp::Reverse(p.ordinal()));
        Members { slots, condemned }
    }
}

/// One slot per replica the controller can act on: under OrderedReady it stops at the first
/// missing pod, so slots past the highest member plus one are never read; Parallel creates at
/// most PARALLEL_BURST past it in one sync (upstream creates them all, which is the same for
/// every set below that size). A set scaled to int32's maximum allocates no two billion slots.
fn slot_count(set: &Set<'_>, pods: &[&PodSummary]) -> usize {
    let top = pods
        .iter()
        .filter(|p| p.parent == set.name)
        .map(|p| p.ordinal - set.start + 1)
        .max()
        .unwrap_or(0)
        .max(0);
    let burst = if set.monotonic { 1 } else { PARALLEL_BURST };
    usize::try_from(set.replicas.min(top + burst)).unwrap_or(0)
}

/// Adopt an orphan that matches, release an owned pod that no longer does (upstream's
/// `ClaimPods`); true when the set acts on the pod in this sync.
fn adopt_or_release(
    set: &Set<'_>,
    s: &Snapshot<'_>,
    sum: &PodSummary,
    verdict: Verdict,
    out: &mut Vec<Action>,
) -> bool {
    match verdict.owner {
        Owner::This if verdict.matches => true,
        Owner::This => {
            if let Some(p) = (s.pod)(&sum.name) {
                let mut refs = owner_refs(p);
                refs.retain(|r| r.uid != set.uid);
                out.push(Action::UpdatePod(with_owner_refs(p, &refs)));
            }
            false
        }
        Owner::None if verdict.matches && !set.deleting => {
            if let Some(p) = (s.pod)(&sum.name) {
                let mut refs = owner_refs(p);
                refs.push(set.controller_ref());
                out.push(Action::UpdatePod(with_owner_refs(p, &refs)));
            }
            true
        }
        Owner::Other | Owner::None => false,
    }
}

/// A set's selector (`matchLabels` and `matchExpressions`), read once per sync rather than once
/// per pod. An empty or malformed one selects nothing (the API server refuses both).
pub(super) struct SetSelector(crate::k8s::selector::Selector);

impl SetSelector {
    pub(super) fn of(set: &Value) -> Self {
        SetSelector(
            crate::k8s::selector::Selector::from_api(&set["spec"]["selector"]).unwrap_or_default(),
        )
    }
    pub(super) fn matches(&self, labels: &Value) -> bool {
        !self.0.is_empty() && labels.is_object() && self.0.matches(labels)
    }
}

/// What a [`Verdict`] depends on, on the set's side.
struct SetSide<'a> {
    name: &'a str,
    uid: &'a str,
    update_rev: &'a str,
    selector: &'a SetSelector,
}

impl SetSide<'_> {
    /// The key of cached verdicts: equal sides give equal signatures.
    fn signature(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (self.name, self.uid, self.update_rev).hash(&mut h);
        self.selector.0.requirements.hash(&mut h);
        h.finish()
    }

    /// The pod's verdict, from its memo when the memo was made for this side.
    fn cached_verdict(&self, sum: &PodSummary, memo: &mut Memo, signature: u64) -> Verdict {
        match memo.0 {
            Some((sig, v)) if sig == signature => v,
            _ => {
                let v = self.verdict(sum);
                memo.0 = Some((signature, v));
                v
            }
        }
    }

    fn verdict(&self, sum: &PodSummary) -> Verdict {
        Verdict {
            member: sum.parent == self.name && sum.ordinal >= 0,
            matches: self.selector.matches(&sum.labels),
            owner: match sum.controller_uid.as_deref() {
                Some(u) if u == self.uid => Owner::This,
                Some(_) => Owner::Other,
                None => Owner::None,
            },
            at_update: sum.revision == self.update_rev,
        }
    }
}
