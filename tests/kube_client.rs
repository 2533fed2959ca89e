//! kube-rs as a client of `stsc serve` (no kubectl needed): typed get and list, server-side
//! apply, a patch of the scale subresource, a watcher and a reflector seeing a scale,
//! `await_condition`, and a small `kube::runtime::Controller` reconciling against it.

mod common;

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, ListParams, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::wait::await_condition;
use kube::runtime::{reflector, watcher, WatchStreamExt as _};
use kube::{Client, Config};
use serde_json::json;

use common::{client, Server};

fn web(replicas: i32) -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": replicas, "serviceName": "nginx",
            "selector": {"matchLabels": {"app": "nginx"}},
            "template": {"metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.8"}]}}}
    })
}

/// Wait at most 30 s for a future.
async fn within<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("timed out")
}

fn ready(replicas: i32) -> impl Fn(Option<&StatefulSet>) -> bool {
    move |s| {
        s.and_then(|s| s.status.as_ref())
            .is_some_and(|st| st.ready_replicas == Some(replicas))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_apis_apply_scale_watch_and_wait() {
    let s = Server::start("1.32");
    let client = client(&s).await;
    let sets: Api<StatefulSet> = Api::namespaced(client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");

    let made = sets
        .patch("web", &PatchParams::apply("probe"), &Patch::Apply(&web(2)))
        .await
        .unwrap();
    assert_eq!(made.spec.replicas, Some(2));
    let managers: Vec<_> = made.metadata.managed_fields.unwrap_or_default();
    assert_eq!(managers[0].manager.as_deref(), Some("probe"));
    within(await_condition(sets.clone(), "web", ready(2)))
        .await
        .unwrap();

    let got = sets.get("web").await.unwrap();
    assert_eq!(got.metadata.name.as_deref(), Some("web"));
    let listed = pods
        .list(&ListParams::default().labels("app=nginx"))
        .await
        .unwrap();
    let names: Vec<_> = listed
        .items
        .iter()
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    assert_eq!(names, ["web-0", "web-1"]);

    // A reflector's store follows the pods while the set scales.
    let (reader, writer) = reflector::store::<Pod>();
    let stream = reflector(writer, watcher(pods.clone(), watcher::Config::default()))
        .applied_objects()
        .boxed();
    let watching = tokio::spawn(stream.for_each(|_| async {}));
    within(reader.wait_until_ready()).await.unwrap();
    assert_eq!(reader.state().len(), 2);

    let scale = sets
        .patch_scale(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(3));
    within(await_condition(sets.clone(), "web", ready(3)))
        .await
        .unwrap();
    within(async {
        while reader.state().len() != 3 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let current = sets.get_scale("web").await.unwrap();
    assert_eq!(current.status.unwrap().replicas, 3);
    watching.abort();

    // Errors are Status objects.
    match sets.get("nosuch").await {
        Err(kube::Error::Api(status)) => {
            assert_eq!(status.code, 404);
            assert_eq!(status.message, "statefulsets.apps \"nosuch\" not found");
        }
        other => panic!("{other:?}"),
    }
    // A second manager's change to an owned field is a conflict.
    match sets
        .patch("web", &PatchParams::apply("other"), &Patch::Apply(&web(5)))
        .await
    {
        Err(kube::Error::Api(status)) => assert_eq!(status.code, 409, "{status:?}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_a_401_status() {
    let s = Server::start("1.32");
    let mut kc = Kubeconfig::read_from(&s.kubeconfig).unwrap();
    for user in &mut kc.auth_infos {
        if let Some(auth) = user.auth_info.as_mut() {
            auth.token = Some("not-the-token".to_string().into());
        }
    }
    let config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .unwrap();
    let pods: Api<Pod> = Api::namespaced(Client::try_from(config).unwrap(), "default");
    match pods.list(&ListParams::default()).await {
        Err(kube::Error::Api(status)) => {
            assert_eq!((status.code, status.reason.as_str()), (401, "Unauthorized"));
        }
        other => panic!("{other:?}"),
    }
}

/// A controller that keeps a ConfigMap `<set>-replicas` saying each set's replicas.
async fn reconcile(set: Arc<StatefulSet>, client: Arc<Client>) -> Result<Action, kube::Error> {
    let name = set.metadata.name.clone().unwrap_or_default();
    let replicas = set.spec.replicas.unwrap_or(1);
    let maps: Api<ConfigMap> = Api::namespaced((*client).clone(), "default");
    let map = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": format!("{name}-replicas")},
        "data": {"replicas": replicas.to_string()}});
    maps.patch(
        &format!("{name}-replicas"),
        &PatchParams::apply("replicas-controller").force(),
        &Patch::Apply(&map),
    )
    .await?;
    Ok(Action::await_change())
}

fn error_policy(_: Arc<StatefulSet>, _: &kube::Error, _: Arc<Client>) -> Action {
    Action::requeue(Duration::from_millis(200))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kube_runtime_controller_reconciles_against_serve() {
    let s = Server::start("1.32");
    let client = client(&s).await;
    let sets: Api<StatefulSet> = Api::namespaced(client.clone(), "default");
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let controller = Controller::new(sets.clone(), watcher::Config::default())
        .run(reconcile, error_policy, Arc::new(client.clone()))
        .for_each(|_| async {});
    let running = tokio::spawn(controller);
    sets.patch("web", &PatchParams::apply("probe"), &Patch::Apply(&web(2)))
        .await
        .unwrap();
    let says = |n: &'static str| {
        move |m: Option<&ConfigMap>| {
            m.and_then(|m| m.data.as_ref())
                .and_then(|d| d.get("replicas"))
                .is_some_and(|r| r == n)
        }
    };
    within(await_condition(maps.clone(), "web-replicas", says("2")))
        .await
        .unwrap();
    sets.patch_scale(
        "web",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"replicas": 4}})),
    )
    .await
    .unwrap();
    within(await_condition(maps.clone(), "web-replicas", says("4")))
        .await
        .unwrap();
    running.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_relabelled_out_of_a_selector_leaves_a_reflector() {
    let s = Server::start("1.32");
    let client = client(&s).await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "default");
    let map = |team: &str| {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "m", "labels": {"team": team}}, "data": {"a": "1"}})
    };
    maps.patch("m", &PatchParams::apply("probe"), &Patch::Apply(&map("a")))
        .await
        .unwrap();
    let (reader, writer) = reflector::store::<ConfigMap>();
    let cfg = watcher::Config::default().labels("team=a");
    let stream = reflector(writer, watcher(maps.clone(), cfg))
        .applied_objects()
        .boxed();
    let watching = tokio::spawn(stream.for_each(|_| async {}));
    within(reader.wait_until_ready()).await.unwrap();
    assert_eq!(reader.state().len(), 1);
    maps.patch("m", &PatchParams::apply("probe"), &Patch::Apply(&map("b")))
        .await
        .unwrap();
    within(async {
        while !reader.state().is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    maps.patch("m", &PatchParams::apply("probe"), &Patch::Apply(&map("a")))
        .await
        .unwrap();
    within(async {
        while reader.state().len() != 1 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    watching.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streaming_list_watcher_gets_its_initial_events() {
    let s = Server::start("1.32");
    let client = client(&s).await;
    let sets: Api<StatefulSet> = Api::namespaced(client, "default");
    sets.patch("web", &PatchParams::apply("probe"), &Patch::Apply(&web(1)))
        .await
        .unwrap();
    let (reader, writer) = reflector::store::<StatefulSet>();
    let cfg = watcher::Config::default().streaming_lists();
    let stream = reflector(writer, watcher(sets.clone(), cfg))
        .applied_objects()
        .boxed();
    let watching = tokio::spawn(stream.for_each(|_| async {}));
    within(reader.wait_until_ready()).await.unwrap();
    assert_eq!(reader.state().len(), 1);
    watching.abort();
}
