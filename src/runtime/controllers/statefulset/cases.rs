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

/// One sync over these objects, every pod with its claim and a fresh memo.
fn run(set: &Value, pods: &[Value], revisions: &[Value]) -> Vec<Action> {
    run_with(set, pods, revisions, &mut vec![Memo::default(); pods.len()])
}

/// [`run`] with the pods' memos kept by the caller.
fn run_with(set: &Value, pods: &[Value], revisions: &[Value], memos: &mut [Memo]) -> Vec<Action> {
    let claims: Vec<Value> = pods
        .iter()
        .map(|p| claim(parent_and_ordinal(meta_str(p, "name")).1))
        .collect();
    let sums: Vec<PodSummary> = pods.iter().map(PodSummary::of).collect();
    let pod = |n: &str| pods.iter().find(|p| meta_str(p, "name") == n);
    let claim = |n: &str| claims.iter().find(|c| meta_str(c, "name") == n);
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

/// A case: its name, the set, its pods, its revisions, and the writes one sync makes.
type Case<'a> = (&'a str, Value, Vec<Value>, &'a [Value], Vec<&'a str>);

fn check(cases: Vec<Case<'_>>) {
    for (name, set, pods, revisions, want) in cases {
        let got = words(&run(&set, &pods, revisions));
        assert_eq!(got, want, "{name}");
    }
}

/// The set of 3, its revision, and an older revision every pod is still at (for the updates).
struct Fixture {
    base: Value,
    current: Vec<Value>,
    both: Vec<Value>,
    r: String,
    o: String,
    /// The set with the older revision as its current one.
    status_old: Value,
}

impl Fixture {
    fn new() -> Fixture {
        let base = set(json!({}));
        let rev = revision(&base);
        let old_set = set(
            json!({"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:0"}]}}}}),
        );
        let mut old = revision(&old_set);
        old["revision"] = json!(0);
        let (r, o) = (
            meta_str(&rev, "name").to_string(),
            meta_str(&old, "name").to_string(),
        );
        let mut status_old = base.clone();
        status_old["status"] = json!({"currentRevision": o, "currentReplicas": 3});
        Fixture {
            current: vec![rev.clone()],
            both: vec![old, rev],
            base,
            r,
            o,
            status_old,
        }
    }

    fn ready(&self, ordinal: i64) -> Value {
        pod(ordinal, "ready", &self.r, ME)
    }

    fn at_old(&self, ordinal: i64, state: &str) -> Value {
        pod(ordinal, state, &self.o, ME)
    }
}

/// CreatesPods (OrderedReady one at a time, Parallel at once), and a deleted set.
#[test]
fn creation() {
    let f = Fixture::new();
    let cur = f.current.as_slice();
    check(vec![
        // The first sync makes the revision, then web-0 with its claim first.
        (
            "creates the first pod",
            f.base.clone(),
            vec![],
            &[],
            vec!["+revision", "+claim www-web-0", "+pod web-0", "status"],
        ),
        // OrderedReady waits for web-0 to be Running and Ready.
        (
            "waits for a pod that is not ready",
            f.base.clone(),
            vec![pod(0, "running", &f.r, ME)],
            cur,
            vec!["status"],
        ),
        (
            "creates the next once ready",
            f.base.clone(),
            vec![f.ready(0)],
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
        // A set being deleted creates nothing.
        (
            "a deleted set creates nothing",
            set(json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}})),
            vec![],
            cur,
            vec!["status"],
        ),
    ]);
}

/// ScaleDown from the top, and a failed pod replaced.
#[test]
fn scaling_and_replacement() {
    let f = Fixture::new();
    let cur = f.current.as_slice();
    check(vec![
        // The highest ordinal goes first, one at a time.
        (
            "scales down from the top",
            set(json!({"spec": {"replicas": 1}})),
            vec![f.ready(0), f.ready(1), f.ready(2)],
            cur,
            vec!["-pod web-2", "status"],
        ),
        // A failed pod is deleted (and recreated by a later sync).
        (
            "deletes a failed pod",
            f.base.clone(),
            vec![f.ready(0), pod(1, "failed", &f.r, ME), f.ready(2)],
            cur,
            vec!["-pod web-1", "status"],
        ),
    ]);
}

