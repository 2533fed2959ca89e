//! `stsc serve` against the real kubectl: the seed's commands, a watch, rollout status,
//! describe, delete, diff, explain, apply -k and -f, server-side apply, and the same tables as
//! `stsc get`, each on every kubectl minor the dispatcher on these machines offers. Without kubectl the tests say so and pass, unless `STSC_REQUIRE_KUBECTL=1` (CI on
//! the project's machines, which have it).
#![allow(clippy::print_stderr)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{have_kubectl, Server, STSC};

const CLASS: &str = "apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: statefulset-storageclass
provisioner: sim.stsc.dev/hostpath
reclaimPolicy: Delete
volumeBindingMode: Immediate
";

/// The seed's spec built with `stsc build -o`, and the StorageClass the seed made beforehand.
fn manifests(dir: &Path) -> (PathBuf, PathBuf) {
    let out = dir.join("out");
    let built = Command::new(STSC)
        .args(["build", "examples/web.yaml", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(built.status.success(), "{built:?}");
    let class = dir.join("class.yaml");
    std::fs::write(&class, CLASS).unwrap();
    (out, class)
}

/// Columns of a table, every AGE cell (`5s`, `2m3s`) blanked.
fn without_ages(table: &str) -> String {
    table
        .lines()
        .map(|l| {
            l.split_whitespace()
                .map(|w| {
                    let age = w.len() > 1
                        && w.ends_with(['s', 'm', 'h', 'd'])
                        && w[..w.len() - 1]
                            .chars()
                            .all(|c| c.is_ascii_digit() || "smhd".contains(c));
                    if age {
                        "AGE"
                    } else {
                        w
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Names in the first column of a table (the header left out).
fn names(table: &str) -> Vec<String> {
    table
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// The seed's walk-through through kubectl: apply, get, scale up, down to 0 and up again with
/// the same claims and volumes, the wide tables, rollout status, describe, delete.
fn seed_walk_through(s: &Server) {
    let (out, class) = manifests(s.dir.path());
    s.ok(&["apply", "-f", class.to_str().unwrap()]);
    let applied = s.ok(&["apply", "-k", out.to_str().unwrap()]);
    assert!(
        applied.contains("statefulset.apps/web created"),
        "{applied}"
    );
    s.ok(&["rollout", "status", "statefulset", "web", "--timeout=30s"]);
    let all = s.ok(&["get", "statefulset,pod,pv,pvc,storageclass"]);
    assert!(all.contains("statefulset.apps/web   2/2"), "{all}");
    assert!(
        all.contains("persistentvolumeclaim/www-web-1   Bound"),
        "{all}"
    );

    let scaled = s.ok(&["scale", "statefulset", "web", "--replicas=3"]);
    assert_eq!(scaled, "statefulset.apps/web scaled\n");
    s.wait_for(&["get", "pods"], "web-2   1/1     Running");
    let claims = names(&s.ok(&["get", "pvc"]));
    let volumes = names(&s.ok(&["get", "pv"]));
    assert_eq!(claims, ["www-web-0", "www-web-1", "www-web-2"]);
    s.ok(&["scale", "statefulset", "web", "--replicas=0"]);
    s.wait_for(&["get", "sts", "web"], "web    0/0");
    assert_eq!(
        names(&s.ok(&["get", "pvc"])),
        claims,
        "claims are kept on scale-down"
    );
    s.ok(&["scale", "statefulset", "web", "--replicas=3"]);
    s.ok(&["rollout", "status", "statefulset", "web", "--timeout=30s"]);
    assert_eq!(
        names(&s.ok(&["get", "pvc"])),
        claims,
        "claims are reused on scale-up"
    );
    assert_eq!(
        names(&s.ok(&["get", "pv"])),
        volumes,
        "and so are their volumes"
    );

    let svc = s.ok(&["get", "svc", "nginx", "-o", "wide"]);
    assert!(
        svc.contains("nginx   ClusterIP   None         <none>        80/TCP"),
        "{svc}"
    );
    let ep = s.ok(&["get", "endpoints", "nginx", "-o", "wide"]);
    assert!(ep.contains("10.244.0."), "{ep}");
    let pods = s.ok(&["get", "pods", "-o", "wide"]);
    assert_eq!(pods.lines().count(), 4, "{pods}");
    assert!(pods.contains("stsc-node"), "{pods}");
    let described = s.ok(&["describe", "statefulset", "web"]);
    assert!(
        described.contains("Replicas:           3 desired | 3 total"),
        "{described}"
    );
    let deleted = s.ok(&["delete", "pod", "web-1"]);
    assert_eq!(deleted, "pod \"web-1\" deleted\n");
    s.ok(&["rollout", "status", "statefulset", "web", "--timeout=30s"]);
    // Deleting the set takes its pods (kubectl waits for it to go) and keeps its claims.
    let deleted = s.ok(&["delete", "statefulset", "web"]);
    assert_eq!(deleted, "statefulset.apps \"web\" deleted\n");
    let start = Instant::now();
    while !s.ok(&["get", "pods", "-o", "name"]).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the pods never went"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        names(&s.ok(&["get", "pvc"])),
        claims,
        "claims outlive their set"
    );
}

/// The versions whose `/version` makes the dispatcher run each kubectl it has (1.27–1.33).
fn dispatched_versions() -> Vec<String> {
    (27..=33).map(|m| format!("1.{m}")).collect()
}

#[test]
fn the_seeds_commands_work_through_every_kubectl_the_dispatcher_runs() {
    if !have_kubectl() {
        return;
    }
    for (minor, version) in (27..=33).zip(dispatched_versions()) {
        let s = Server::start(&version);
        let v: serde_json::Value = serde_json::from_str(&s.ok(&["version", "-o", "json"])).unwrap();
        assert_eq!(v["serverVersion"]["gitVersion"], format!("v1.{minor}.0"));
        // The dispatcher's own 1.32 says "32+".
        let client = v["clientVersion"]["minor"]
            .as_str()
            .unwrap()
            .trim_end_matches('+');
        assert_eq!(
            client,
            minor.to_string(),
            "the dispatcher runs kubectl 1.{minor} for this server"
        );
        seed_walk_through(&s);
    }
}

#[test]
fn kubectl_get_prints_what_stsc_get_prints_over_the_same_state() {
    if !have_kubectl() {
        return;
    }
    for v in dispatched_versions() {
        kubectl_get_prints_what_stsc_get_prints_over_the_same_state_on(&v);
    }
}

fn kubectl_get_prints_what_stsc_get_prints_over_the_same_state_on(version: &str) {
    let mut s = Server::start(version);
    let (out, class) = manifests(s.dir.path());
    s.ok(&[
        "apply",
        "-f",
        class.to_str().unwrap(),
        "-f",
        out.join("statefulset-web.yaml").to_str().unwrap(),
    ]);
    s.ok(&[
        "apply",
        "-f",
        out.join("service-nginx.yaml").to_str().unwrap(),
    ]);
    s.ok(&["rollout", "status", "statefulset", "web", "--timeout=30s"]);
    let kinds = "statefulset,pod,pv,pvc,storageclass,svc";
    let through_kubectl = s.ok(&["get", kinds]);
    let wide = s.ok(&["get", "pods", "-o", "wide", "--show-labels"]);
    // While it serves, the folder is the server's.
    let refused = Command::new(STSC)
        .args(["get", "pods", "--state"])
        .arg(s.state())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is being served by `stsc serve`"));
    s.stop();
    let stsc = |args: &[&str]| {
        let o = Command::new(STSC)
            .args(["--kube-version", version, "--state"])
            .arg(s.state())
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        String::from_utf8(o.stdout).unwrap()
    };
    assert_eq!(
        without_ages(&stsc(&["get", kinds])),
        without_ages(&through_kubectl)
    );
    assert_eq!(
        without_ages(&stsc(&["get", "pods", "-o", "wide", "--show-labels"])),
        without_ages(&wide)
    );
}

#[test]
fn a_watch_sees_a_scale_diff_shows_a_change_and_explain_knows_the_fields() {
    if !have_kubectl() {
        return;
    }
    for v in dispatched_versions() {
        a_watch_sees_a_scale_diff_shows_a_change_and_explain_knows_the_fields_on(&v);
    }
}

fn a_watch_sees_a_scale_diff_shows_a_change_and_explain_knows_the_fields_on(version: &str) {
    let s = Server::start(version);
    let (out, class) = manifests(s.dir.path());
    s.ok(&["apply", "-f", class.to_str().unwrap()]);
    s.ok(&["apply", "-k", out.to_str().unwrap()]);
    s.ok(&["rollout", "status", "statefulset", "web", "--timeout=30s"]);
    let watch = Command::new("kubectl")
        .args(["get", "pods", "-w", "--request-timeout=4s", "--cache-dir"])
        .arg(s.dir.path().join("cache"))
        .env("KUBECONFIG", &s.kubeconfig)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    s.ok(&["scale", "sts", "web", "--replicas=4"]);
    let seen = String::from_utf8(watch.wait_with_output().unwrap().stdout).unwrap();
    assert!(
        seen.starts_with("NAME    READY   STATUS    RESTARTS   AGE\nweb-0 "),
        "{seen}"
    );
    assert!(
        seen.contains("\nweb-3   "),
        "the watch saw the new pods: {seen}"
    );

    let same = s.kubectl(&["diff", "-k", out.to_str().unwrap()]);
    // The live set has 4 replicas, the manifest 2.
    assert_eq!(same.status.code(), Some(1), "{same:?}");
    let text = String::from_utf8_lossy(&same.stdout);
    assert!(text.contains("-  replicas: 4\n+  replicas: 2"), "{text}");
    let explained = s.ok(&["explain", "statefulset.spec.replicas"]);
    assert!(
        explained.contains("FIELD: replicas <integer>"),
        "{explained}"
    );
}

#[test]
fn requests_without_the_token_are_unauthorized() {
    if !have_kubectl() {
        return;
    }
    for v in dispatched_versions() {
        requests_without_the_token_are_unauthorized_on(&v);
    }
}

fn requests_without_the_token_are_unauthorized_on(version: &str) {
    let s = Server::start(version);
    let cfg = std::fs::read_to_string(&s.kubeconfig).unwrap();
    assert!(s.url.starts_with("https://127.0.0.1:"), "{}", s.url);
    let wrong = s.dir.path().join("wrong");
    let token = cfg
        .lines()
        .find_map(|l| l.trim().strip_prefix("token: "))
        .unwrap();
    std::fs::write(&wrong, cfg.replace(token, "not-the-token")).unwrap();
    let out = Command::new("kubectl")
        .args(["get", "pods", "--cache-dir"])
        .arg(s.dir.path().join("cache2"))
        .env("KUBECONFIG", &wrong)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    // kubectl's words for a 401, as against a real cluster.
    assert!(err.contains("error: You must be logged in to the server (the server has asked for the client to provide credentials)"), "{err}");
}

#[test]
fn server_side_apply_with_two_field_managers_and_a_conflict() {
    if !have_kubectl() {
        return;
    }
    for v in dispatched_versions() {
        server_side_apply_with_two_field_managers_and_a_conflict_on(&v);
    }
}

fn server_side_apply_with_two_field_managers_and_a_conflict_on(version: &str) {
    let s = Server::start(version);
    let (out, class) = manifests(s.dir.path());
    let web = out.join("statefulset-web.yaml");
    let four = s.dir.path().join("web-4.yaml");
    let text = std::fs::read_to_string(&web).unwrap();
    std::fs::write(&four, text.replace("replicas: 2", "replicas: 4")).unwrap();
    let (web, four) = (web.to_str().unwrap(), four.to_str().unwrap());
    s.ok(&["apply", "--server-side", "-f", class.to_str().unwrap()]);
    assert_eq!(
        s.ok(&["apply", "--server-side", "-f", web]),
        "statefulset.apps/web serverside-applied\n"
    );
    // A second manager applying the same values co-owns them.
    s.ok(&["apply", "--server-side", "--field-manager=other", "-f", web]);
    let refused = s.kubectl(&[
        "apply",
        "--server-side",
        "--field-manager=other",
        "-f",
        four,
    ]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.starts_with(
            "error: Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas\n"
        ),
        "{err}"
    );
    s.ok(&[
        "apply",
        "--server-side",
        "--field-manager=other",
        "--force-conflicts",
        "-f",
        four,
    ]);
    s.wait_for(&["get", "sts", "web"], "web    4/4");
    // kubectl scale takes the replicas; the first manager's apply now conflicts with it.
    s.ok(&["scale", "sts", "web", "--replicas=3"]);
    let refused = s.kubectl(&[
        "apply",
        "--server-side",
        "--field-manager=other",
        "-f",
        four,
    ]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.starts_with("error: Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas\n"),
        "{err}"
    );
    let fields = s.ok(&["get", "sts", "web", "-o", "json", "--show-managed-fields"]);
    let v: serde_json::Value = serde_json::from_str(&fields).unwrap();
    let managers: Vec<(String, String)> = v["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["manager"].as_str().unwrap().into(),
                e["operation"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        managers.contains(&("other".into(), "Apply".into())),
        "{managers:?}"
    );
    assert!(
        managers.contains(&("kubectl".into(), "Update".into())),
        "{managers:?}"
    );
}

#[test]
fn apply_of_a_build_directory_applies_its_objects_and_names_the_kustomization_as_a_cluster_does() {
    if !have_kubectl() {
        return;
    }
    for v in dispatched_versions() {
        apply_of_a_build_directory_applies_its_objects_and_names_the_kustomization_as_a_cluster_does_on(&v);
    }
}

fn apply_of_a_build_directory_applies_its_objects_and_names_the_kustomization_as_a_cluster_does_on(
    version: &str,
) {
    let s = Server::start(version);
    let (out, _) = manifests(s.dir.path());
    let applied = s.kubectl(&["apply", "-f", out.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&applied.stdout);
    let stderr = String::from_utf8_lossy(&applied.stderr);
    assert!(stdout.contains("statefulset.apps/web created"), "{stdout}");
    assert_eq!(applied.status.code(), Some(1));
    assert!(
        stderr.contains("no matches for kind \"Kustomization\" in version \"kustomize.config.k8s.io/v1beta1\"\nensure CRDs are installed first"),
        "{stderr}"
    );
}
