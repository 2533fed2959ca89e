//! The garbage collector: objects all of whose owners are gone are deleted (background
//! propagation).

use std::collections::HashSet;

use super::Informers;
use crate::k8s::object::{has_owners, is_terminating, meta_str, owner_refs};
use crate::k8s::resources::{self, by_kind};
use crate::runtime::api_server::{ApiServer, Cascade};
use crate::runtime::store::Key;

/// Delete objects all of whose owners are gone (background propagation).
pub(super) fn garbage_collector(c: &mut ApiServer, inf: &mut Informers, initial: &[Key]) {
    let from = inf.gc.min(c.changes.len());
    let mut candidates: Vec<Key> = Vec::new();
    for ch in &c.changes[from..] {
        match ch.removed_uid() {
            Some(u) => candidates.extend(inf.owners.get(u).into_iter().flatten().cloned()),
            None => {
                // New or changed objects: their owners may already be gone.
                if c.get_key(&ch.key).is_some_and(has_owners) {
                    candidates.push(ch.key.clone());
                }
            }
        }
    }
    inf.gc = c.changes.len();
    for k in initial {
        if let Some(v) = c.get_key(k) {
            inf.observe(k, Some(v));
            if has_owners(v) {
                candidates.push(k.clone());
            }
        }
    }
    let mut seen = HashSet::new();
    let mut orphans: Vec<Key> = Vec::new();
    for k in candidates {
        if !seen.insert(k.clone()) {
            continue;
        }
        let Some(v) = c.get_key(&k) else { continue };
        let refs = owner_refs(v);
        if refs.is_empty() || is_terminating(v) {
            continue;
        }
        let alive = refs.iter().any(|r| {
            by_kind(r.kind).is_some_and(|rr| {
                c.get(rr, &k.namespace, r.name)
                    .is_some_and(|o| meta_str(o, "uid") == r.uid)
            })
        });
        if !alive {
            orphans.push(k);
        }
    }
    for k in orphans {
        if let Some(r) = resources::RESOURCES.iter().find(|r| r.plural == k.resource) {
            let _ = c.delete(r, &k.namespace, &k.name, Cascade::Background);
        }
    }
}
