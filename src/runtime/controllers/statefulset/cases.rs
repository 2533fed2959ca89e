//! The sync as a table of (state → actions), after upstream's controller unit tests
//! (kubernetes/kubernetes `pkg/controller/statefulset/stateful_set_control_test.go`): each case
//! is a set, its pods and revisions, and the writes one sync makes, in order.

use serde_json::{json, Value};

use super::*;

/// A set of 3 replicas with one claim template, as the API server stores it.
fn set(extra: Value) -> Value {
    let mut s = json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "default", "uid": "set-uid", "generation": 1},
        "spec": {
            "replicas": 3, "serviceName": "nginx",
            "selector": {"matchLabels": {"app": "web"}},
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "revisionHistoryLimit": 10,
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "nginx", "image": "nginx:1"}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {
                "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}],
        },
    });
    merge(&mut s, &extra);
    s
}

fn merge(a: &mut Value, b: &Value) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (a, b) => *a = b.clone(),
    }
}

/// The revision a set's template gets (what the first sync creates).
fn revision(set: &Value) -> Value {
    let first = run(set, &[], &[]);
    first
        .into_iter()
        .find_map(|a| match a {
            Action::CreateRevision(r) => Some(r),
            _ => None,
        })
        .expect("a first sync makes a revision")
}

/// A pod of the set: `state` is `ready`, `running` (not ready), `pending`, `failed`; `rev` is
/// its revision label; `owner` its controller uid (none for an orphan).
fn pod(ordinal: i64, state: &str, rev: &str, owner: Option<&str>) -> Value {
    let name = format!("web-{ordinal}");
    let phase = match state {
        "ready" | "running" => "Running",
        "pending" => "Pending",
        _ => "Failed",
    };
    let mut p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "uid": format!("pod-{ordinal}"),
                     "labels": {"app": "web", "controller-revision-hash": rev,
                                "statefulset.kubernetes.io/pod-name": name,
                                "apps.kubernetes.io/pod-index": ordinal.to_string()}},
        "spec": {"volumes": [{"name": "www", "persistentVolumeClaim": {"claimName": format!("www-web-{ordinal}")}}]},
        "status": {"phase": phase, "conditions": [{"type": "Ready",
            "status": if state == "ready" { "True" } else { "False" },
            "lastTransitionTime": "2026-01-01T00:00:00Z"}]},
    });
    if let Some(uid) = owner {
        p["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "StatefulSet",
            "name": "web", "uid": uid, "controller": true}]);
    }
    p
}

fn claim(ordinal: i64) -> Value {
    json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": {"name": format!("www-web-{ordinal}"), "namespace": "default"}})
}

/// One sync over these objects (every pod has its claim unless `claims` says otherwise).
fn run(set: &Value, pods: &[Value], revisions: &[Value]) -> Vec<Action> {
    let claims: Vec<Value> = pods
        .iter()
        .map(|p| claim(parent_and_ordinal(meta_str(p, "name")).1))
        .collect();
    let sums: Vec<PodSummary> = pods.iter().map(PodSummary::of).collect();
    let pod = |n: &str| pods.iter().find(|p| meta_str(p, "name") == n);
    let claim = |n: &str| claims.iter().find(|c| meta_str(c, "name") == n);
    let mut memos = vec![Memo::default(); sums.len()];
    let mut memos: Vec<&mut Memo> = memos.iter_mut().collect();
    sync(
        &Snapshot {
            set,
            pods: sums.iter().collect(),
            pod: &pod,
            claims: &claim,
            revisions: revisions.iter().collect(),
            claims_have_owners: false,
            now: 1_800_000_000,
            version: KubeVersion::NEWEST,
        },
        &mut memos,
    )
}

/// Actions as short words: `+pod web-0`, `-pod web-2`, `~pod web-0`, `+claim www-web-0`,
/// `+revision`, `-revision NAME`, `status`; events are left out (they restate the writes).
fn words(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| {
            Some(match a {
                Action::CreateClaim(c) => format!("+claim {}", meta_str(c, "name")),
                Action::UpdateClaim(c) => format!("~claim {}", meta_str(c, "name")),
                Action::CreatePod(p) => format!("+pod {}", meta_str(p, "name")),
                Action::UpdatePod(p) => format!("~pod {}", meta_str(p, "name")),
                Action::DeletePod(n) => format!("-pod {n}"),
                Action::CreateRevision(_) => "+revision".into(),
                Action::UpdateRevision(r) => format!("~revision {}", meta_str(r, "name")),
                Action::DeleteRevision(n) => format!("-revision {n}"),
                Action::Status(_) => "status".into(),
                Action::Event(..) => return None,
            })
        })
        .collect()
}

const ME: Option<&str> = Some("set-uid");

