//! The simulated control plane around the StatefulSet controller: a kubelet (pods Pending →
//! Running → Ready, faults), the volume provisioner and binder, claim protection, the endpoints
//! and load-balancer controllers and the garbage collector. Each step reads the cluster and
//! writes through it; [`reconcile`] runs them until nothing changes.

pub mod statefulset;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{json, Value};

use crate::k8s::object::{meta_str, metadata_mut, owner_refs, remove_finalizer};
use crate::k8s::resources::{by_kind, Resource};
use crate::runtime::api_server::{key_of, ApiServer, Cascade};
use crate::runtime::store::Key;
use statefulset::{Action, PodSummary, Snapshot};

/// Annotation through which `stsc fault` breaks a pod: `not-ready` or `fail`.
pub const FAULT_ANNOTATION: &str = "sim.stsc.dev/fault";
/// The simulated node every pod runs on.
pub const NODE: &str = "stsc-node";

fn res(kind: &str) -> &'static Resource {
    by_kind(kind).expect("built-in resource")
}

/// What the controllers remember between rounds of one command, as informers would: a cursor
/// into the cluster's change log per controller, pod summaries, and an owner index. Each round
/// looks only at what changed, so a round costs what changed, not the size of the cluster.
#[derive(Debug, Default)]
pub struct Informers {
    primed: bool,
    sts: usize,
    kubelet: usize,
    provisioner: usize,
    protection: usize,
    gc: usize,
    /// Pod summaries by (namespace, parent, ordinal, name).
    pods: BTreeMap<(String, String, i64, String), PodSummary>,
    pod_keys: HashMap<Key, (String, String, i64, String)>,
    /// Objects by the uid of each of their owners.
    owners: HashMap<String, BTreeSet<Key>>,
    /// Volumes by the uid of their claim.
    volumes: HashMap<String, Key>,
    /// Claims waiting for their pods to go.
    deleting_claims: BTreeSet<Key>,
    /// Every key, for the first round.
    initial: Vec<Key>,
    /// Pending pods waiting for their claims.
    waiting: BTreeSet<Key>,
    /// Claims that carry owner references.
    claims_with_owners: BTreeSet<Key>,
}

impl Informers {
    /// Keys changed since `cursor` (deduplicated, in order), advancing it; every key on the
    /// first call.
    fn since(&self, c: &ApiServer, cursor: usize) -> Vec<Key> {
        let mut seen = HashSet::new();
        c.changes[cursor.min(c.changes.len())..]
            .iter()
            .filter(|(k, _)| seen.insert(k.clone()))
            .map(|(k, _)| k.clone())
            .collect()
    }

    fn prime(&mut self, c: &ApiServer) {
        if self.primed {
            return;
        }
        self.primed = true;
        for r in crate::k8s::resources::RESOURCES {
            for (k, v) in c.list(r) {
                self.observe(k, Some(v));
            }
        }
        // Everything is new to the controllers on the first round.
        let all: Vec<Key> = crate::k8s::resources::RESOURCES
            .iter()
            .flat_map(|r| c.list(r).map(|(k, _)| k.clone()).collect::<Vec<_>>())
            .collect();
        self.initial = all;
    }

    /// Update the caches for one key.
    fn observe(&mut self, k: &Key, v: Option<&Value>) {
        if k.resource == "pods" {
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
                self.pods.insert(idx, sum);
            }
        }
        if k.resource == "persistentvolumeclaims" {
            if v.is_some_and(|v| !owner_refs(v).is_empty()) {
                self.claims_with_owners.insert(k.clone());
            } else {
                self.claims_with_owners.remove(k);
            }
        }
        if let Some(v) = v {
            for r in owner_refs(v) {
                if let Some(u) = r["uid"].as_str() {
                    let e = self.owners.entry(u.to_string()).or_default();
                    if !e.contains(k) {
                        e.insert(k.clone());
                    }
                }
            }
            if k.resource == "persistentvolumes" {
                if let Some(u) = v["spec"]["claimRef"]["uid"].as_str() {
                    self.volumes.insert(u.to_string(), k.clone());
                }
            }
            if k.resource == "persistentvolumeclaims"
                && !v["metadata"]["deletionTimestamp"].is_null()
            {
                self.deleting_claims.insert(k.clone());
            }
        }
    }
}

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

