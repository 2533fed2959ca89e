//! The set's ControllerRevisions (upstream's `getStatefulSetRevisions` and
//! `truncateHistory`): orphans adopted, the update revision found or made, the current one
//! kept, and history beyond `revisionHistoryLimit` deleted.

use std::borrow::Cow;

use crate::k8s::names::safe_encode;
use serde_json::{json, Value};

use super::{Action, Set};
use crate::k8s::object::{controller_of, is_controlled_by, meta_str, with_owner_refs};

/// The set's revisions after adoption, and which are current and to update to.
pub(super) struct Revisions<'a> {
    /// Revisions the set controls (adopted ones included), by number, then name.
    revs: Vec<Cow<'a, Value>>,
    /// The revision whose template is the set's.
    pub(super) update: String,
    /// The revision pods are at before the update (`status.currentRevision` while it exists).
    pub(super) current: String,
    /// `status.collisionCount`.
    pub(super) collisions: i64,
}

impl<'a> Revisions<'a> {
    /// Adopt orphans, then find or make the update revision; writes go to `out`.
    pub(super) fn resolve(set: &Set<'a>, all: &[&'a Value], out: &mut Vec<Action>) -> Self {
        let adopted = adopt_orphans(set, all);
        out.extend(adopted.iter().cloned().map(Action::UpdateRevision));
        let mut revs: Vec<Cow<'a, Value>> = all
            .iter()
            .copied()
            .filter(|r| is_controlled_by(r, set.uid))
            .map(Cow::Borrowed)
            .chain(adopted.into_iter().map(Cow::Owned))
            .collect();
        revs.sort_by_key(|r| (number(r), meta_str(r, "name").to_string()));
        let collisions = i64::from(set.status.collision_count);
        let update = update_revision(set, &revs, collisions, out);
        let status_current = set.status.current_revision.as_deref().unwrap_or("");
        let current = if status_current.is_empty()
            || !revs.iter().any(|r| meta_str(r, "name") == status_current)
        {
            update.clone()
        } else {
            status_current.to_string()
        };
        Revisions {
            revs,
            update,
            current,
            collisions,
        }
    }

    /// The pod template of a revision (the set's own when the revision is unknown).
    pub(super) fn template_of(&self, rev: &str, set: &Value) -> Value {
        self.revs
            .iter()
            .find(|r| meta_str(r, "name") == rev)
            .map(|r| {
                let mut t = r["data"]["spec"]["template"].clone();
                if let Some(m) = t.as_object_mut() {
                    m.remove("$patch");
                    if let Some(md) = m.get_mut("metadata").and_then(Value::as_object_mut) {
                        md.remove("creationTimestamp");
                    }
                }
                t
            })
            .unwrap_or_else(|| set["spec"]["template"].clone())
    }

    /// Delete the oldest revisions beyond `revisionHistoryLimit` that no pod uses and that are
    /// neither current nor the update revision.
    pub(super) fn truncate_history(
        &self,
        set: &Set<'_>,
        current: &str,
        in_use: &[&str],
        out: &mut Vec<Action>,
    ) {
        let limit = i64::from(set.typed.revision_history_limit.unwrap_or(10));
        if limit < 0 {
            return;
        }
        let live = |n: &str| n == current || n == self.update || in_use.contains(&n);
        let dead: Vec<&Cow<'_, Value>> = self
            .revs
            .iter()
            .filter(|r| !live(meta_str(r, "name")))
            .collect();
        let excess = dead.len() as i64 - limit;
        for r in dead.iter().take(excess.max(0) as usize) {
            out.push(Action::DeleteRevision(meta_str(r, "name").to_string()));
        }
    }
}

fn number(r: &Value) -> i64 {
    r["revision"].as_i64().unwrap_or(0)
}

/// Orphaned revisions that match the selector, with the set as their controller
/// (upstream's TestAdoptOrphanRevisions). A set being deleted adopts nothing.
fn adopt_orphans(set: &Set<'_>, all: &[&Value]) -> Vec<Value> {
    if set.deleting {
        return Vec::new();
    }
    all.iter()
        .filter(|r| controller_of(r).is_none() && set.selects(r))
        .map(|r| with_owner_refs(r, &[set.controller_ref()]))
        .collect()
}

/// The name of the revision holding the set's template: the newest such revision as it is, an
/// older one renumbered newest (a rollback), or a new one.
fn update_revision(
    set: &Set<'_>,
    revs: &[Cow<'_, Value>],
    collisions: i64,
    out: &mut Vec<Action>,
) -> String {
    let max_rev = revs.last().map_or(0, |r| number(r));
    let data = revision_data(set.obj);
    match revs.iter().find(|r| r["data"] == data) {
        Some(r) if r["revision"].as_i64() == Some(max_rev) => meta_str(r, "name").to_string(),
        Some(r) => {
            let mut r = r.as_ref().clone();
            r["revision"] = json!(max_rev + 1);
            let n = meta_str(&r, "name").to_string();
            out.push(Action::UpdateRevision(r));
            n
        }
        None => {
            let (name, revision) = new_revision(set, data, collisions, max_rev + 1);
            out.push(Action::CreateRevision(revision));
            name
        }
    }
}

/// A ControllerRevision of the set's template, named by its hash, and that name.
fn new_revision(set: &Set<'_>, data: Value, collisions: i64, number: i64) -> (String, Value) {
    let hash = revision_hash(&data, collisions);
    let name = format!("{}-{hash}", set.name);
    let mut labels = set.spec["template"]["metadata"]["labels"].clone();
    if !labels.is_object() {
        labels = json!({});
    }
    labels["controller.kubernetes.io/hash"] = json!(hash);
    let mut meta = json!({
        "name": name,
        "namespace": set.ns,
        "labels": labels,
        "ownerReferences": [set.controller_ref()],
    });
    if let Some(a) = set.obj["metadata"]["annotations"].as_object() {
        meta["annotations"] = json!(a);
    }
    let revision = json!({
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": meta,
        "data": data,
        "revision": number,
    });
    (name, revision)
}

/// FNV-1 32-bit.
fn fnv1_32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h = h.wrapping_mul(0x0100_0193);
        h ^= u32::from(*b);
    }
    h
}

/// The revision data of a set: its defaulted pod template as a replace patch.
pub fn revision_data(set: &Value) -> Value {
    let mut t = set["spec"]["template"].clone();
    if let Some(m) = t.as_object_mut() {
        m.insert("$patch".into(), json!("replace"));
        let md = m.entry("metadata").or_insert_with(|| json!({}));
        if let Some(md) = md.as_object_mut() {
            md.insert("creationTimestamp".into(), Value::Null);
        }
    }
    json!({"spec": {"template": t}})
}

fn revision_hash(data: &Value, collisions: i64) -> String {
    let mut bytes = serde_json::to_vec(data).unwrap_or_default();
    if collisions > 0 {
        bytes.extend(collisions.to_string().bytes());
    }
    safe_encode(&fnv1_32(&bytes).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revision_names_use_the_safe_alphabet() {
        let h = revision_hash(&json!({"spec": {}}), 0);
        assert!(!h.is_empty() && h.len() <= 10);
        assert!(h
            .bytes()
            .all(|b| b"bcdfghjklmnpqrstvwxz2456789".contains(&b)));
        assert_ne!(h, revision_hash(&json!({"spec": {}}), 1));
    }
}
