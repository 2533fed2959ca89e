//! The set's status after a sync (upstream's `computeReplicaStatus` and the revision rollover
//! of `updateStatefulSetStatus`), counted in one pass: this runs once per pod created, over
//! every pod.

use super::Sync;
use crate::k8s::apps::StatefulSetStatus;

/// The status to write, and what history truncation needs of the count.
pub(super) struct Counted<'a> {
    /// `status`.
    pub(super) status: StatefulSetStatus,
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
        // Counts of an int32 replica field fit in int32.
        let count = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
        let status = StatefulSetStatus {
            observed_generation: set.generation,
            replicas: count(total),
            ready_replicas: count(ready),
            current_replicas: count(current.max(0)),
            updated_replicas: count(updated),
            available_replicas: count(available),
            current_revision: Some(current_revision.clone()),
            update_revision: Some(revs.update.clone()),
            collision_count: count(revs.collisions),
        };
        Counted {
            status,
            current_revision,
            in_use,
        }
    }
}