/// [`reconcile`] with caches kept by the caller (to step round by round).
///
/// # Errors
/// Whatever `checkpoint` returns.
pub fn reconcile_with<E>(
    c: &mut ApiServer,
    inf: &mut Informers,
    max_rounds: usize,
    checkpoint: &mut dyn FnMut(&mut ApiServer) -> Result<(), E>,
) -> Result<usize, E> {
    let first = !inf.primed;
    inf.prime(c);
    for round in 0..max_rounds {
        let start = c.changes.len();
        let initial = if first && round == 0 {
            std::mem::take(&mut inf.initial)
        } else {
            Vec::new()
        };
        statefulsets(c, inf, &initial);
        provisioner(c, inf, &initial);
        kubelet(c, inf, &initial);
        claim_protection(c, inf);
        garbage_collector(c, inf, &initial);
        let mut changed = c.changes.len() > start;
        if !changed {
            // Endpoints and addresses follow once pods settle; they feed nothing above.
            endpoints(c);
            load_balancers(c);
            changed = c.changes.len() > start;
        }
        if c.pending_len() > 0 {
            checkpoint(c)?;
        }
        if !changed {
            return Ok(round);
        }
    }
    Ok(max_rounds)
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
        sets.extend(c.list_ns(res("StatefulSet"), ns).map(|(k, _)| k.clone()));
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
            let pods: Vec<&PodSummary> = inf.pods.range(lo..hi).map(|(_, s)| s).collect();
            let cl: &ApiServer = c;
            let pod_fn = |n: &str| cl.get(res("Pod"), &ns, n);
            let claim_fn = |n: &str| cl.get(res("PersistentVolumeClaim"), &ns, n);
            let snap = Snapshot {
                set: &set,
                pods,
                pod: &pod_fn,
                claims: &claim_fn,
                revisions: cl
                    .list_ns(res("ControllerRevision"), &ns)
                    .map(|(_, v)| v)
                    .collect(),
                claims_have_owners: inf.claims_with_owners.iter().any(|k| k.namespace == ns),
                now: cl.now,
                version: cl.version,
            };
            statefulset::sync(&snap)
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
                let _ = c.delete(res("Pod"), &ns, &name, Cascade::Background);
            }
            Action::DeleteRevision(name) => {
                let _ = c.delete(res("ControllerRevision"), &ns, &name, Cascade::Background);
            }
            Action::Status(st) => {
                c.put_status(&Key::new("statefulsets", &ns, meta_str(set, "name")), st);
            }
            // The recorder names the set as this sync saw it (upstream passes its cached copy).
            Action::Event(ty, reason, msg) => c.event(set, ty, reason, &msg),
        }
    }
}

fn condition(ty: &str, ok: bool, at: &str) -> Value {
    json!({"type": ty, "status": if ok { "True" } else { "False" }, "lastProbeTime": null, "lastTransitionTime": at})
}

