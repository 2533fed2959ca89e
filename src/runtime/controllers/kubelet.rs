//! The simulated kubelet: terminating pods go, pending pods whose claims are bound start, and
//! running pods follow their fault annotation.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{json, Value};

use super::{Informers, FAULT_ANNOTATION, NODE};
use crate::k8s::core::{Container, Pod};
use crate::k8s::resources;
use crate::k8s::storage::PersistentVolumeClaim;
use crate::runtime::api_server::ApiServer;
use crate::runtime::store::Key;

fn condition(ty: &str, ok: bool, at: &str) -> Value {
    json!({"type": ty, "status": if ok { "True" } else { "False" }, "lastProbeTime": null, "lastTransitionTime": at})
}

/// The simulated kubelet: terminating pods go; pending pods whose claims are bound start;
/// running pods follow their fault annotation.
pub(super) fn kubelet(c: &mut ApiServer, inf: &mut Informers, initial: &[Key]) {
    for (k, stored) in pods_to_act_on(c, inf, initial) {
        inf.waiting.remove(&k);
        let p = Pod::of(&stored);
        if p.terminating() {
            // Graceful termination is instant here; finalizers would hold it.
            if p.metadata.finalizers.is_empty() {
                c.remove(&k);
            }
            continue;
        }
        let fault = fault_of(&p);
        match p.status.phase.unwrap_or("Pending") {
            "Failed" | "Succeeded" => {}
            "Pending" => start(c, inf, &k, &p, &stored, fault),
            _ => follow_fault(c, &p, &stored, fault),
        }
    }
}

/// Pods that changed (or all, on the first round; or those waiting for claims, when a claim
/// changed) that are not yet as their fault says.
fn pods_to_act_on(c: &ApiServer, inf: &mut Informers, initial: &[Key]) -> Vec<(Key, Value)> {
    let mut keys = inf.since(c, inf.kubelet);
    inf.kubelet = c.changes.len();
    keys.extend(initial.iter().cloned());
    // A claim that changed may unblock the pods waiting for it.
    if keys
        .iter()
        .any(|k| k.resource == resources::PERSISTENT_VOLUME_CLAIM.plural)
    {
        keys.extend(inf.waiting.iter().cloned());
    }
    let mut seen = HashSet::new();
    keys.into_iter()
        .filter(|k| k.resource == resources::POD.plural && seen.insert(k.clone()))
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
        .collect()
}

/// The pod's fault annotation ("" for none).
fn fault_of<'a>(p: &Pod<'a>) -> &'a str {
    p.annotation(FAULT_ANNOTATION).unwrap_or("")
}

/// Start a Pending pod once its claims are Bound (else mark it Unschedulable, once).
fn start(
    c: &mut ApiServer,
    inf: &mut Informers,
    k: &Key,
    p: &Pod<'_>,
    stored: &Value,
    fault: &str,
) {
    let now = c.timestamp();
    let bound = p.claims().all(|cl| {
        c.get(&resources::PERSISTENT_VOLUME_CLAIM, &k.namespace, cl)
            .is_some_and(|pvc| PersistentVolumeClaim::of(pvc).bound())
    });
    let mut q = stored.clone();
    if !bound {
        inf.waiting.insert(k.clone());
        let reason = "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.";
        if p.status.conditions.first().and_then(|c| c.message) != Some(reason) {
            q["status"]["conditions"] = json!([{
                "type": "PodScheduled", "status": "False", "lastProbeTime": null,
                "lastTransitionTime": now, "reason": "Unschedulable", "message": reason,
            }]);
            c.put(q);
        }
        return;
    }
    c.meta.pod_ips += 1;
    let n = c.meta.pod_ips;
    let ip = format!("10.244.{}.{}", (n / 250) % 256, n % 250 + 1);
    q["spec"]["nodeName"] = json!(NODE);
    q["status"] = started_status(p, fault, &ip, &now);
    c.put(q);
}

