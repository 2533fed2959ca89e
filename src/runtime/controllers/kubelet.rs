//! The simulated kubelet: terminating pods go, pending pods whose claims are bound start, and
//! running pods follow their fault annotation.

use std::collections::HashSet;

use serde_json::{json, Value};

use super::statefulset;
use super::{Informers, FAULT_ANNOTATION, NODE};
use crate::k8s::object::{is_ready, is_terminating};
use crate::k8s::resources;
use crate::runtime::api_server::ApiServer;
use crate::runtime::store::Key;

fn condition(ty: &str, ok: bool, at: &str) -> Value {
    json!({"type": ty, "status": if ok { "True" } else { "False" }, "lastProbeTime": null, "lastTransitionTime": at})
}

/// The simulated kubelet: terminating pods go; pending pods whose claims are bound start;
/// running pods follow their fault annotation.
pub(super) fn kubelet(c: &mut ApiServer, inf: &mut Informers, initial: &[Key]) {
    for (k, p) in pods_to_act_on(c, inf, initial) {
        inf.waiting.remove(&k);
        if is_terminating(&p) {
            // Graceful termination is instant here; finalizers would hold it.
            if p["metadata"]["finalizers"]
                .as_array()
                .is_none_or(Vec::is_empty)
            {
                c.remove(&k);
            }
            continue;
        }
        let fault = p["metadata"]["annotations"][FAULT_ANNOTATION]
            .as_str()
            .unwrap_or("")
            .to_string();
        match p["status"]["phase"].as_str().unwrap_or("Pending") {
            "Failed" | "Succeeded" => {}
            "Pending" => start(c, inf, &k, p, &fault),
            _ => follow_fault(c, p, &fault),
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

/// Start a Pending pod once its claims are Bound (else mark it Unschedulable, once).
fn start(c: &mut ApiServer, inf: &mut Informers, k: &Key, p: Value, fault: &str) {
    let now = c.timestamp();
    let bound = statefulset::pod_claims(&p).iter().all(|cl| {
        c.get(&resources::PERSISTENT_VOLUME_CLAIM, &k.namespace, cl)
            .is_some_and(|pvc| pvc["status"]["phase"] == "Bound")
    });
    let mut q = p.clone();
    if !bound {
        inf.waiting.insert(k.clone());
        let reason = "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.";
        if p["status"]["conditions"][0]["message"] != json!(reason) {
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
    q["status"] = started_status(&p, fault, &ip, &now);
    c.put(q);
}

/// The status of a pod the kubelet has just started: Running (Failed under the `fail` fault),
/// Ready unless a fault says otherwise, its address, and its containers' statuses.
fn started_status(p: &Value, fault: &str, ip: &str, now: &str) -> Value {
    let ready = fault.is_empty();
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
        status["initContainerStatuses"] = Value::Array(init);
    }
    status
}

/// A running pod follows its fault: `fail` fails it, `not-ready` (or none) sets readiness.
fn follow_fault(c: &mut ApiServer, p: Value, fault: &str) {
    let now = c.timestamp();
    let mut q = p.clone();
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
        return;
    }
    let want = fault.is_empty();
    if want != is_ready(&p) {
        set_ready(&mut q, want, &now);
        c.put(q);
    }
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
