//! What the controllers remember between rounds: cursors into the change log, pod summaries,
//! and indexes by owner and by claim.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::Value;

use super::statefulset::{Memo, PodSummary};
use crate::k8s::object::{has_owners, owner_refs};
use crate::k8s::resources;
use crate::runtime::api_server::ApiServer;
use crate::runtime::store::Key;

/// What the controllers remember between rounds of one command, as informers would: a cursor
/// into the cluster's change log per controller, pod summaries, and an owner index. Each round
/// looks only at what changed, so a round costs what changed, not the size of the cluster.
#[derive(Debug, Default)]
pub struct Informers {
    pub(super) primed: bool,
    pub(super) sts: usize,
    pub(super) kubelet: usize,
    pub(super) provisioner: usize,
    pub(super) protection: usize,
    pub(super) gc: usize,
    /// Pod summaries by (namespace, parent, ordinal, name).
    pub(super) pods: BTreeMap<(String, String, i64, String), (PodSummary, Memo)>,
    pub(super) pod_keys: HashMap<Key, (String, String, i64, String)>,
    /// Objects by the uid of each of their owners.
    pub(super) owners: HashMap<String, BTreeSet<Key>>,
    /// Volumes by the uid of their claim.
    pub(super) volumes: HashMap<String, Key>,
    /// Claims waiting for their pods to go.
    pub(super) deleting_claims: BTreeSet<Key>,
    /// Every key, for the first round.
    pub(super) initial: Vec<Key>,
    /// Pending pods waiting for their claims.
    pub(super) waiting: BTreeSet<Key>,
    /// Claims that carry owner references.
    pub(super) claims_with_owners: BTreeSet<Key>,
}

impl Informers {
    /// Keys changed since `cursor` (deduplicated, in order), advancing it; every key on the
    /// first call.
    pub(super) fn since(&self, c: &ApiServer, cursor: usize) -> Vec<Key> {
        let mut seen = HashSet::new();
        c.changes[cursor.min(c.changes.len())..]
            .iter()
            .filter(|ch| seen.insert(ch.key.clone()))
            .map(|ch| ch.key.clone())
            .collect()
    }

    /// The first entry of the change log some controller has yet to read.
    pub fn oldest_cursor(&self) -> usize {
        [
            self.sts,
            self.kubelet,
            self.provisioner,
            self.protection,
            self.gc,
        ]
        .into_iter()
        .min()
        .unwrap_or(0)
    }

    /// The change log lost its first `n` entries ([`ApiServer::forget_changes`]): the cursors
    /// move back with it.
    pub fn forget(&mut self, n: usize) {
        for c in [
            &mut self.sts,
            &mut self.kubelet,
            &mut self.provisioner,
            &mut self.protection,
            &mut self.gc,
        ] {
            *c = c.saturating_sub(n);
        }
    }

    pub(super) fn prime(&mut self, c: &ApiServer) {
        if self.primed {
            return;
        }
        self.primed = true;
        for r in resources::RESOURCES {
            for (k, v) in c.list(r) {
                self.observe(k, Some(v));
            }
        }
        // Everything is new to the controllers on the first round.
        let all: Vec<Key> = resources::RESOURCES
            .iter()
            .flat_map(|r| c.list(r).map(|(k, _)| k.clone()).collect::<Vec<_>>())
            .collect();
        self.initial = all;
    }

    /// Update the caches for one key.
    pub(super) fn observe(&mut self, k: &Key, v: Option<&Value>) {
        if k.resource == resources::POD.plural {
            if let Some(old) = self.pod_keys.remove(k) {
                self.pods.remove(&old);
            }
            if let Some(v) = v {
                let sum = PodSummary::of(v);
                let idx = (
                    k.namespace.clone(),
                    sum.parent.clone(),
                    sum.ordinal,
                    k.name.clone(),
                );
                self.pod_keys.insert(k.clone(), idx.clone());
                self.pods.insert(idx, (sum, Memo::default()));
            }
        }
        if k.resource == resources::PERSISTENT_VOLUME_CLAIM.plural {
            if v.is_some_and(has_owners) {
                self.claims_with_owners.insert(k.clone());
            } else {
                self.claims_with_owners.remove(k);
            }
        }
        if let Some(v) = v {
            for r in owner_refs(v) {
                let e = self.owners.entry(r.uid.to_string()).or_default();
                if !e.contains(k) {
                    e.insert(k.clone());
                }
            }
            if k.resource == resources::PERSISTENT_VOLUME.plural {
                if let Some(u) = v["spec"]["claimRef"]["uid"].as_str() {
                    self.volumes.insert(u.to_string(), k.clone());
                }
            }
            if k.resource == resources::PERSISTENT_VOLUME_CLAIM.plural
                && !v["metadata"]["deletionTimestamp"].is_null()
            {
                self.deleting_claims.insert(k.clone());
            }
        }
    }
}
