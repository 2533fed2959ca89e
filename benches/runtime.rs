//! Runtime costs: the StatefulSet decision over 10,000 pods, a full reconcile, table printing of
//! 10,000 rows, and store throughput.

use std::collections::BTreeMap;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};
use stsc::k8s::resources::by_kind;
use stsc::runtime::api_server::ApiServer;
use stsc::runtime::controllers;
use stsc::runtime::controllers::statefulset::{sync, Memo, PodSummary, Snapshot};
use stsc::runtime::print::table;
use stsc::runtime::store::{Key, Meta, Store};
use stsc::KubeVersion;

fn set(replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": replicas, "serviceName": "web",
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}],
        }
    })
}

fn cluster() -> ApiServer {
    let mut c = ApiServer::new(
        BTreeMap::new(),
        Meta {
            uid_seed: 1,
            ..Meta::default()
        },
        1_800_000_000,
        KubeVersion::NEWEST,
    );
    c.create(json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}, "provisioner": "x"}))
        .unwrap();
    c
}

fn settled(replicas: i64) -> ApiServer {
    let mut c = cluster();
    c.apply(set(replicas)).unwrap();
    controllers::reconcile(&mut c, usize::MAX, &mut |_| Ok::<(), ()>(())).unwrap();
    c
}

/// One durable commit of every row into a fresh store in `dir`.
fn write_all(dir: &std::path::Path, rows: &[(Key, Value)]) {
    Store::open(dir)
        .unwrap()
        .commit(rows.iter().map(|(k, v)| (k, Some(v))), &Meta::default())
        .unwrap();
}

/// Every object of a cluster, keyed as the store keys them.
fn store_rows(c: &ApiServer) -> Vec<(Key, Value)> {
    stsc::k8s::resources::RESOURCES
        .iter()
        .flat_map(|r| c.list(r).map(|(k, v)| (k.clone(), v.clone())))
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("runtime");
    g.sample_size(10);

    // STSC_BENCH_PODS shrinks the set for CI's smoke run (`cargo bench -- --test`).
    let n: i64 = std::env::var("STSC_BENCH_PODS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let big = settled(n);
    let pods: Vec<Value> = big
        .list_ns(by_kind("Pod").unwrap(), "default")
        .map(|(_, v)| v.clone())
        .collect();
    let summaries: Vec<PodSummary> = pods.iter().map(PodSummary::of).collect();
    // The memos live across syncs, as the informers keep them.
    let mut memos = vec![Memo::default(); summaries.len()];
    let the_set = big
        .get(by_kind("StatefulSet").unwrap(), "default", "web")
        .unwrap()
        .clone();
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(
        "statefulset sync decision, N pods (10000 unless STSC_BENCH_PODS)",
        |b| {
            b.iter(|| {
                let pod = |n: &str| big.get(by_kind("Pod").unwrap(), "default", n);
                let claims =
                    |n: &str| big.get(by_kind("PersistentVolumeClaim").unwrap(), "default", n);
                let snap = Snapshot {
                    set: &the_set,
                    pods: summaries.iter().collect(),
                    pod: &pod,
                    claims: &claims,
                    revisions: big
                        .list_ns(by_kind("ControllerRevision").unwrap(), "default")
                        .map(|(_, v)| v)
                        .collect(),
                    claims_have_owners: false,
                    now: big.now,
                    version: KubeVersion::NEWEST,
                };
                let mut memos: Vec<&mut Memo> = memos.iter_mut().collect();
                sync(&snap, &mut memos)
            })
        },
    );
    let refs: Vec<&Value> = pods.iter().collect();
    g.bench_function("get pods table, N rows", |b| {
        b.iter(|| {
            let r = by_kind("Pod").unwrap();
            let t = table::table(r, &refs, big.now, KubeVersion::NEWEST);
            table::print(&[(r, t)], table::PrintOptions::default())
        })
    });

    g.bench_function("reconcile 0 -> N -> 0 (in memory, OrderedReady)", |b| {
        b.iter(|| {
            let mut c = cluster();
            c.apply(set(n)).unwrap();
            controllers::reconcile(&mut c, usize::MAX, &mut |_| Ok::<(), ()>(())).unwrap();
            c.scale(by_kind("StatefulSet").unwrap(), "default", "web", 0)
                .unwrap();
            controllers::reconcile(&mut c, usize::MAX, &mut |_| Ok::<(), ()>(())).unwrap();
            c
        })
    });

    // Store throughput over the settled cluster's N pods, N claims, N volumes and events.
    let everything: Vec<(Key, Value)> = store_rows(&big);
    g.throughput(Throughput::Elements(everything.len() as u64));
    g.bench_function(
        "store: write every object of N pods (one durable commit)",
        |b| {
            b.iter(|| {
                let dir = tempfile::tempdir().unwrap();
                write_all(dir.path(), &everything);
                dir
            })
        },
    );
    let dir = tempfile::tempdir().unwrap();
    write_all(dir.path(), &everything);
    g.bench_function("store: read every object of N pods", |b| {
        b.iter(|| Store::open(dir.path()).unwrap().load().unwrap())
    });
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("store: read the N pods alone (range scan)", |b| {
        b.iter(|| {
            Store::open(dir.path())
                .unwrap()
                .load_resources(&["pods"])
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
