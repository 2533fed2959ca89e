//! Volumes: dynamic provisioning and binding, reclaim of released volumes, and claim
//! protection (`kubernetes.io/pvc-protection`).

use std::collections::HashSet;

use serde_json::{json, Value};

use super::Informers;
use crate::k8s::object::{is_terminating, meta_str, metadata_mut, remove_finalizer};
use crate::k8s::resources;
use crate::k8s::storage::{NewVolume, PersistentVolume, PersistentVolumeClaim, StorageClass};
use crate::runtime::api_server::ApiServer;
use crate::runtime::store::Key;

/// The default StorageClass, if any.
pub fn default_class(c: &ApiServer) -> Option<String> {
    c.list(&resources::STORAGE_CLASS)
        .find(|(_, sc)| StorageClass::of(sc).is_default())
        .map(|(k, _)| k.name.clone())
}

/// Dynamic provisioning and binding; released volumes are reclaimed per their policy.
pub(super) fn provisioner(c: &mut ApiServer, inf: &mut Informers, initial: &[Key]) {
    let from = inf.provisioner.min(c.changes.len());
    let removed: Vec<String> = c.changes[from..]
        .iter()
        .filter(|ch| ch.key.resource == resources::PERSISTENT_VOLUME_CLAIM.plural)
        .filter_map(|ch| ch.removed_uid().map(str::to_string))
        .collect();
    for pvc in pending_claims(c, inf, initial) {
        provision(c, &pvc);
    }
    reclaim(c, inf, &removed, !initial.is_empty());
}

/// Claims that changed (or all, on the first round; or every Pending one when a StorageClass
/// changed) and are Pending and not being deleted.
fn pending_claims(c: &ApiServer, inf: &mut Informers, initial: &[Key]) -> Vec<Value> {
    let mut keys = inf.since(c, inf.provisioner);
    inf.provisioner = c.changes.len();
    keys.extend(initial.iter().cloned());
    // A new or changed StorageClass may serve claims that were waiting for it.
    if keys
        .iter()
        .any(|k| k.resource == resources::STORAGE_CLASS.plural)
    {
        keys.extend(
            c.list(&resources::PERSISTENT_VOLUME_CLAIM)
                .filter(|(_, v)| PersistentVolumeClaim::of(v).pending())
                .map(|(k, _)| k.clone()),
        );
    }
    let mut seen = HashSet::new();
    keys.into_iter()
        .filter(|k| {
            k.resource == resources::PERSISTENT_VOLUME_CLAIM.plural && seen.insert(k.clone())
        })
        .filter_map(|k| c.get_key(&k))
        .filter(|v| {
            let pvc = PersistentVolumeClaim::of(v);
            pvc.pending() && pvc.metadata.deletion_timestamp.is_none()
        })
        .cloned()
        .collect()
}

/// Provision a volume for a Pending claim and bind the two, or say once why it cannot be.
fn provision(c: &mut ApiServer, stored: &Value) {
    let pvc = PersistentVolumeClaim::of(stored);
    let mut q = stored.clone();
    let class = match pvc.spec.storage_class_name {
        Some(cl) => Some(cl.to_string()),
        None => default_class(c).inspect(|d| {
            q["spec"]["storageClassName"] = json!(d);
        }),
    };
    let reported = pvc.metadata.annotations.get(REPORTED).copied();
    let Some(class) = class else {
        if reported.is_none() {
            let message =
                "no persistent volumes available for this claim and no storage class is set";
            report(c, q, "no-class", "Normal", "FailedBinding", message);
        }
        return;
    };
    let Some(stored_class) = c.get(&resources::STORAGE_CLASS, "", &class).cloned() else {
        let note = format!("missing:{class}");
        if reported != Some(note.as_str()) {
            let message = format!("storageclass.storage.k8s.io {class:?} not found");
            report(c, q, &note, "Warning", "ProvisioningFailed", &message);
        }
        return;
    };
    let sc = StorageClass::of(&stored_class);
    let pv_name = format!("pvc-{}", pvc.metadata.uid);
    let pv = NewVolume::for_claim(&pvc, &sc, &class, &pv_name).to_value();
    if let Ok(created) = c.create(pv) {
        let mut bound = created.clone();
        bound["status"] = json!({"phase": "Bound"});
        c.put(bound);
    }
    bind(&mut q, &pv_name, sc.provisioner);
    c.put(q.clone());
    c.event(
        &q,
        "Normal",
        "ProvisioningSucceeded",
        &format!("Successfully provisioned volume {pv_name}"),
    );
}

