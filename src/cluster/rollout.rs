//! `--wait`: whether a StatefulSet on a cluster is rolled out, and if not, which pod or claim
//! holds it up and why. Pure: the set, its pods, claims and events in, a verdict out.

use serde_json::Value;

use crate::k8s::apps::StatefulSetSpec;
use crate::k8s::object::meta_str;
use crate::runtime::print::describe::rollout_status;

/// Where a rollout stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Pods ready.
    pub ready: i32,
    /// Pods wanted.
    pub want: i32,
    /// kubectl's rollout status line (`Waiting for 1 pods to be ready...`).
    pub message: String,
    /// Rolled out: spec observed, every pod ready and updated, every claim Bound.
    pub done: bool,
}

/// The ordinals of the pods the set wants.
fn ordinals(set: &Value) -> std::ops::Range<i32> {
    let spec = StatefulSetSpec::of(set).unwrap_or_default();
    let start = spec.ordinals.as_ref().and_then(|o| o.start).unwrap_or(0);
    start..start.saturating_add(spec.replicas().max(0))
}

/// The names of the claims the set's pods use: `TEMPLATE-SET-ORDINAL`.
pub fn claim_names(set: &Value) -> Vec<String> {
    let name = meta_str(set, "name");
    let templates = set["spec"]["volumeClaimTemplates"].as_array();
    let mut out = Vec::new();
    for i in ordinals(set) {
        for t in templates.into_iter().flatten() {
            out.push(format!("{}-{name}-{i}", meta_str(t, "name")));
        }
    }
    out
}

/// The pod names the set wants, in ordinal order.
fn pod_names(set: &Value) -> Vec<String> {
    let name = meta_str(set, "name");
    ordinals(set).map(|i| format!("{name}-{i}")).collect()
}

/// Where the rollout of `set` stands, given the live claims of its namespace.
pub fn progress(set: &Value, claims: &[Value]) -> Progress {
    let (message, rolled) = rollout_status(set).unwrap_or_else(|_| on_delete_status(set));
    let want = StatefulSetSpec::of(set).unwrap_or_default().replicas();
    let ready = set["status"]["readyReplicas"].as_i64().unwrap_or(0) as i32;
    let unbound = claim_names(set)
        .into_iter()
        .find(|n| !claims.iter().any(|c| meta_str(c, "name") == n && bound(c)));
    let status = &set["status"];
    let partitioned = set["spec"]["updateStrategy"]["rollingUpdate"]["partition"]
        .as_i64()
        .is_some_and(|p| p > 0);
    // kubectl stops at "partitioned roll out complete"; without a partition every pod must
    // also be at the update revision (OnDelete leaves that to whoever deletes the pods).
    let on_delete = set["spec"]["updateStrategy"]["type"] == "OnDelete";
    let behind =
        !partitioned && !on_delete && status["currentRevision"] != status["updateRevision"];
    let (message, done) = match unbound {
        _ if rolled && behind => (
            format!(
                "waiting for statefulset rolling update to complete {} pods at revision {}...\n",
                status["updatedReplicas"].as_i64().unwrap_or(0),
                status["updateRevision"].as_str().unwrap_or("")
            ),
            false,
        ),
        Some(c) if rolled => (format!("Waiting for claim {c} to be bound...\n"), false),
        _ => (message, rolled),
    };
    Progress {
        ready,
        want,
        message,
        done,
    }
}

/// `OnDelete` has no rollout status in kubectl (pods change only when deleted): the set is
/// ready when its spec is observed and every pod is ready.
fn on_delete_status(set: &Value) -> (String, bool) {
    let st = &set["status"];
    let generation = set["metadata"]["generation"].as_i64().unwrap_or(0);
    let observed = st["observedGeneration"].as_i64().unwrap_or(0);
    if observed == 0 || generation > observed {
        return (
            "Waiting for statefulset spec update to be observed...\n".into(),
            false,
        );
    }
    let want = StatefulSetSpec::of(set).unwrap_or_default().replicas();
    let left = want - st["readyReplicas"].as_i64().unwrap_or(0) as i32;
    if left > 0 {
        return (format!("Waiting for {left} pods to be ready...\n"), false);
    }
    (format!("statefulset ready: {want} pods (OnDelete: pods take a new template only when deleted)\n"), true)
}

fn bound(claim: &Value) -> bool {
    claim["status"]["phase"] == "Bound"
}

fn ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// Why a rollout is stuck: the first wanted pod that is missing or not ready (its phase, its
/// conditions that are not True, its waiting containers), or else the first unbound claim,
/// each with its last events. `events` are the namespace's, in any order.
pub fn stuck(set: &Value, pods: &[Value], claims: &[Value], events: &[Value]) -> String {
    let find = |list: &[Value], n: &str| list.iter().find(|o| meta_str(o, "name") == n).cloned();
    for name in pod_names(set) {
        match find(pods, &name) {
            None => {
                let why = last_events(events, "StatefulSet", meta_str(set, "name"));
                return format!("pod {name} has not been created{why}");
            }
            Some(p) if !ready(&p) => {
                let why = last_events(events, "Pod", &name);
                return format!("pod {name} is not ready: {}{why}", pod_state(&p));
            }
            Some(_) => {}
        }
    }
    for name in claim_names(set) {
        match find(claims, &name) {
            Some(c) if bound(&c) => {}
            c => {
                let phase = c.as_ref().map_or("not created", |c| {
                    c["status"]["phase"].as_str().unwrap_or("Pending")
                });
                let why = last_events(events, "PersistentVolumeClaim", &name);
                return format!("claim {name} is {phase}{why}");
            }
        }
    }
    "the StatefulSet controller has not reported the rollout yet".into()
}