/// The status of a pod the kubelet has just started: Running (Failed under the `fail` fault),
/// Ready unless a fault says otherwise, its address, and its containers' statuses.
fn started_status(p: &Pod<'_>, fault: &str, ip: &str, now: &str) -> Value {
    let ready = fault.is_empty();
    let running = || State::Running { started_at: now };
    let containers: Vec<NewContainerStatus<'_>> = p
        .spec
        .containers
        .iter()
        .map(|ct| NewContainerStatus::of(ct, ready, true, running()))
        .collect();
    let init = init_container_statuses(p, ready, now);
    let mut status = json!({
        "phase": if fault == "fail" { "Failed" } else { "Running" },
        "conditions": [
            condition("PodReadyToStartContainers", true, now),
            condition("Initialized", true, now),
            condition("Ready", ready, now),
            condition("ContainersReady", ready, now),
            condition("PodScheduled", true, now),
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
        status["initContainerStatuses"] = json!(init);
    }
    status
}

/// A container's status as the kubelet first writes it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct NewContainerStatus<'a> {
    name: &'a str,
    image: &'a str,
    #[serde(rename = "imageID")]
    image_id: &'static str,
    #[serde(rename = "containerID")]
    container_id: String,
    ready: bool,
    restart_count: i32,
    started: bool,
    state: State<'a>,
}

/// A container's state: running since, or terminated with a code.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
enum State<'a> {
    #[serde(rename_all = "camelCase")]
    Running { started_at: &'a str },
    #[serde(rename_all = "camelCase")]
    Terminated {
        exit_code: i32,
        reason: &'static str,
        started_at: &'a str,
        finished_at: &'a str,
    },
}

impl<'a> NewContainerStatus<'a> {
    fn of(ct: &Container<'a>, ready: bool, started: bool, state: State<'a>) -> Self {
        NewContainerStatus {
            name: ct.name,
            image: ct.image,
            image_id: "",
            container_id: format!("sim://{}", ct.name),
            ready,
            restart_count: 0,
            started,
            state,
        }
    }
}

/// A running pod follows its fault: `fail` fails it, `not-ready` (or none) sets readiness.
fn follow_fault(c: &mut ApiServer, p: &Pod<'_>, stored: &Value, fault: &str) {
    let now = c.timestamp();
    let mut q = stored.clone();
    if fault == "fail" {
        q["status"]["phase"] = json!("Failed");
        if let Some(cs) = q["status"]["containerStatuses"].as_array_mut() {
            for s in cs {
                s["ready"] = json!(false);
                s["state"] = json!(State::Terminated {
                    exit_code: 1,
                    reason: "Error",
                    started_at: &now,
                    finished_at: &now
                });
            }
        }
        set_ready(&mut q, false, &now);
        c.put(q);
        return;
    }
    let want = fault.is_empty();
    if want != p.ready() {
        set_ready(&mut q, want, &now);
        c.put(q);
    }
}

/// A live, running pod whose readiness already follows its fault annotation.
fn kubelet_done(stored: &Value) -> bool {
    let p = Pod::of(stored);
    let fault = fault_of(&p);
    !p.terminating()
        && match p.status.phase {
            Some("Failed" | "Succeeded") => true,
            Some("Running") if fault != "fail" => p.ready() == fault.is_empty(),
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

/// The kubelet's statuses of a started pod's init containers: each ran to completion, except
/// native sidecars (`restartPolicy: Always`), which keep running beside the app.
fn init_container_statuses<'a>(
    p: &Pod<'a>,
    ready: bool,
    now: &'a str,
) -> Vec<NewContainerStatus<'a>> {
    p.spec
        .init_containers
        .iter()
        .map(|ct| {
            if ct.is_sidecar() {
                NewContainerStatus::of(ct, ready, true, State::Running { started_at: now })
            } else {
                let done = State::Terminated {
                    exit_code: 0,
                    reason: "Completed",
                    started_at: now,
                    finished_at: now,
                };
                NewContainerStatus::of(ct, true, false, done)
            }
        })
        .collect()
}
