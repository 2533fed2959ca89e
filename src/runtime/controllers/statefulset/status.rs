//! The set's status after a sync (upstream's `computeReplicaStatus` and the revision rollover
//! of `updateStatefulSetStatus`), counted in one pass: this runs once per pod created, over
//! every pod.

use serde_json::{json, Value};

use super::Sync;

/// The status to write, and what history truncation needs of the count.
pub(super) struct Counted<'a> {
    /// `status`, with zero ready/current/updated counts left out as the API server omits them.
    pub(super) status: Value,
    /// The current revision after the sync (the update revision once every replica is on it).
    pub(super) current_revision: String,
    /// Revisions other than the update revision that members are still at.
    pub(super) in_use: Vec<&'a str>,
}

impl<'a> Sync<'_, 'a> {
    /// Count the members; `deleted_for_update` pods deleted by this sync's rolling update no
    /// longer count as current.
    pub(super) fn replica_status(&self, deleted_for_update: i64) -> Counted<'a> {
        let (set, revs, m) = (&self.set, &self.revs, &self.members);
        let (mut total, mut ready, mut available, mut current, mut updated) = (0, 0, 0, 0, 0);
        let mut in_use: Vec<&'a str> = Vec::new();
        for p in m.slots.iter().flatten().chain(m.condemned.iter()) {
            total += 1;
            if p.running_ready() {
                ready += 1;
                if p.available(set.min_ready, self.snap.now) {
                    available += 1;
                }
            }
            if !p.terminating() {
                // Almost always one revision: compare with the update revision's result first.
                let at_current = if revs.current == revs.update {
                    p.at_update
                } else {
                    p.revision() == revs.current
                };
                current += i64::from(at_current);
                updated += i64::from(p.at_update);
            }
            if !p.at_update
                && in_use.last() != Some(&p.revision())
                && !in_use.contains(&p.revision())
            {
                in_use.push(p.revision());
            }
        }
        current -= deleted_for_update;
        let mut current_revision = revs.current.clone();
        let r = set.replicas;
        if set.rolling && updated == r && ready == r && total == r {
            current_revision = revs.update.clone();
            current = updated;
        }
        let mut status = json!({
            "observedGeneration": set.obj["metadata"]["generation"],
            "replicas": total,
            "readyReplicas": ready,
            "currentReplicas": current.max(0),
            "updatedReplicas": updated,
            "availableReplicas": available,
            "currentRevision": current_revision,
            "updateRevision": revs.update,
            "collisionCount": revs.collisions,
        });
        if let Some(m) = status.as_object_mut() {
            for k in ["readyReplicas", "currentReplicas", "updatedReplicas"] {
                if m[k] == json!(0) {
                    m.remove(k);
                }
            }
        }
        Counted {
            status,
            current_revision,
            in_use,
        }
    }
}