/// `phase Pending; PodScheduled=False (Unschedulable: …); container app waiting (ImagePullBackOff)`.
fn pod_state(pod: &Value) -> String {
    let mut parts = vec![format!(
        "phase {}",
        pod["status"]["phase"].as_str().unwrap_or("Unknown")
    )];
    for c in pod["status"]["conditions"].as_array().into_iter().flatten() {
        if c["status"] != "True" {
            let mut s = format!(
                "{}={}",
                c["type"].as_str().unwrap_or(""),
                c["status"].as_str().unwrap_or("")
            );
            let reason = [c["reason"].as_str(), c["message"].as_str()];
            let detail: Vec<&str> = reason
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .collect();
            if !detail.is_empty() {
                s.push_str(&format!(" ({})", detail.join(": ")));
            }
            parts.push(s);
        }
    }
    for cs in pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if let Some(reason) = cs["state"]["waiting"]["reason"].as_str() {
            parts.push(format!("container {} waiting ({reason})", meta_str_of(cs)));
        }
    }
    parts.join("; ")
}

fn meta_str_of(container_status: &Value) -> &str {
    container_status["name"].as_str().unwrap_or("")
}

/// The last three events about one object, one per line, or nothing.
fn last_events(events: &[Value], kind: &str, name: &str) -> String {
    let mut about: Vec<&Value> = events
        .iter()
        .filter(|e| e["involvedObject"]["kind"] == kind && e["involvedObject"]["name"] == name)
        .collect();
    about.sort_by(|a, b| stamp(a).cmp(stamp(b)));
    let lines: Vec<String> = about
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|e| {
            format!(
                "\n  {} {}: {}",
                e["type"].as_str().unwrap_or("Normal"),
                e["reason"].as_str().unwrap_or(""),
                e["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    lines.concat()
}

fn stamp(e: &Value) -> &str {
    e["lastTimestamp"]
        .as_str()
        .or_else(|| e["eventTime"].as_str())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(ready: i32) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
               "metadata": {"name": "web", "generation": 1},
               "spec": {"replicas": 2, "volumeClaimTemplates": [{"metadata": {"name": "www"}}]},
               "status": {"observedGeneration": 1, "replicas": 2, "readyReplicas": ready,
                          "updatedReplicas": 2, "currentReplicas": 2,
                          "currentRevision": "web-1", "updateRevision": "web-1"}})
    }

    fn claim(name: &str, phase: &str) -> Value {
        json!({"metadata": {"name": name}, "status": {"phase": phase}})
    }

    #[test]
    fn done_needs_ready_pods_and_bound_claims() {
        let bound = [claim("www-web-0", "Bound"), claim("www-web-1", "Bound")];
        let p = progress(&set(1), &bound);
        assert_eq!((p.ready, p.want, p.done), (1, 2, false));
        assert_eq!(p.message, "Waiting for 1 pods to be ready...\n");
        assert!(progress(&set(2), &bound).done);
        let mut rolling = set(2);
        rolling["status"]["updateRevision"] = json!("web-2");
        let p = progress(&rolling, &bound);
        assert_eq!(
            p.message,
            "waiting for statefulset rolling update to complete 2 pods at revision web-2...\n"
        );
        assert!(!p.done);
        let p = progress(&set(2), &bound[..1]);
        assert_eq!(p.message, "Waiting for claim www-web-1 to be bound...\n");
        assert!(!p.done);
    }

    #[test]
    fn an_on_delete_set_is_waited_for_until_its_pods_are_ready() {
        let mut s = set(1);
        s["spec"]["updateStrategy"] = json!({"type": "OnDelete"});
        s["status"]["updateRevision"] = json!("web-2");
        let bound = [claim("www-web-0", "Bound"), claim("www-web-1", "Bound")];
        let p = progress(&s, &bound);
        assert_eq!(
            (p.message.as_str(), p.done),
            ("Waiting for 1 pods to be ready...\n", false)
        );
        s["status"]["readyReplicas"] = json!(2);
        let p = progress(&s, &bound);
        assert!(p.done, "{p:?}");
        assert_eq!(
            p.message,
            "statefulset ready: 2 pods (OnDelete: pods take a new template only when deleted)\n"
        );
    }

    #[test]
    fn a_stuck_pod_is_named_with_its_conditions_and_events() {
        let pods = [
            json!({"metadata": {"name": "web-0"}, "status": {"phase": "Running",
                   "conditions": [{"type": "Ready", "status": "True"}]}}),
            json!({"metadata": {"name": "web-1"}, "status": {"phase": "Pending",
                   "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                   "message": "0/1 nodes are available"}]}}),
        ];
        let events = [
            json!({"type": "Warning", "reason": "FailedScheduling", "message": "0/1 nodes are available",
                             "involvedObject": {"kind": "Pod", "name": "web-1"},
                             "lastTimestamp": "2026-12-01T00:00:00Z"}),
        ];
        assert_eq!(
            stuck(&set(1), &pods, &[], &events),
            "pod web-1 is not ready: phase Pending; PodScheduled=False (Unschedulable: 0/1 nodes are available)\n  Warning FailedScheduling: 0/1 nodes are available"
        );
    }

    #[test]
    fn with_every_pod_ready_the_unbound_claim_is_named() {
        let ok = |n: &str| json!({"metadata": {"name": n}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
        let pods = [ok("web-0"), ok("web-1")];
        let claims = [claim("www-web-0", "Bound"), claim("www-web-1", "Pending")];
        assert_eq!(
            stuck(&set(2), &pods, &claims, &[]),
            "claim www-web-1 is Pending"
        );
    }
}
