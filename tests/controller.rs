//! Upstream StatefulSet scenarios (kubernetes/kubernetes `test/integration/statefulset` and
//! `pkg/controller/statefulset/stateful_set_test.go`) on the in-memory API server, with
//! invariants checked after every round. One set of informers lives through each test, as in a
//! long-running controller: every write between rounds reaches the controllers only through the
//! change log, so a missed wake-up in the incremental path fails here. What the controllers did
//! is read from the API server's writes (pods created and removed), not from their messages.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};
use stsc::k8s::core::Pod;
use stsc::k8s::resources;
use stsc::runtime::api_server::{ApiServer, Cascade};
use stsc::runtime::controllers::statefulset::parent_and_ordinal;
use stsc::runtime::controllers::{self, Informers, FAULT_ANNOTATION};
use stsc::runtime::store::Meta;
use stsc::KubeVersion;

struct H {
    c: ApiServer,
    /// The controllers' caches and cursors, kept across rounds.
    inf: Informers,
    /// Pod creations and deletions in order (`+web-0`, `-web-2`).
    history: Vec<String>,
}

fn set(name: &str, replicas: i64, extra: Value) -> Value {
    let mut s = json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas, "serviceName": name,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "httpd:1"}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "datadir"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}],
        }
    });
    merge(&mut s["spec"], &extra);
    s
}