/// Adoption and release (ClaimPods).
#[test]
fn ownership() {
    let f = Fixture::new();
    let cur = f.current.as_slice();
    check(vec![
        (
            "adopts an orphan that matches",
            f.base.clone(),
            vec![pod(0, "ready", &f.r, None)],
            cur,
            vec!["~pod web-0", "+claim www-web-1", "+pod web-1", "status"],
        ),
        // Another controller's pod is not a member: the set tries its own web-0 (the claim exists).
        (
            "leaves another controller's pod",
            f.base.clone(),
            vec![pod(0, "ready", &f.r, Some("other"))],
            cur,
            vec!["+pod web-0", "status"],
        ),
    ]);
}

/// RollingUpdate highest first, partition, OnDelete.
#[test]
fn updates() {
    let f = Fixture::new();
    let both = f.both.as_slice();
    let with = |patch: &dyn Fn(&mut Value)| {
        let mut s = f.status_old.clone();
        patch(&mut s);
        s
    };
    let all_old = || {
        vec![
            f.at_old(0, "ready"),
            f.at_old(1, "ready"),
            f.at_old(2, "ready"),
        ]
    };
    check(vec![
        // The highest pod at the old revision goes first.
        (
            "rolls the highest pod first",
            f.status_old.clone(),
            all_old(),
            both,
            vec!["-pod web-2", "status"],
        ),
        (
            "waits for the rolled pod to be ready",
            f.status_old.clone(),
            vec![
                f.at_old(0, "ready"),
                f.at_old(1, "ready"),
                pod(2, "running", &f.r, ME),
            ],
            both,
            vec!["status"],
        ),
        // Pods below the partition keep the current revision.
        (
            "stops at the partition",
            with(&|s| s["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = json!(2)),
            vec![f.at_old(0, "ready"), f.at_old(1, "ready"), f.ready(2)],
            both,
            vec!["status"],
        ),
        // OnDelete: the controller never deletes for an update.
        (
            "on delete leaves old pods",
            with(&|s| s["spec"]["updateStrategy"] = json!({"type": "OnDelete"})),
            all_old(),
            both,
            vec!["status"],
        ),
    ]);
}

/// Revisions beyond the limit that no pod uses are deleted, oldest first.
#[test]
fn history() {
    let f = Fixture::new();
    let drop_old = format!("-revision {}", f.o);
    check(vec![(
        "truncates history",
        set(json!({"spec": {"revisionHistoryLimit": 0}})),
        vec![f.ready(0), f.ready(1), f.ready(2)],
        &f.both,
        vec!["status", &drop_old],
    )]);
}

/// The per-pod memo is keyed by the set's side: memos filled by one set's sync give another set
/// (or the same set after a change) exactly what fresh memos give.
#[test]
fn a_cached_verdict_is_reused_only_for_the_same_set() {
    let set = |uid: &str, app: &str| {
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": "default", "uid": uid},
            "spec": {
                "replicas": 3, "serviceName": "nginx",
                "selector": {"matchLabels": {"app": app}},
                "template": {"metadata": {"labels": {"app": app}},
                             "spec": {"containers": [{"name": "c", "image": "i"}]}},
            },
        })
    };
    let pods: Vec<Value> = (0..2)
        .map(|i| {
            let mut p = json!({
                "metadata": {"name": format!("web-{i}"), "namespace": "default",
                             "labels": {"app": "a", "controller-revision-hash": "web-x"}},
                "status": {"phase": "Running",
                           "conditions": [{"type": "Ready", "status": "True"}]},
            });
            if i == 0 {
                p["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1",
                    "kind": "StatefulSet", "name": "web", "uid": "u1", "controller": true}]);
            }
            p
        })
        .collect();
    let fresh = || vec![Memo::default(); pods.len()];
    let sets = [
        set("u1", "a"),
        set("u2", "a"),
        set("u1", "b"),
        set("u3", "b"),
    ];
    let mut cached = fresh();
    for _ in 0..2 {
        for s in &sets {
            let kept = run_with(s, &pods, &[], &mut cached);
            assert_eq!(kept, run(s, &pods, &[]), "{s}");
        }
    }
    // The cases differ, so a wrongly reused verdict would show.
    let outs: std::collections::HashSet<String> = sets
        .iter()
        .map(|s| format!("{:?}", run(s, &pods, &[])))
        .collect();
    assert_eq!(outs.len(), sets.len());
}
