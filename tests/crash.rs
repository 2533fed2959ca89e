//! Crash safety: a child stsc is killed with SIGKILL at many moments while it reconciles; each
//! time the committed state must load, be consistent, and converge on the next command.
//! Also: two commands at once are serialized by the state lock.

use std::process::{Command, Stdio};
use std::time::Duration;

use stsc::runtime::store::Store;

// Enough pods that a reconcile spans several of the runtime's timed commits (100 ms apart) in
// either build profile.
const REPLICAS: usize = if cfg!(debug_assertions) { 1000 } else { 3000 };

fn spec(dir: &std::path::Path, replicas: usize) -> std::path::PathBuf {
    let p = dir.join("app.yaml");
    std::fs::write(
        &p,
        format!("name: web\nimage: nginx:1.27\nreplicas: {replicas}\nstorage:\n  - name: www\n    mountPath: /data\n    size: 1Gi\n"),
    )
    .unwrap();
    p
}

fn stsc(state: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stsc"));
    c.env("STSC_STATE", state)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// What every committed state must satisfy, however the writer died.
fn check_consistent(state: &std::path::Path) -> (usize, usize) {
    let store = Store::open(state).expect("state opens after a kill");
    let (objects, _) = store.load().expect("state loads after a kill");
    let pods: Vec<_> = objects
        .keys()
        .filter(|k| k.resource == "pods")
        .map(|k| k.name.clone())
        .collect();
    let claims: Vec<_> = objects
        .keys()
        .filter(|k| k.resource == "persistentvolumeclaims")
        .map(|k| k.name.clone())
        .collect();
    // Claims are created before their pod, in the same or an earlier transaction.
    for p in &pods {
        assert!(
            claims.contains(&format!("www-{p}")),
            "pod {p} without its claim"
        );
    }
    // OrderedReady: the pods are web-0 … web-(n-1), no gaps.
    let mut ords: Vec<usize> = pods
        .iter()
        .map(|p| p.trim_start_matches("web-").parse().unwrap())
        .collect();
    ords.sort_unstable();
    assert_eq!(
        ords,
        (0..ords.len()).collect::<Vec<_>>(),
        "ordinals stay contiguous"
    );
    // A bound claim's volume exists.
    for (k, v) in &objects {
        if k.resource == "persistentvolumeclaims" && v["status"]["phase"] == "Bound" {
            let pv = v["spec"]["volumeName"].as_str().unwrap();
            assert!(
                objects
                    .keys()
                    .any(|k| k.resource == "persistentvolumes" && k.name == pv),
                "claim {} bound to missing {pv}",
                k.name
            );
        }
    }
    (pods.len(), claims.len())
}

#[test]
fn kill_9_mid_reconcile_leaves_a_consistent_state_that_converges() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let app = spec(dir.path(), REPLICAS);
    // Calibrate: how long does a full reconcile take here, now? Kills are spread across it.
    let probe = dir.path().join("probe");
    let t0 = std::time::Instant::now();
    assert!(stsc(&probe)
        .arg("apply")
        .arg(&app)
        .status()
        .unwrap()
        .success());
    let full = t0.elapsed().as_millis() as u64;
    let mut partial_seen = 0;
    for i in 0..25u64 {
        // Alternate scaling up and down so kills land in both directions.
        let replicas = if i % 2 == 0 { REPLICAS } else { REPLICAS / 3 };
        let app = spec(dir.path(), replicas);
        let mut child = stsc(&state).arg("apply").arg(&app).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(
            full / 10 + full * 8 * ((i * 7) % 25) / 250,
        ));
        let _ = child.kill();
        let _ = child.wait();
        let (pods, _) = check_consistent(&state);
        // Neither before nor after any of the commands: the kill landed mid-reconcile.
        if pods != 0 && pods != REPLICAS && pods != REPLICAS / 3 {
            partial_seen += 1;
        }
    }
    // The next command converges from whatever was committed.
    let status = stsc(&state).arg("apply").arg(&app).status().unwrap();
    assert!(status.success());
    let (pods, claims) = check_consistent(&state);
    assert_eq!((pods, claims), (REPLICAS, REPLICAS));
    assert!(
        partial_seen > 0,
        "no kill landed mid-reconcile; the test proves nothing"
    );
}

#[test]
fn concurrent_commands_are_serialized() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let app = spec(dir.path(), 20);
    assert!(stsc(&state)
        .arg("apply")
        .arg(&app)
        .status()
        .unwrap()
        .success());
    let children: Vec<_> = (0..6)
        .map(|i| {
            stsc(&state)
                .args([
                    "scale",
                    "statefulset",
                    "web",
                    &format!("--replicas={}", if i % 2 == 0 { 5 } else { 25 }),
                ])
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let (pods, _) = check_consistent(&state);
    assert!(
        pods == 5 || pods == 25,
        "one command's end state, not a mix: {pods}"
    );
}
