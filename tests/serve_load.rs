//! A load test of `stsc serve` on loopback, bounded in count and time: clients (1, then 16)
//! each increment a shared counter with optimistic concurrency (GET, then PUT with the
//! resourceVersion read, again on 409), list pods and patch the scale, while a kube-rs watcher
//! follows the counter and, where kubectl is installed, kubectl scales, applies and gets beside
//! them. No increment may be lost, the watcher must see every value in order, and the state
//! must read back the same after a clean stop. With `STSC_LOAD_REPORT=1` it prints the figures
//! `docs/benchmarks.md` quotes (run it with `--release`); no figure is asserted.
#![allow(clippy::print_stdout)]

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::{watcher, WatchStreamExt as _};
use kube::Client;
use serde_json::json;
use tokio::sync::Mutex;

use common::{client, Server, STSC};

/// Latencies of every request, in microseconds.
type Latencies = Arc<Mutex<Vec<u64>>>;

async fn timed<T>(lat: &Latencies, f: impl std::future::Future<Output = T>) -> T {
    let start = Instant::now();
    let out = f.await;
    lat.lock().await.push(start.elapsed().as_micros() as u64);
    out
}

/// One client's work: `rounds` increments of the counter, each with a list and a scale.
async fn work(client: Client, rounds: usize, lat: Latencies) -> usize {
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let sets: Api<StatefulSet> = Api::namespaced(client, "default");
    let mut conflicts = 0;
    for i in 0..rounds {
        loop {
            let mut cm = timed(&lat, maps.get("counter")).await.unwrap();
            let data = cm.data.get_or_insert_with(Default::default);
            let n: u64 = data["count"].parse().unwrap();
            data.insert("count".into(), (n + 1).to_string());
            match timed(&lat, maps.replace("counter", &PostParams::default(), &cm)).await {
                Ok(_) => break,
                Err(kube::Error::Api(s)) if s.code == 409 => conflicts += 1,
                Err(e) => panic!("{e}"),
            }
        }
        timed(&lat, pods.list(&ListParams::default()))
            .await
            .unwrap();
        let replicas = 1 + (i % 3) as i32;
        let scale = Patch::Merge(json!({"spec": {"replicas": replicas}}));
        timed(
            &lat,
            sets.patch_scale("web", &PatchParams::default(), &scale),
        )
        .await
        .unwrap();
    }
    conflicts
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// The server's peak resident memory, in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// kubectl scaling, applying and getting beside the clients, if it is here.
fn kubectl_beside(s: &Server, rounds: usize) -> Option<std::thread::JoinHandle<()>> {
    if Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        return None;
    }
    let (kubeconfig, cache) = (s.kubeconfig.clone(), s.dir.path().join("cache"));
    let manifest = s.dir.path().join("extra.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: \"1\"\n",
    )
    .unwrap();
    Some(std::thread::spawn(move || {
        let run = |args: &[&str]| {
            let out = Command::new("kubectl")
                .args(args)
                .arg("--cache-dir")
                .arg(&cache)
                .env("KUBECONFIG", &kubeconfig)
                .output()
                .unwrap();
            assert!(out.status.success(), "kubectl {args:?}: {out:?}");
        };
        for i in 0..rounds {
            run(&["scale", "sts", "web", &format!("--replicas={}", 1 + i % 3)]);
            run(&["apply", "-f", manifest.to_str().unwrap()]);
            run(&["get", "pods,sts,cm"]);
        }
    }))
}

async fn load(concurrency: usize, rounds: usize, report: bool) {
    let mut s = Server::start("1.32");
    let c = client(&s).await;
    let maps: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    let sets: Api<StatefulSet> = Api::namespaced(c.clone(), "default");
    let counter = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "counter"}, "data": {"count": "0"}});
    maps.create(
        &PostParams::default(),
        &serde_json::from_value(counter).unwrap(),
    )
    .await
    .unwrap();
    let web = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "web"},
        "spec": {"replicas": 1, "serviceName": "web", "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}});
    sets.patch("web", &PatchParams::apply("load"), &Patch::Apply(&web))
        .await
        .unwrap();

    // The watcher records every counter value it sees.
    let seen = Arc::new(Mutex::new(Vec::<u64>::new()));
    let watch = {
        let seen = seen.clone();
        let cfg = watcher::Config::default().fields("metadata.name=counter");
        let stream = watcher(maps.clone(), cfg).applied_objects().boxed();
        tokio::spawn(stream.for_each(move |cm| {
            let seen = seen.clone();
            async move {
                if let Ok(cm) = cm {
                    let n = cm.data.unwrap_or_default()["count"].parse().unwrap();
                    seen.lock().await.push(n);
                }
            }
        }))
    };

    let lat: Latencies = Arc::default();
    let beside = kubectl_beside(&s, 3);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        tasks.push(tokio::spawn(work(client(&s).await, rounds, lat.clone())));
    }
    let mut conflicts = 0;
    for t in tasks {
        conflicts += t.await.unwrap();
    }
    let elapsed = start.elapsed();
    if let Some(b) = beside {
        b.join().unwrap();
    }

    let want = (concurrency * rounds) as u64;
    let cm = maps.get("counter").await.unwrap();
    assert_eq!(
        cm.data.unwrap()["count"],
        want.to_string(),
        "no increment is lost"
    );
    tokio::time::timeout(Duration::from_secs(10), async {
        while seen.lock().await.last() != Some(&want) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the watcher saw the last value");
    let values = seen.lock().await.clone();
    assert!(
        values.windows(2).all(|w| w[0] <= w[1]),
        "in order: {values:?}"
    );
    watch.abort();

    let mut all = lat.lock().await.clone();
    all.sort_unstable();
    let rss = peak_rss_mib(s.child.id());
    s.stop();
    // What a clean stop left on disk: the same counter.
    let out = Command::new(STSC)
        .args(["get", "configmap", "counter", "-o", "json", "--state"])
        .arg(s.state())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["data"]["count"], want.to_string());
    if report {
        println!(
            "{concurrency:>2} clients: {} requests in {:.2} s = {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} conflicts retried, server peak RSS {:.0} MiB",
            all.len(),
            elapsed.as_secs_f64(),
            all.len() as f64 / elapsed.as_secs_f64(),
            percentile(&all, 0.5),
            percentile(&all, 0.99),
            conflicts,
            rss
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_lose_no_update() {
    let report = std::env::var("STSC_LOAD_REPORT").as_deref() == Ok("1");
    let rounds = if report { 200 } else { 20 };
    load(1, rounds, report).await;
    load(16, rounds, report).await;
}
