//! The simulated control plane around the StatefulSet controller: a kubelet (pods Pending →
//! Running → Ready, faults), the volume provisioner and binder, claim protection, the endpoints
//! and load-balancer controllers and the garbage collector. Each step reads the cluster and
//! writes through it; [`reconcile`] runs them until nothing changes.

mod gc;
mod informers;
mod kubelet;
mod services;
pub mod statefulset;
mod volumes;

use gc::garbage_collector;
pub use informers::Informers;
use kubelet::kubelet;
use services::{endpoints, load_balancers};
pub use volumes::default_class;
use volumes::{claim_protection, provisioner};

use std::collections::BTreeSet;

use serde_json::Value;

use crate::k8s::object::meta_str;
use crate::k8s::resources;
use crate::runtime::api_server::{ApiServer, Cascade};
use crate::runtime::store::Key;
use statefulset::{Action, Memo, PodSummary, Snapshot};

/// Annotation through which `stsc fault` breaks a pod: `not-ready` or `fail`.
pub const FAULT_ANNOTATION: &str = "sim.stsc.dev/fault";
/// The simulated node every pod runs on.
pub const NODE: &str = "stsc-node";
/// Run every controller until nothing changes (or `max_rounds` rounds). `checkpoint` is called
/// after each round that changed something (it may commit). Returns the number of rounds.
///
/// # Errors
/// Whatever `checkpoint` returns.
pub fn reconcile<E>(
    c: &mut ApiServer,
    max_rounds: usize,
    checkpoint: &mut dyn FnMut(&mut ApiServer) -> Result<(), E>,
) -> Result<usize, E> {
    let mut inf = Informers::default();
    reconcile_with(c, &mut inf, max_rounds, checkpoint)
}

/// [`reconcile`] with caches kept by the caller.
///
/// # Errors
/// Whatever `checkpoint` returns.
pub fn reconcile_with<E>(
    c: &mut ApiServer,
    inf: &mut Informers,
    max_rounds: usize,
    checkpoint: &mut dyn FnMut(&mut ApiServer) -> Result<(), E>,
) -> Result<usize, E> {
    for r in 0..max_rounds {
        let changed = round(c, inf, &mut |_| {});
        if c.pending_len() > 0 {
            checkpoint(c)?;
        }
        if !changed {
            return Ok(r);
        }
    }
    Ok(max_rounds)
}

/// One round of every controller; whether it changed anything. `after_step` sees the cluster
/// after each controller: a server publishes watch events there, so a watch sees a pod created
/// (Pending) and then running, not only where the round left it.
pub fn round(
    c: &mut ApiServer,
    inf: &mut Informers,
    after_step: &mut dyn FnMut(&ApiServer),
) -> bool {
    let first = !inf.primed;
    inf.prime(c);
    let initial = if first {
        std::mem::take(&mut inf.initial)
    } else {
        Vec::new()
    };
    let start = c.changes.len();
    statefulsets(c, inf, &initial);
    after_step(c);
    provisioner(c, inf, &initial);
    after_step(c);
    kubelet(c, inf, &initial);
    after_step(c);
    claim_protection(c, inf);
    garbage_collector(c, inf, &initial);
    after_step(c);
    if c.changes.len() > start {
        return true;
    }
    // Endpoints and addresses follow once pods settle; they feed nothing above.
    endpoints(c);
    load_balancers(c);
    after_step(c);
    c.changes.len() > start
}

/// Sync every StatefulSet whose namespace saw a change to a set, pod, claim or revision.
fn statefulsets(c: &mut ApiServer, inf: &mut Informers, initial: &[Key]) {
    let mut changed = inf.since(c, inf.sts);
    inf.sts = c.changes.len();
    changed.extend(initial.iter().cloned());
    for k in &changed {
        inf.observe(k, c.get_key(k));
    }
    let namespaces: BTreeSet<String> = changed
        .iter()
        .filter(|k| {
            matches!(
                k.resource.as_str(),
                "statefulsets" | "pods" | "persistentvolumeclaims" | "controllerrevisions"
            )
        })
        .map(|k| k.namespace.clone())
        .collect();
    let mut sets: Vec<Key> = Vec::new();
    for ns in &namespaces {
        sets.extend(
            c.list_ns(&resources::STATEFUL_SET, ns)
                .map(|(k, _)| k.clone()),
        );
    }
    for k in sets {
        let Some(set) = c.get_key(&k).cloned() else {
            continue;
        };
        let ns = k.namespace.clone();
        let name = k.name.clone();
        let actions = {
            let lo = (ns.clone(), name.clone(), i64::MIN, String::new());
            let hi = (ns.clone(), name.clone(), i64::MAX, String::new());
            let (pods, mut memos): (Vec<&PodSummary>, Vec<&mut Memo>) = inf
                .pods
                .range_mut(lo..hi)
                .map(|(_, (sum, memo))| (&*sum, memo))
                .unzip();
            let cl: &ApiServer = c;
            let pod_fn = |n: &str| cl.get(&resources::POD, &ns, n);
            let claim_fn = |n: &str| cl.get(&resources::PERSISTENT_VOLUME_CLAIM, &ns, n);
            let snap = Snapshot {
                set: &set,
                pods,
                pod: &pod_fn,
                claims: &claim_fn,
                revisions: cl
                    .list_ns(&resources::CONTROLLER_REVISION, &ns)
                    .map(|(_, v)| v)
                    .collect(),
                claims_have_owners: inf.claims_with_owners.iter().any(|k| k.namespace == ns),
                now: cl.now,
                version: cl.version,
            };
            statefulset::sync(&snap, &mut memos)
        };
        execute(c, &set, actions);
    }
}

/// Apply a sync's actions; events go on the set.
fn execute(c: &mut ApiServer, set: &Value, actions: Vec<Action>) {
    let ns = meta_str(set, "namespace").to_string();
    for a in actions {
        match a {
            Action::CreateClaim(o) | Action::CreatePod(o) | Action::CreateRevision(o) => {
                if let Err(e) = c.create(o) {
                    c.event(set, "Warning", "FailedCreate", &e.message);
                }
            }
            Action::UpdateClaim(o) | Action::UpdatePod(o) | Action::UpdateRevision(o) => {
                c.put(o);
            }
            Action::DeletePod(name) => {
                let _ = c.delete(&resources::POD, &ns, &name, Cascade::Background);
            }
            Action::DeleteRevision(name) => {
                let _ = c.delete(
                    &resources::CONTROLLER_REVISION,
                    &ns,
                    &name,
                    Cascade::Background,
                );
            }
            Action::Status(st) => {
                c.put_status(&Key::new("statefulsets", &ns, meta_str(set, "name")), st);
            }
            // The recorder names the set as this sync saw it (upstream passes its cached copy).
            Action::Event(e) => c.event(set, e.type_.as_str(), e.reason, &e.message),
        }
    }
}