#[test]
fn the_sync_table() {
    let base = set(json!({}));
    let rev = revision(&base);
    let r = meta_str(&rev, "name").to_string();
    let cur = std::slice::from_ref(&rev);
    let ready = |o| pod(o, "ready", &r, ME);
    // An older revision every pod is still at, for the rolling-update cases.
    let old_set = set(
        json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:0"}]}}}}),
    );
    let mut old = revision(&old_set);
    old["revision"] = json!(0);
    let o = meta_str(&old, "name").to_string();
    let both = [old.clone(), rev.clone()];
    let at_old = |n, state| pod(n, state, &o, ME);
    let drop_old = format!("-revision {o}");
    let mut status_old = base.clone();
    status_old["status"] = json!({"currentRevision": o, "currentReplicas": 3});

    #[allow(clippy::type_complexity)]
    let cases: Vec<(&str, Value, Vec<Value>, &[Value], Vec<&str>)> = vec![
        // CreatesPods: the first sync makes the revision, then web-0 with its claim first.
        (
            "creates the first pod",
            base.clone(),
            vec![],
            &[],
            vec!["+revision", "+claim www-web-0", "+pod web-0", "status"],
        ),
        // OrderedReady waits for web-0 to be Running and Ready.
        (
            "waits for a pod that is not ready",
            base.clone(),
            vec![pod(0, "running", &r, ME)],
            cur,
            vec!["status"],
        ),
        (
            "creates the next once ready",
            base.clone(),
            vec![ready(0)],
            cur,
            vec!["+claim www-web-1", "+pod web-1", "status"],
        ),
        // Parallel creates every missing replica in one sync.
        (
            "parallel creates all",
            set(json!({"spec": {"podManagementPolicy": "Parallel"}})),
            vec![],
            &[],
            vec![
                "+revision",
                "+claim www-web-0",
                "+pod web-0",
                "+claim www-web-1",
                "+pod web-1",
                "+claim www-web-2",
                "+pod web-2",
                "status",
            ],
        ),
        // ScaleDown: the highest ordinal goes first, one at a time.
        (
            "scales down from the top",
            set(json!({"spec": {"replicas": 1}})),
            vec![ready(0), ready(1), ready(2)],
            cur,
            vec!["-pod web-2", "status"],
        ),
        // A failed pod is deleted (and recreated by a later sync).
        (
            "deletes a failed pod",
            base.clone(),
            vec![ready(0), pod(1, "failed", &r, ME), ready(2)],
            cur,
            vec!["-pod web-1", "status"],
        ),
        // A set being deleted creates nothing.
        (
            "a deleted set creates nothing",
            set(json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}})),
            vec![],
            cur,
            vec!["status"],
        ),
        // Adoption and release (ClaimPods).
        (
            "adopts an orphan that matches",
            base.clone(),
            vec![pod(0, "ready", &r, None)],
            cur,
            vec!["~pod web-0", "+claim www-web-1", "+pod web-1", "status"],
        ),
        // Another controller's pod is not a member: the set tries its own web-0 (the claim exists).
        (
            "leaves another controller's pod",
            base.clone(),
            vec![pod(0, "ready", &r, Some("other"))],
            cur,
            vec!["+pod web-0", "status"],
        ),
        // RollingUpdate: the highest pod at the old revision goes first.
        (
            "rolls the highest pod first",
            status_old.clone(),
            vec![at_old(0, "ready"), at_old(1, "ready"), at_old(2, "ready")],
            &both,
            vec!["-pod web-2", "status"],
        ),
        (
            "waits for the rolled pod to be ready",
            status_old.clone(),
            vec![
                at_old(0, "ready"),
                at_old(1, "ready"),
                pod(2, "running", &r, ME),
            ],
            &both,
            vec!["status"],
        ),
        // Partition: pods below it keep the current revision.
        (
            "stops at the partition",
            {
                let mut s = status_old.clone();
                s["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = json!(2);
                s
            },
            vec![at_old(0, "ready"), at_old(1, "ready"), ready(2)],
            &both,
            vec!["status"],
        ),
        // OnDelete: the controller never deletes for an update.
        (
            "on delete leaves old pods",
            {
                let mut s = status_old.clone();
                s["spec"]["updateStrategy"] = json!({"type": "OnDelete"});
                s
            },
            vec![at_old(0, "ready"), at_old(1, "ready"), at_old(2, "ready")],
            &both,
            vec!["status"],
        ),
        // History: revisions beyond the limit that no pod uses are deleted, oldest first.
        (
            "truncates history",
            set(json!({"spec": {"revisionHistoryLimit": 0}})),
            vec![ready(0), ready(1), ready(2)],
            &both,
            vec!["status", &drop_old],
        ),
    ];
    for (name, set, pods, revisions, want) in cases {
        let got = words(&run(&set, &pods, revisions));
        assert_eq!(got, want, "{name}");
    }
}