/// The simulated kubelet: terminating pods go; pending pods whose claims are bound start;
/// running pods follow their fault annotation.
fn kubelet(c: &mut ApiServer, inf: &mut Informers, initial: &[Key]) -> bool {
    let mut keys = inf.since(c, inf.kubelet);
    inf.kubelet = c.changes.len();
    keys.extend(initial.iter().cloned());
    // A claim that changed may unblock the pods waiting for it.
    if keys.iter().any(|k| k.resource == "persistentvolumeclaims") {
        keys.extend(inf.waiting.iter().cloned());
    }
    let mut seen = HashSet::new();
    let pods: Vec<(Key, Value)> = keys
        .into_iter()
        .filter(|k| k.resource == "pods" && seen.insert(k.clone()))
        .filter(|k| {
            // Most changes are to pods already running as their fault says: copy only the
            // ones there is something to do for.
            let settled = c.get_key(k).is_some_and(kubelet_done);
            if settled {
                inf.waiting.remove(k);
            }
            !settled
        })
        .filter_map(|k| c.get_key(&k).cloned().map(|v| (k, v)))
        .collect();
    let mut changed = false;
    for (k, p) in pods {
        inf.waiting.remove(&k);
        if !p["metadata"]["deletionTimestamp"].is_null() {
            // Graceful termination is instant here; finalizers would hold it.
            if p["metadata"]["finalizers"]
                .as_array()
                .is_none_or(Vec::is_empty)
            {
                c.remove(&k);
                changed = true;
            }
            continue;
        }
        let fault = p["metadata"]["annotations"][FAULT_ANNOTATION]
            .as_str()
            .unwrap_or("");
        let phase = p["status"]["phase"].as_str().unwrap_or("Pending");
        if matches!(phase, "Failed" | "Succeeded") {
            continue;
        }
        let now = c.timestamp();
        let mut q = p.clone();
        match phase {
            "Pending" => {
                let bound = statefulset::pod_claims(&p).iter().all(|cl| {
                    c.get(res("PersistentVolumeClaim"), &k.namespace, cl)
                        .is_some_and(|pvc| pvc["status"]["phase"] == "Bound")
                });
                if !bound {
                    inf.waiting.insert(k.clone());
                    let reason = "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.";
                    if p["status"]["conditions"][0]["message"] != json!(reason) {
                        q["status"]["conditions"] = json!([{
                            "type": "PodScheduled", "status": "False", "lastProbeTime": null,
                            "lastTransitionTime": now, "reason": "Unschedulable", "message": reason,
                        }]);
                        c.put(q);
                        changed = true;
                    }
                    continue;
                }
                c.meta.pod_ips += 1;
                let n = c.meta.pod_ips;
                let ip = format!("10.244.{}.{}", (n / 250) % 256, n % 250 + 1);
                let ready = fault.is_empty();
                q["spec"]["nodeName"] = json!(NODE);
                let containers: Vec<Value> = p["spec"]["containers"]
                    .as_array()
                    .map(|cs| {
                        cs.iter()
                            .map(|ct| {
                                json!({
                                    "name": ct["name"], "image": ct["image"], "imageID": "",
                                    "containerID": format!("sim://{}", ct["name"].as_str().unwrap_or("")),
                                    "ready": ready, "restartCount": 0, "started": true,
                                    "state": {"running": {"startedAt": now}},
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let init = init_container_statuses(&p, ready, &now);
                q["status"] = json!({
                    "phase": if fault == "fail" { "Failed" } else { "Running" },
                    "conditions": [
                        condition("PodReadyToStartContainers", true, &now),
                        condition("Initialized", true, &now),
                        condition("Ready", ready, &now),
                        condition("ContainersReady", ready, &now),
                        condition("PodScheduled", true, &now),
                    ],
                    "hostIP": "10.0.0.1",
                    "hostIPs": [{"ip": "10.0.0.1"}],
                    "podIP": ip,
                    "podIPs": [{"ip": ip}],
                    "qosClass": "BestEffort",
                    "startTime": now,
                    "containerStatuses": containers,
                });
                if !init.is_empty() {
                    q["status"]["initContainerStatuses"] = Value::Array(init);
                }
                c.put(q);
                changed = true;
            }
            _ => {
                // Running: follow the fault.
                if fault == "fail" {
                    q["status"]["phase"] = json!("Failed");
                    if let Some(cs) = q["status"]["containerStatuses"].as_array_mut() {
                        for s in cs {
                            s["ready"] = json!(false);
                            s["state"] = json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": now, "finishedAt": now}});
                        }
                    }
                    set_ready(&mut q, false, &now);
                    c.put(q);
                    changed = true;
                    continue;
                }
                let want = fault.is_empty();
                let is = crate::k8s::object::is_ready(&p);
                if want != is {
                    set_ready(&mut q, want, &now);
                    c.put(q);
                    changed = true;
                }
            }
        }
    }
    changed
}

/// A live, running pod whose readiness already follows its fault annotation.
fn kubelet_done(p: &Value) -> bool {
    let fault = p["metadata"]["annotations"][FAULT_ANNOTATION]
        .as_str()
        .unwrap_or("");
    p["metadata"]["deletionTimestamp"].is_null()
        && match p["status"]["phase"].as_str() {
            Some("Failed" | "Succeeded") => true,
            Some("Running") if fault != "fail" => {
                let ready = crate::k8s::object::is_ready(p);
                ready == fault.is_empty()
            }
            _ => false,
        }
}

fn set_ready(p: &mut Value, ready: bool, now: &str) {
    if let Some(cs) = p["status"]["conditions"].as_array_mut() {
        for x in cs.iter_mut() {
            if x["type"] == "Ready" || x["type"] == "ContainersReady" {
                x["status"] = json!(if ready { "True" } else { "False" });
                x["lastTransitionTime"] = json!(now);
            }
        }
    }
    if let Some(cs) = p["status"]["containerStatuses"].as_array_mut() {
        for s in cs.iter_mut() {
            s["ready"] = json!(ready);
        }
    }
}

/// The default StorageClass, if any.
pub fn default_class(c: &ApiServer) -> Option<String> {
    c.list(res("StorageClass"))
        .find(|(_, sc)| {
            let a = &sc["metadata"]["annotations"];
            a["storageclass.kubernetes.io/is-default-class"] == "true"
                || a["storageclass.beta.kubernetes.io/is-default-class"] == "true"
        })
        .map(|(k, _)| k.name.clone())
}

/// Dynamic provisioning and binding; released volumes are reclaimed per their policy.
fn provisioner(c: &mut ApiServer, inf: &mut Informers, initial: &[Key]) -> bool {
    let mut changed = false;
    let from = inf.provisioner.min(c.changes.len());
    let removed: Vec<String> = c.changes[from..]
        .iter()
        .filter(|(k, uid)| k.resource == "persistentvolumeclaims" && uid.is_some())
        .filter_map(|(_, uid)| uid.clone())
        .collect();
    let mut keys = inf.since(c, inf.provisioner);
    inf.provisioner = c.changes.len();
    keys.extend(initial.iter().cloned());
    // A new or changed StorageClass may serve claims that were waiting for it.
    if keys.iter().any(|k| k.resource == "storageclasses") {
        keys.extend(
            c.list(res("PersistentVolumeClaim"))
                .filter(|(_, v)| v["status"]["phase"] == "Pending")
                .map(|(k, _)| k.clone()),
        );
    }
    let mut seen = HashSet::new();
    let claims: Vec<(Key, Value)> = keys
        .into_iter()
        .filter(|k| k.resource == "persistentvolumeclaims" && seen.insert(k.clone()))
        .filter(|k| {
            c.get_key(k).is_some_and(|pvc| {
                pvc["status"]["phase"] == "Pending"
                    && pvc["metadata"]["deletionTimestamp"].is_null()
            })
        })
        .filter_map(|k| c.get_key(&k).cloned().map(|v| (k, v)))
        .collect();
    for (k, pvc) in &claims {
        if pvc["status"]["phase"] != "Pending" || !pvc["metadata"]["deletionTimestamp"].is_null() {
            continue;
        }
        let mut q = pvc.clone();
        let class = match pvc["spec"]["storageClassName"].as_str() {
            Some(cl) => Some(cl.to_string()),
            None => default_class(c).inspect(|d| {
                q["spec"]["storageClassName"] = json!(d);
            }),
        };
        let Some(class) = class else {
            if pvc["metadata"]["annotations"]["sim.stsc.dev/reported"].is_null() {
                q["metadata"]["annotations"]["sim.stsc.dev/reported"] = json!("no-class");
                c.put(q.clone());
                c.event(
                    &q,
                    "Normal",
                    "FailedBinding",
                    "no persistent volumes available for this claim and no storage class is set",
                );
                changed = true;
            }
            continue;
        };
        let Some(sc) = c.get(res("StorageClass"), "", &class).cloned() else {
            let note = format!("missing:{class}");
            if pvc["metadata"]["annotations"]["sim.stsc.dev/reported"] != json!(note) {
                q["metadata"]["annotations"]["sim.stsc.dev/reported"] = json!(note);
                c.put(q.clone());
                c.event(
                    &q,
                    "Warning",
                    "ProvisioningFailed",
                    &format!("storageclass.storage.k8s.io {class:?} not found"),
                );
                changed = true;
            }
            continue;
        };
        let uid = meta_str(pvc, "uid").to_string();
        let pv_name = format!("pvc-{uid}");
        let size = pvc["spec"]["resources"]["requests"]["storage"].clone();
        let provisioner = sc["provisioner"].as_str().unwrap_or("").to_string();
        let pv = json!({
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {
                "name": pv_name,
                "annotations": {"pv.kubernetes.io/provisioned-by": provisioner},
            },
            "spec": {
                "accessModes": pvc["spec"]["accessModes"],
                "capacity": {"storage": size},
                "claimRef": {
                    "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "name": k.name, "namespace": k.namespace, "uid": uid,
                    "resourceVersion": pvc["metadata"]["resourceVersion"],
                },
                "persistentVolumeReclaimPolicy": sc["reclaimPolicy"].as_str().unwrap_or("Delete"),
                "storageClassName": class,
                "volumeMode": pvc["spec"]["volumeMode"].as_str().unwrap_or("Filesystem"),
                "csi": {"driver": provisioner, "volumeHandle": pv_name, "fsType": "ext4"},
            },
            "status": {"phase": "Bound"},
        });
        if let Ok(created) = c.create(pv) {
            let mut bound = created.clone();
            bound["status"] = json!({"phase": "Bound"});
            c.put(bound);
        }
        q["spec"]["volumeName"] = json!(pv_name);
        let ann = metadata_mut(&mut q)
            .entry("annotations")
            .or_insert_with(|| json!({}));
        if let Some(a) = ann.as_object_mut() {
            a.remove("sim.stsc.dev/reported");
            a.insert("pv.kubernetes.io/bind-completed".into(), json!("yes"));
            a.insert("pv.kubernetes.io/bound-by-controller".into(), json!("yes"));
            a.insert(
                "volume.beta.kubernetes.io/storage-provisioner".into(),
                json!(provisioner),
            );
            a.insert(
                "volume.kubernetes.io/storage-provisioner".into(),
                json!(provisioner),
            );
        }
        q["status"] = json!({"phase": "Bound", "accessModes": pvc["spec"]["accessModes"], "capacity": {"storage": size}});
        c.put(q.clone());
        c.event(
            &q,
            "Normal",
            "ProvisioningSucceeded",
            &format!("Successfully provisioned volume {pv_name}"),
        );
        changed = true;
    }
    // Volumes whose claim is gone (on the first round: every volume whose claim is missing).
    let mut gone: Vec<Key> = removed
        .iter()
        .filter_map(|u| inf.volumes.get(u).cloned())
        .collect();
    if !initial.is_empty() {
        let claim_uids: HashSet<&str> = c
            .list(res("PersistentVolumeClaim"))
            .map(|(_, v)| meta_str(v, "uid"))
            .collect();
        gone.extend(
            c.list(res("PersistentVolume"))
                .filter(|(_, pv)| {
                    pv["spec"]["claimRef"]["uid"]
                        .as_str()
                        .is_some_and(|u| !claim_uids.contains(u))
                })
                .map(|(k, _)| k.clone()),
        );
    }
    for k in gone {
        let Some(pv) = c.get_key(&k).cloned() else {
            continue;
        };
        if pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete" {
            c.remove(&k);
            changed = true;
        } else if pv["status"]["phase"] != "Released" {
            let mut q = pv;
            q["status"] = json!({"phase": "Released"});
            c.put(q);
            changed = true;
        }
    }
    changed
}

/// `kubernetes.io/pvc-protection`: a deleted claim goes once no pod uses it.
fn claim_protection(c: &mut ApiServer, inf: &mut Informers) -> bool {
    let mut changed = false;
    // Claims marked for deletion since the last look.
    for (k, _) in &c.changes[inf.protection.min(c.changes.len())..] {
        if k.resource == "persistentvolumeclaims"
            && c.get_key(k)
                .is_some_and(|v| !v["metadata"]["deletionTimestamp"].is_null())
        {
            inf.deleting_claims.insert(k.clone());
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
            .any(|(_, p)| {
                !matches!(p.phase.as_str(), "Failed" | "Succeeded") && p.claims.contains(&k.name)
            });
        if used {
            inf.deleting_claims.insert(k.clone());
            continue;
        }
        let mut q = pvc;
        remove_finalizer(&mut q, "kubernetes.io/pvc-protection");
        if q["metadata"]["finalizers"]
            .as_array()
            .is_none_or(Vec::is_empty)
        {
            c.remove(&k);
        } else {
            c.put(q);
        }
        changed = true;
    }
    changed
}

/// Delete objects all of whose owners are gone (background propagation).
fn garbage_collector(c: &mut ApiServer, inf: &mut Informers, initial: &[Key]) -> bool {
    let from = inf.gc.min(c.changes.len());
    let mut candidates: Vec<Key> = Vec::new();
    for (k, uid) in &c.changes[from..] {
        match uid {
            Some(u) => candidates.extend(inf.owners.get(u).into_iter().flatten().cloned()),
            None => {
                // New or changed objects: their owners may already be gone.
                if c.get_key(k).is_some_and(|v| !owner_refs(v).is_empty()) {
                    candidates.push(k.clone());
                }
            }
        }
    }
    inf.gc = c.changes.len();
    for k in initial {
        if let Some(v) = c.get_key(k) {
            inf.observe(k, Some(v));
            if !owner_refs(v).is_empty() {
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
        if refs.is_empty() || !v["metadata"]["deletionTimestamp"].is_null() {
            continue;
        }
        let alive = refs.iter().any(|r| {
            let kind = r["kind"].as_str().unwrap_or("");
            let name = r["name"].as_str().unwrap_or("");
            by_kind(kind).is_some_and(|rr| {
                c.get(rr, &k.namespace, name)
                    .is_some_and(|o| o["metadata"]["uid"] == r["uid"])
            })
        });
        if !alive {
            orphans.push(k);
        }
    }
    let changed = !orphans.is_empty();
    for k in orphans {
        if let Some(r) = crate::k8s::resources::RESOURCES
            .iter()
            .find(|r| r.plural == k.resource)
        {
            let _ = c.delete(r, &k.namespace, &k.name, Cascade::Background);
        }
    }
    changed
}

/// Endpoints of every Service with a selector: ready pods as addresses, the others as
/// notReadyAddresses, IPs sorted as strings (as the seed's transcript shows them).
pub fn endpoints(c: &mut ApiServer) -> bool {
    let services: Vec<(Key, Value)> = c
        .list(res("Service"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut changed = false;
    for (k, svc) in services {
        // A Service without a selector has no managed endpoints.
        let sel = crate::k8s::selector::Selector::from_map(&svc["spec"]["selector"]);
        if sel.is_empty() {
            continue;
        }
        let mut ready: Vec<Value> = Vec::new();
        let mut not_ready: Vec<Value> = Vec::new();
        let mut ports_for: HashMap<String, Value> = HashMap::new();
        for (_, p) in c.list_ns(res("Pod"), &k.namespace) {
            if !sel.matches(&p["metadata"]["labels"]) {
                continue;
            }
            let Some(ip) = p["status"]["podIPs"][0]["ip"].as_str() else {
                continue;
            };
            if matches!(p["status"]["phase"].as_str(), Some("Failed" | "Succeeded")) {
                continue;
            }
            let terminating = !p["metadata"]["deletionTimestamp"].is_null();
            let is_ready = crate::k8s::object::is_ready(p);
            let mut addr = json!({
                "ip": ip,
                "nodeName": p["spec"]["nodeName"],
                "targetRef": {"kind": "Pod", "name": meta_str(p, "name"), "namespace": k.namespace, "uid": p["metadata"]["uid"]},
            });
            if p["spec"]["subdomain"] == json!(k.name) && !p["spec"]["hostname"].is_null() {
                addr["hostname"] = p["spec"]["hostname"].clone();
            }
            // A Service that tolerates unready endpoints lists every pod, terminating ones too,
            // as ready addresses; elsewhere a terminating pod is left out.
            let tolerate = svc["spec"]["publishNotReadyAddresses"] == true;
            if terminating && !tolerate {
                continue;
            }
            if is_ready || tolerate {
                ready.push(addr);
            } else {
                not_ready.push(addr);
            }
            // Named target ports resolve per pod; the simulated pods share one template.
            for sp in svc["spec"]["ports"].as_array().into_iter().flatten() {
                let target = &sp["targetPort"];
                let port = match target {
                    Value::String(name) => p["spec"]["containers"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .flat_map(|ct| ct["ports"].as_array().into_iter().flatten())
                        .find(|cp| cp["name"] == json!(name))
                        .map(|cp| cp["containerPort"].clone()),
                    Value::Null => Some(sp["port"].clone()),
                    v => Some(v.clone()),
                };
                if let Some(port) = port {
                    let mut ep =
                        json!({"port": port, "protocol": sp["protocol"].as_str().unwrap_or("TCP")});
                    if let Some(n) = sp["name"].as_str() {
                        ep["name"] = json!(n);
                    }
                    ports_for.entry(sp["port"].to_string()).or_insert(ep);
                }
            }
        }
        let by_ip = |a: &Value, b: &Value| {
            a["ip"]
                .as_str()
                .unwrap_or("")
                .cmp(b["ip"].as_str().unwrap_or(""))
        };
        ready.sort_by(by_ip);
        not_ready.sort_by(by_ip);
        let mut ports: Vec<Value> = ports_for.into_values().collect();
        ports.sort_by_key(|p| {
            (
                p["name"].as_str().unwrap_or("").to_string(),
                p["port"].as_i64().unwrap_or(0),
            )
        });
        // No addresses: no `subsets` field at all.
        let subsets = if ready.is_empty() && not_ready.is_empty() {
            Value::Null
        } else {
            // Moved, not `json!`: that would serialize every address into a copy.
            let mut s = serde_json::Map::new();
            if !ready.is_empty() {
                s.insert("addresses".into(), Value::Array(ready));
            }
            if !not_ready.is_empty() {
                s.insert("notReadyAddresses".into(), Value::Array(not_ready));
            }
            if !ports.is_empty() {
                s.insert("ports".into(), Value::Array(ports));
            }
            Value::Array(vec![Value::Object(s)])
        };
        let mut labels = svc["metadata"]["labels"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if svc["spec"]["clusterIP"] == "None" {
            labels.insert("service.kubernetes.io/headless".into(), json!(""));
        }
        let labels = Value::Object(labels);
        let mut e = match c.get(res("Endpoints"), &k.namespace, &k.name) {
            Some(e) if e["subsets"] == subsets && e["metadata"]["labels"] == labels => continue,
            Some(e) => e.clone(),
            None => json!({
                "apiVersion": "v1",
                "kind": "Endpoints",
                "metadata": {"name": k.name, "namespace": k.namespace},
            }),
        };
        e["metadata"]["labels"] = labels;
        if let Some(m) = e.as_object_mut() {
            if subsets.is_null() {
                m.remove("subsets");
            } else {
                m.insert("subsets".into(), subsets);
            }
        }
        if e["metadata"]["uid"].is_null() {
            let _ = c.create(e);
        } else {
            c.put(e);
        }
        changed = true;
    }
    // Endpoints of deleted Services go with them.
    let stale: Vec<Key> = c
        .list(res("Endpoints"))
        .filter(|(k, _)| c.get(res("Service"), &k.namespace, &k.name).is_none())
        .map(|(k, _)| k.clone())
        .collect();
    for k in stale {
        c.remove(&k);
        changed = true;
    }
    changed
}

/// Give every LoadBalancer Service an ingress address.
pub fn load_balancers(c: &mut ApiServer) -> bool {
    let pending: Vec<Value> = c
        .list(res("Service"))
        .filter(|(_, s)| {
            s["spec"]["type"] == "LoadBalancer" && s["status"]["loadBalancer"]["ingress"].is_null()
        })
        .map(|(_, s)| s.clone())
        .collect();
    let changed = !pending.is_empty();
    for mut s in pending {
        c.meta.lb_ips += 1;
        let ip = format!("192.168.123.{}", c.meta.lb_ips % 250 + 2);
        let mut ingress = json!({"ip": ip});
        if c.version.load_balancer_ip_mode() {
            ingress["ipMode"] = json!("VIP");
        }
        s["status"] = json!({"loadBalancer": {"ingress": [ingress]}});
        let key = key_of(&s).map(|(_, k)| k);
        c.put(s);
        let Some(s) = key.ok().and_then(|k| c.get_key(&k).cloned()) else {
            continue;
        };
        c.event(
            &s,
            "Normal",
            "EnsuringLoadBalancer",
            "Ensuring load balancer",
        );
        c.event(&s, "Normal", "EnsuredLoadBalancer", "Ensured load balancer");
    }
    changed
}

/// The kubelet's statuses of a started pod's init containers: each ran to completion, except
/// native sidecars (`restartPolicy: Always`), which keep running beside the app.
fn init_container_statuses(p: &Value, ready: bool, now: &str) -> Vec<Value> {
    let list = p["spec"]["initContainers"].as_array();
    list.into_iter()
        .flatten()
        .map(|ct| {
            let sidecar = ct["restartPolicy"] == "Always";
            let state = if sidecar {
                json!({"running": {"startedAt": now}})
            } else {
                json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now}})
            };
            json!({
                "name": ct["name"], "image": ct["image"], "imageID": "",
                "containerID": format!("sim://{}", ct["name"].as_str().unwrap_or("")),
                "ready": if sidecar { ready } else { true },
                "restartCount": 0, "started": sidecar, "state": state,
            })
        })
        .collect()
}