fn merge(a: &mut Value, b: &Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                if v.is_null() {
                    a.remove(k);
                } else {
                    merge(a.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (a, b) => *a = b.clone(),
    }
}

impl H {
    fn new() -> H {
        let mut c = ApiServer::new(
            BTreeMap::new(),
            Meta {
                uid_seed: 7,
                ..Meta::default()
            },
            1_800_000_000,
            KubeVersion::NEWEST,
        );
        c.create(json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "x"}))
            .unwrap();
        H {
            c,
            inf: Informers::default(),
            history: Vec::new(),
        }
    }

    fn apply(&mut self, o: Value) {
        self.c.apply(o).expect("applied");
    }

    fn pods(&self) -> Vec<(String, bool, String)> {
        let mut v: Vec<(i64, String, bool, String)> = self
            .c
            .list_ns(&resources::POD, "default")
            .map(|(k, p)| {
                let ready = Pod::of(p).ready();
                let ord = k
                    .name
                    .rsplit('-')
                    .next()
                    .and_then(|o| o.parse().ok())
                    .unwrap_or(-1);
                (
                    ord,
                    k.name.clone(),
                    ready,
                    p["metadata"]["labels"]["controller-revision-hash"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect();
        v.sort();
        v.into_iter().map(|(_, n, r, h)| (n, r, h)).collect()
    }

    fn names(&self) -> Vec<String> {
        self.pods().into_iter().map(|p| p.0).collect()
    }

    fn claims(&self) -> Vec<String> {
        self.c
            .list_ns(&resources::PERSISTENT_VOLUME_CLAIM, "default")
            .map(|(k, _)| k.name.clone())
            .collect()
    }

    /// One round of every controller; invariants after it. Returns whether anything changed.
    fn step(&mut self, ordered: bool) -> bool {
        let before = self.pods();
        let before_ready: BTreeMap<String, bool> =
            before.iter().map(|(n, r, _)| (n.clone(), *r)).collect();
        let terminating: BTreeSet<String> = self
            .c
            .list_ns(&resources::POD, "default")
            .filter(|(_, p)| !p["metadata"]["deletionTimestamp"].is_null())
            .map(|(k, _)| k.name.clone())
            .collect();
        let start = self.c.changes.len();
        let rounds =
            controllers::reconcile_with(&mut self.c, &mut self.inf, 1, &mut |_| Ok::<(), ()>(()))
                .unwrap();
        let (created, mut deleted) = self.pod_writes(start, &before);
        // Pods whose deletion was asked before the round (by the test) are not the controller's.
        deleted.retain(|n| !terminating.contains(n));
        self.history.extend(deleted.iter().map(|n| format!("-{n}")));
        self.history.extend(created.iter().map(|n| format!("+{n}")));
        if ordered {
            assert!(
                created.len() <= 1,
                "OrderedReady created {created:?} in one round"
            );
            assert!(
                deleted.len() <= 1,
                "OrderedReady deleted {deleted:?} in one round"
            );
            // A pod is created only when every lower ordinal exists and was Ready.
            for name in &created {
                let (prefix, ord) = parent_and_ordinal(name);
                for (n, ready) in &before_ready {
                    let (p, o) = parent_and_ordinal(n);
                    if p == prefix && o < ord {
                        assert!(ready, "created {name} while {n} was not Ready");
                    }
                }
            }
        }
        rounds > 0 || self.c.changes.len() > start
    }

    /// Pods created and pods removed by the writes since `start`, in the order of the writes.
    fn pod_writes(
        &self,
        start: usize,
        before: &[(String, bool, String)],
    ) -> (Vec<String>, Vec<String>) {
        let mut present: BTreeSet<String> = before.iter().map(|p| p.0.clone()).collect();
        let (mut created, mut deleted) = (Vec::new(), Vec::new());
        for ch in &self.c.changes[start..] {
            let k = &ch.key;
            if k.resource != "pods" {
                continue;
            }
            if ch.removed_uid().is_some() {
                if present.remove(&k.name) {
                    deleted.push(k.name.clone());
                }
            } else if present.insert(k.name.clone()) {
                created.push(k.name.clone());
            }
        }
        (created, deleted)
    }

    fn settle(&mut self, ordered: bool) {
        for _ in 0..500 {
            if !self.step(ordered) {
                return;
            }
        }
        panic!("no fixed point after 500 rounds");
    }

    fn fault(&mut self, pod: &str, f: Option<&str>) {
        let mut p = self.c.get(&resources::POD, "default", pod).unwrap().clone();
        match f {
            Some(f) => p["metadata"]["annotations"] = json!({FAULT_ANNOTATION: f}),
            None => {
                p["metadata"]["annotations"]
                    .as_object_mut()
                    .map(|a| a.remove(FAULT_ANNOTATION));
            }
        }
        self.c.put(p);
    }

    fn delete_pod(&mut self, pod: &str) {
        self.c
            .delete(&resources::POD, "default", pod, Cascade::Background)
            .unwrap();
    }

    fn status(&self, name: &str) -> Value {
        self.c
            .get(&resources::STATEFUL_SET, "default", name)
            .unwrap()["status"]
            .clone()
    }
}

/// Unit `CreatesPods`: 0 → 3 in order, status 3/3/3, pod-index labels.
#[test]
fn creates_pods() {
    let mut h = H::new();
    h.apply(set("ss", 3, json!({})));
    h.settle(true);
    assert_eq!(h.history, ["+ss-0", "+ss-1", "+ss-2"]);
    let st = h.status("ss");
    assert_eq!(
        (
            st["replicas"].clone(),
            st["readyReplicas"].clone(),
            st["availableReplicas"].clone(),
            st["updatedReplicas"].clone()
        ),
        (json!(3), json!(3), json!(3), json!(3))
    );
    assert_eq!(st["currentRevision"], st["updateRevision"]);
    for (i, (n, _, _)) in h.pods().iter().enumerate() {
        let p = h.c.get(&resources::POD, "default", n).unwrap();
        assert_eq!(
            p["metadata"]["labels"]["apps.kubernetes.io/pod-index"],
            json!(i.to_string())
        );
        // e2e 1: stable identity.
        assert_eq!(p["spec"]["hostname"], json!(n));
        assert_eq!(p["spec"]["subdomain"], "ss");
        assert_eq!(
            p["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
            json!(format!("datadir-{n}"))
        );
    }
    assert_eq!(h.claims(), ["datadir-ss-0", "datadir-ss-1", "datadir-ss-2"]);
}

/// Unit `ScalesUp` / `ScalesDown`, e2e 10: order up and down; PVCs kept and reused.
#[test]
fn scales_up_and_down_in_order() {
    let mut h = H::new();
    h.apply(set("ss", 3, json!({})));
    h.settle(true);
    h.apply(set("ss", 4, json!({})));
    h.settle(true);
    h.apply(set("ss", 0, json!({})));
    h.settle(true);
    assert_eq!(
        h.history,
        ["+ss-0", "+ss-1", "+ss-2", "+ss-3", "-ss-3", "-ss-2", "-ss-1", "-ss-0"]
    );
    assert!(h.names().is_empty());
    assert_eq!(h.claims().len(), 4, "claims are kept on scale-down");
    h.apply(set("ss", 2, json!({})));
    h.settle(true);
    assert_eq!(h.claims().len(), 4, "claims are reused on scale-up");
}

/// e2e 10: scaling halts while a pod is unhealthy, in both directions.
#[test]
fn halts_on_unhealthy_pods() {
    let mut h = H::new();
    h.apply(set("ss", 1, json!({})));
    h.settle(true);
    h.fault("ss-0", Some("not-ready"));
    h.settle(true);
    h.apply(set("ss", 3, json!({})));
    h.settle(true);
    assert_eq!(h.names(), ["ss-0"], "scale-up halts behind an unready pod");
    h.fault("ss-0", None);
    h.settle(true);
    assert_eq!(h.names(), ["ss-0", "ss-1", "ss-2"]);
    h.fault("ss-0", Some("not-ready"));
    h.settle(true);
    h.apply(set("ss", 1, json!({})));
    h.settle(true);
    assert_eq!(
        h.names(),
        ["ss-0", "ss-1", "ss-2"],
        "scale-down halts while an in-range pod is unready"
    );
    h.fault("ss-0", None);
    h.settle(true);
    assert_eq!(h.names(), ["ss-0"]);
}

/// e2e 3: a predecessor's failure does not deadlock a recreated pod.
#[test]
fn no_deadlock_when_a_predecessor_fails() {
    let mut h = H::new();
    h.apply(set("ss", 2, json!({})));
    h.settle(true);
    h.fault("ss-1", Some("not-ready"));
    h.settle(true);
    h.delete_pod("ss-0");
    h.settle(true);
    assert_eq!(
        h.names(),
        ["ss-0", "ss-1"],
        "ss-0 is recreated although ss-1 is unready"
    );
    h.fault("ss-1", None);
    h.settle(true);
    assert_eq!(h.status("ss")["readyReplicas"], 2);
}

/// Unit `ReplacesPods`, `RecreatesFailedPod`.
#[test]
fn replaces_deleted_and_failed_pods() {
    let mut h = H::new();
    h.apply(set("ss", 5, json!({})));
    h.settle(true);
    for p in ["ss-0", "ss-2", "ss-4"] {
        h.delete_pod(p);
    }
    h.settle(true);
    assert_eq!(h.names().len(), 5);
    let uid_before =
        h.c.get(&resources::POD, "default", "ss-3").unwrap()["metadata"]["uid"].clone();
    h.fault("ss-3", Some("fail"));
    h.settle(true);
    let p = h.c.get(&resources::POD, "default", "ss-3").unwrap();
    assert_ne!(
        p["metadata"]["uid"], uid_before,
        "a failed pod is replaced by a new one"
    );
    assert_eq!(p["status"]["phase"], "Running");
    // No pod owner references on claims under Retain.
    for (_, c) in h.c.list_ns(&resources::PERSISTENT_VOLUME_CLAIM, "default") {
        assert!(c["metadata"]["ownerReferences"].is_null());
    }
}

/// e2e 11: Parallel scaling runs to completion with unhealthy pods.
#[test]
fn parallel_burst() {
    let mut h = H::new();
    h.apply(set("ss", 1, json!({"podManagementPolicy": "Parallel"})));
    h.settle(false);
    h.fault("ss-0", Some("not-ready"));
    h.settle(false);
    h.apply(set("ss", 3, json!({"podManagementPolicy": "Parallel"})));
    h.step(false);
    assert_eq!(h.names(), ["ss-0", "ss-1", "ss-2"], "all pods in one sync");
    h.apply(set("ss", 0, json!({"podManagementPolicy": "Parallel"})));
    h.settle(false);
    assert!(h.names().is_empty());
}

/// e2e 4: rolling update in reverse ordinal order, then rollback to the earlier revision.
#[test]
fn rolling_update_and_rollback() {
    let mut h = H::new();
    h.apply(set("ss", 3, json!({})));
    h.settle(true);
    let rev1 = h.status("ss")["currentRevision"]
        .as_str()
        .unwrap()
        .to_string();
    h.history.clear();
    let v2 = json!({"template": {"spec": {"containers": [{"name": "c", "image": "httpd:2"}]}}});
    h.apply(set("ss", 3, v2));
    h.settle(true);
    assert_eq!(
        h.history,
        ["-ss-2", "+ss-2", "-ss-1", "+ss-1", "-ss-0", "+ss-0"]
    );
    let st = h.status("ss");
    let rev2 = st["updateRevision"].as_str().unwrap().to_string();
    assert_ne!(rev1, rev2);
    assert_eq!(st["currentRevision"], json!(rev2));
    assert!(h.pods().iter().all(|p| p.2 == rev2));
    // Rollback reuses the first revision (number bumped), not a new one.
    h.apply(set("ss", 3, json!({})));
    h.settle(true);
    assert_eq!(h.status("ss")["currentRevision"], json!(rev1));
    let revs: Vec<(String, i64)> =
        h.c.list_ns(&resources::CONTROLLER_REVISION, "default")
            .map(|(k, r)| (k.name.clone(), r["revision"].as_i64().unwrap()))
            .collect();
    assert_eq!(revs.len(), 2);
    assert!(revs.contains(&(rev1.clone(), 3)), "{revs:?}");
}

/// e2e 6: partitioned (canary) rolling update; pods below the partition come back at the old
/// revision.
#[test]
fn canary_with_partition() {
    let mut h = H::new();
    h.apply(set(
        "ss",
        3,
        json!({"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}}),
    ));
    h.settle(true);
    let rev1 = h.status("ss")["currentRevision"]
        .as_str()
        .unwrap()
        .to_string();
    h.apply(set(
        "ss",
        3,
        json!({"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}},
        "template": {"spec": {"containers": [{"name": "c", "image": "httpd:2"}]}}}),
    ));
    h.settle(true);
    let rev2 = h.status("ss")["updateRevision"]
        .as_str()
        .unwrap()
        .to_string();
    let revs: Vec<String> = h.pods().into_iter().map(|p| p.2).collect();
    assert_eq!(revs, [rev1.clone(), rev1.clone(), rev2.clone()]);
    h.delete_pod("ss-0");
    h.settle(true);
    assert_eq!(
        h.pods()[0].2,
        rev1,
        "below the partition a pod is restored at the current revision"
    );
    h.apply(set(
        "ss",
        3,
        json!({"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        "template": {"spec": {"containers": [{"name": "c", "image": "httpd:2"}]}}}),
    ));
    h.settle(true);
    assert!(h.pods().iter().all(|p| p.2 == rev2));
    assert_eq!(h.status("ss")["currentRevision"], json!(rev2));
}

/// e2e 9: OnDelete leaves pods alone until they are deleted.
#[test]
fn on_delete() {
    let mut h = H::new();
    let on_delete = json!({"updateStrategy": {"type": "OnDelete", "rollingUpdate": null}});
    h.apply(set("ss", 2, on_delete.clone()));
    h.settle(true);
    let mut v2 = on_delete.clone();
    merge(
        &mut v2,
        &json!({"template": {"spec": {"containers": [{"name": "c", "image": "httpd:2"}]}}}),
    );
    h.apply(set("ss", 2, v2));
    h.settle(true);
    let update = h.status("ss")["updateRevision"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        h.pods().iter().all(|p| p.2 != update),
        "no pod replaced by the template change"
    );
    h.delete_pod("ss-1");
    h.settle(true);
    assert_eq!(h.pods()[1].2, update);
    assert_ne!(h.pods()[0].2, update);
}

/// e2e 22 and 23: retention policies.
#[test]
fn claim_retention_policies() {
    let mut h = H::new();
    let p = json!({"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Delete"}});
    h.apply(set("ss", 3, p.clone()));
    h.settle(true);
    h.apply(set("ss", 1, p));
    h.settle(true);
    assert_eq!(
        h.claims(),
        ["datadir-ss-0"],
        "OnScaledown: 3 → 1 leaves only claim 0"
    );

    let mut h = H::new();
    let p = json!({"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete", "whenScaled": "Retain"}});
    h.apply(set("ss", 2, p));
    h.settle(true);
    for (_, c) in h.c.list_ns(&resources::PERSISTENT_VOLUME_CLAIM, "default") {
        assert_eq!(c["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
    }
    h.c.delete(
        &resources::STATEFUL_SET,
        "default",
        "ss",
        Cascade::Background,
    )
    .unwrap();
    h.settle(false);
    assert!(h.names().is_empty());
    assert!(h.claims().is_empty(), "WhenDeleted: claims go with the set");
    assert_eq!(
        h.c.list(&resources::PERSISTENT_VOLUME).count(),
        0,
        "and their volumes (reclaim Delete)"
    );
}

/// e2e 29–32: start ordinal changes.
#[test]
fn start_ordinal() {
    let mut h = H::new();
    h.apply(set("ss", 2, json!({})));
    h.settle(true);
    assert_eq!(h.names(), ["ss-0", "ss-1"]);
    h.apply(set("ss", 3, json!({"ordinals": {"start": 2}})));
    h.settle(true);
    assert_eq!(h.names(), ["ss-2", "ss-3", "ss-4"], "setting start");
    h.apply(set("ss", 2, json!({"ordinals": {"start": 4}})));
    h.settle(true);
    assert_eq!(h.names(), ["ss-4", "ss-5"], "increasing start");
    h.apply(set("ss", 2, json!({"ordinals": {"start": 3}})));
    h.settle(true);
    assert_eq!(h.names(), ["ss-3", "ss-4"], "decreasing start");
    h.apply(set("ss", 2, json!({"ordinals": null})));
    h.settle(true);
    assert_eq!(h.names(), ["ss-0", "ss-1"], "removing start");
}

/// Orphan deletion keeps pods; a new set with the same template adopts them without restarts.
#[test]
fn orphan_and_adopt() {
    let mut h = H::new();
    h.apply(set("ss", 2, json!({})));
    h.settle(true);
    let uids: Vec<Value> = h
        .names()
        .iter()
        .map(|n| h.c.get(&resources::POD, "default", n).unwrap()["metadata"]["uid"].clone())
        .collect();
    h.c.delete(&resources::STATEFUL_SET, "default", "ss", Cascade::Orphan)
        .unwrap();
    h.settle(true);
    assert_eq!(h.names(), ["ss-0", "ss-1"]);
    h.apply(set("ss", 2, json!({})));
    h.settle(true);
    let after: Vec<Value> = h
        .names()
        .iter()
        .map(|n| h.c.get(&resources::POD, "default", n).unwrap()["metadata"]["uid"].clone())
        .collect();
    assert_eq!(uids, after, "adopted, not recreated");
}

/// TestStatefulSetControlRollingUpdateWithMaxUnavailable: 6 pods, partition 3, maxUnavailable 2,
/// Parallel: the first update sync deletes pods 5 and 4 together, never one below the partition.
#[test]
fn rolling_update_with_max_unavailable() {
    let mut h = H::new();
    let strategy = json!({"podManagementPolicy": "Parallel",
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 3, "maxUnavailable": 2}}});
    h.apply(set("ss", 6, strategy.clone()));
    h.settle(false);
    h.history.clear();
    let mut v2 = strategy;
    v2["template"] = json!({"spec": {"containers": [{"name": "c", "image": "httpd:2"}]}});
    h.apply(set("ss", 6, v2));
    h.step(false);
    assert_eq!(h.history[..2], ["-ss-5", "-ss-4"]);
    h.settle(false);
    assert!(
        h.history
            .iter()
            .all(|e| !e.ends_with("-0") && !e.ends_with("-1") && !e.ends_with("-2")),
        "{:?}",
        h.history
    );
    assert!(h.history.contains(&"+ss-3".to_string()), "{:?}", h.history);
}