/// The annotation that remembers what was said about a waiting claim.
const REPORTED: &str = "sim.stsc.dev/reported";

/// Record why a claim waits; `note` is kept in an annotation so that it is said once.
fn report(c: &mut ApiServer, mut q: Value, note: &str, type_: &str, reason: &str, message: &str) {
    q["metadata"]["annotations"][REPORTED] = json!(note);
    c.put(q.clone());
    c.event(&q, type_, reason, message);
}

/// The claim bound to its new volume, with the binder's annotations and a Bound status.
fn bind(q: &mut Value, pv_name: &str, provisioner: &str) {
    q["spec"]["volumeName"] = json!(pv_name);
    let ann = metadata_mut(q)
        .entry("annotations")
        .or_insert_with(|| json!({}));
    if let Some(a) = ann.as_object_mut() {
        a.remove(REPORTED);
        a.insert("pv.kubernetes.io/bind-completed".into(), json!("yes"));
        a.insert("pv.kubernetes.io/bound-by-controller".into(), json!("yes"));
        for key in [
            "volume.beta.kubernetes.io/storage-provisioner",
            "volume.kubernetes.io/storage-provisioner",
        ] {
            a.insert(key.into(), json!(provisioner));
        }
    }
    let size = q["spec"]["resources"]["requests"]["storage"].clone();
    q["status"] = json!({"phase": "Bound", "accessModes": q["spec"]["accessModes"], "capacity": {"storage": size}});
}

/// Volumes whose claim is gone (on the first round: every volume whose claim is missing) are
/// deleted or Released, as their reclaim policy says.
fn reclaim(c: &mut ApiServer, inf: &Informers, removed: &[String], first_round: bool) {
    let mut gone: Vec<Key> = removed
        .iter()
        .filter_map(|u| inf.volumes.get(u).cloned())
        .collect();
    if first_round {
        let claim_uids: HashSet<&str> = c
            .list(&resources::PERSISTENT_VOLUME_CLAIM)
            .map(|(_, v)| meta_str(v, "uid"))
            .collect();
        gone.extend(
            c.list(&resources::PERSISTENT_VOLUME)
                .filter(|(_, pv)| {
                    PersistentVolume::of(pv)
                        .claim_uid()
                        .is_some_and(|u| !claim_uids.contains(u))
                })
                .map(|(k, _)| k.clone()),
        );
    }
    for k in gone {
        let Some(stored) = c.get_key(&k) else {
            continue;
        };
        let pv = PersistentVolume::of(stored);
        if pv.spec.persistent_volume_reclaim_policy == Some("Delete") {
            c.remove(&k);
        } else if pv.status.phase != Some("Released") {
            let mut q = stored.clone();
            q["status"] = json!({"phase": "Released"});
            c.put(q);
        }
    }
}

/// `kubernetes.io/pvc-protection`: a deleted claim goes once no pod uses it.
pub(super) fn claim_protection(c: &mut ApiServer, inf: &mut Informers) {
    // Claims marked for deletion since the last look.
    for ch in &c.changes[inf.protection.min(c.changes.len())..] {
        if ch.key.resource == resources::PERSISTENT_VOLUME_CLAIM.plural
            && c.get_key(&ch.key).is_some_and(is_terminating)
        {
            inf.deleting_claims.insert(ch.key.clone());
        }
    }
    inf.protection = c.changes.len();
    let deleting: Vec<(Key, Value)> = std::mem::take(&mut inf.deleting_claims)
        .into_iter()
        .filter_map(|k| c.get_key(&k).cloned().map(|v| (k, v)))
        .collect();
    for (k, pvc) in deleting {
        let lo = (k.namespace.clone(), String::new(), i64::MIN, String::new());
        let used = inf
            .pods
            .range(lo..)
            .take_while(|((ns, ..), _)| *ns == k.namespace)
            .any(|(_, (p, _))| {
                !matches!(p.phase.as_str(), "Failed" | "Succeeded") && p.claims.contains(&k.name)
            });
        if used {
            inf.deleting_claims.insert(k.clone());
            continue;
        }
        let mut q = pvc;
        remove_finalizer(&mut q, "kubernetes.io/pvc-protection");
        if PersistentVolumeClaim::of(&q).metadata.finalizers.is_empty() {
            c.remove(&k);
        } else {
            c.put(q);
        }
    }
}
