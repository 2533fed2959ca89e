//! The seed's walk-through on the embedded runtime: every command of the transcript, with the
//! clock moved as in the transcript, compared with a golden copy and checked fact by fact.

use std::collections::HashMap;
use std::process::Command;

struct StateDir {
    dir: tempfile::TempDir,
}

impl StateDir {
    fn new() -> Self {
        StateDir {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// Run stsc at a given time (`2026-11-23T00:00:00Z` + `secs`), returning (stdout, stderr, code).
    fn run(&self, secs: i64, args: &[&str]) -> (String, String, i32) {
        let t = 1_795_392_000 + secs; // 2026-11-23T00:00:00Z
        let now = stsc::runtime::print::time::format_rfc3339(t);
        let out = Command::new(env!("CARGO_BIN_EXE_stsc"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("STSC_STATE", self.dir.path())
            .env("STSC_NOW", now)
            .env("STSC_SEED", "1")
            .env("NO_COLOR", "1")
            .output()
            .expect("stsc runs");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code().unwrap_or(-1),
        )
    }
}

/// Replace generated uids by `<uid-N>` in order of appearance, so volumes can be followed.
fn normalize(text: &str, seen: &mut HashMap<String, usize>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("pvc-") {
        out.push_str(&rest[..i + 4]);
        let tail = &rest[i + 4..];
        let uid: String = tail.chars().take(36).collect();
        let is_uid = uid.len() == 36 && uid.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if is_uid {
            let n = seen.len() + 1;
            let id = *seen.entry(uid.clone()).or_insert(n);
            let shown = format!("<uid-{id}>");
            out.push_str(&shown);
            // Keep the table aligned as it was.
            out.extend(std::iter::repeat_n(
                ' ',
                36usize.saturating_sub(shown.len()),
            ));
            rest = &tail[36..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn seed_transcript() {
    let c = StateDir::new();
    let mut seen = HashMap::new();
    let mut transcript = String::new();
    let steps: &[(i64, &[&str])] = &[
        (0, &["apply", "examples/web.yaml"]),
        (13 * 60, &["get", "statefulset,pod,pv,pvc,storageclass"]),
        (17 * 3600, &["scale", "statefulset", "web", "--replicas=3"]),
        (17 * 3600 + 50, &["get", "pods,pvc,pv"]),
        (
            17 * 3600 + 60,
            &["scale", "statefulset", "web", "--replicas=0"],
        ),
        (17 * 3600 + 259, &["get", "pods,pvc,pv"]),
        (
            17 * 3600 + 300,
            &["scale", "statefulset", "web", "--replicas=3"],
        ),
        (17 * 3600 + 384, &["get", "pods,pvc,pv"]),
        (17 * 3600 + 400, &["get", "svc", "nginx", "-o", "wide"]),
        (
            17 * 3600 + 400,
            &["get", "endpoints", "nginx", "-o", "wide"],
        ),
        (17 * 3600 + 400, &["get", "pods", "-o", "wide"]),
        (17 * 3600 + 400, &["get", "svc", "nginx-lb-svc"]),
    ];
    let mut outputs = Vec::new();
    for (t, args) in steps {
        let mut a = vec!["--kube-version", "1.28"];
        a.extend_from_slice(args);
        let (out, err, code) = c.run(*t, &a);
        assert_eq!(code, 0, "stsc {args:?}: {err}");
        let out = normalize(&out, &mut seen);
        transcript.push_str(&format!("$ stsc {}\n{out}\n", args.join(" ")));
        outputs.push(out);
    }
    insta::assert_snapshot!(transcript);

    // The facts of the seed, one by one.
    let get1 = &outputs[1];
    assert!(
        get1.contains("statefulset.apps/web   2/2     13m\n"),
        "{get1}"
    );
    assert!(get1.contains("pod/web-0   1/1     Running   0          13m\n"));
    assert!(get1.contains("pod/web-1   1/1     Running   0          13m\n"));
    for claim in ["www-web-0", "www-web-1"] {
        let row = get1
            .lines()
            .find(|l| l.starts_with(&format!("persistentvolumeclaim/{claim} ")))
            .expect("claim row");
        assert!(
            row.contains(" Bound ")
                && row.contains(" pvc-<uid-")
                && row.contains(" 1Gi ")
                && row.contains(" RWO "),
            "{row}"
        );
    }
    assert_eq!(
        get1.lines()
            .filter(|l| l.starts_with("persistentvolume/pvc-")
                && l.contains(" Delete ")
                && l.contains(" Bound "))
            .count(),
        2
    );
    // Scale to 3: a third pod and claim.
    assert!(outputs[2].contains("create Pod web-2 in StatefulSet web successful"));
    assert!(outputs[3].contains("pod/web-2   1/1     Running   0          50s"));
    assert!(outputs[3].contains("persistentvolumeclaim/www-web-2 "));
    // Scale to 0: highest ordinal first, no pods, claims and volumes kept and Bound.
    let deletes: Vec<&str> = outputs[4]
        .lines()
        .filter(|l| l.starts_with("delete Pod"))
        .collect();
    assert_eq!(
        deletes,
        [
            "delete Pod web-2 in StatefulSet web successful",
            "delete Pod web-1 in StatefulSet web successful",
            "delete Pod web-0 in StatefulSet web successful"
        ]
    );
    assert!(!outputs[5].contains("pod/"));
    assert_eq!(
        outputs[5]
            .lines()
            .filter(|l| l.starts_with("persistentvolumeclaim/") && l.contains(" Bound "))
            .count(),
        3
    );
    assert_eq!(
        outputs[5]
            .lines()
            .filter(|l| l.starts_with("persistentvolume/") && l.contains(" Bound "))
            .count(),
        3
    );
    // Scale back to 3: the same claims on the same volumes, no new claim.
    let claims = |s: &str| -> Vec<String> {
        let mut v: Vec<String> = s
            .lines()
            .filter(|l| l.starts_with("persistentvolumeclaim/"))
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .collect();
        v.sort();
        v
    };
    assert_eq!(claims(&outputs[7]), claims(&outputs[3]));
    assert!(!outputs[6].contains("create Claim"));
    // Endpoints of the headless Service: three addresses; the LB has an address.
    let ep = outputs[9].lines().nth(1).expect("endpoints row");
    assert_eq!(
        ep.split_whitespace().nth(1).map(|e| e.split(',').count()),
        Some(3),
        "{ep}"
    );
    assert!(
        outputs[8].contains("nginx   ClusterIP   None         <none>        80/TCP"),
        "{}",
        outputs[8]
    );
    let lb = outputs[11].lines().nth(1).expect("lb row");
    assert!(
        !lb.contains("<pending>") && lb.contains("LoadBalancer"),
        "{lb}"
    );
}

#[test]
fn errors_are_kubectl_style_and_leave_state_alone() {
    let c = StateDir::new();
    assert_eq!(c.run(0, &["apply", "examples/web.yaml"]).2, 0);
    for (args, expected) in [
        (
            &["get", "statefulset", "nosuch"][..],
            "Error from server (NotFound): statefulsets.apps \"nosuch\" not found\n",
        ),
        (
            &["get", "widgets"],
            "error: the server doesn't have a resource type \"widgets\"\n",
        ),
        (
            &["scale", "statefulset", "nosuch", "--replicas=1"],
            "Error from server (NotFound): statefulsets.apps \"nosuch\" not found\n",
        ),
        // Commands that only StatefulSets support name the kind as kubectl does.
        (
            &["scale", "pod/web-0", "--replicas=1"],
            "error: no scaler has been implemented for {\"\" \"Pod\"}\n",
        ),
        (
            &["rollout", "status", "svc", "nginx"],
            "error: no status viewer has been implemented for Service\n",
        ),
    ] {
        let (_, err, code) = c.run(1, args);
        assert_eq!((err.as_str(), code), (expected, 1), "{args:?}");
    }
    // An immutable change is refused whole: nothing of the file is applied.
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("web.yaml");
    let web = std::fs::read_to_string(format!("{}/examples/web.yaml", env!("CARGO_MANIFEST_DIR")))
        .unwrap();
    std::fs::write(
        &spec,
        web.replace("size: 1Gi", "size: 2Gi")
            .replace("replicas: 2", "replicas: 5"),
    )
    .unwrap();
    let (_, err, code) = c.run(2, &["apply", spec.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.ends_with("Error from server (Invalid): StatefulSet.apps \"web\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden\n"), "{err}");
    let (out, _, _) = c.run(3, &["get", "sts"]);
    assert!(out.contains("web    2/2"), "{out}");
    // Empty results.
    let (out, err, code) = c.run(3, &["get", "pods", "-l", "app=nothing"]);
    assert_eq!(
        (out.as_str(), err.as_str(), code),
        ("", "No resources found in default namespace.\n", 0)
    );
}

/// `stsc fault` breaks a pod; OrderedReady halts behind it; `rollout status` says so; healing it
/// lets the set finish. `describe` shows the set's events.
#[test]
fn faults_halt_ordered_scaling_until_healed() {
    let c = StateDir::new();
    assert_eq!(c.run(0, &["apply", "examples/web.yaml"]).2, 0);
    let (out, _, code) = c.run(10, &["fault", "pod", "web-1", "--not-ready"]);
    assert_eq!((out.as_str(), code), ("pod/web-1 fault not-ready\n", 0));
    let (out, _, code) = c.run(20, &["rollout", "status", "statefulset", "web"]);
    assert_eq!(
        (out.as_str(), code),
        ("Waiting for 1 pods to be ready...\n", 1)
    );
    let (out, _, _) = c.run(30, &["scale", "statefulset/web", "--replicas=3"]);
    assert_eq!(
        out, "statefulset.apps/web scaled\n",
        "nothing is created behind an unready pod"
    );
    let (out, _, _) = c.run(40, &["get", "pods"]);
    assert_eq!(out, "NAME    READY   STATUS    RESTARTS   AGE\nweb-0   1/1     Running   0          40s\nweb-1   0/1     Running   0          40s\n");
    let (out, _, _) = c.run(50, &["fault", "pod", "web-1", "--clear"]);
    assert!(out.starts_with("pod/web-1 healed\ncreate Claim www-web-2 Pod web-2 in StatefulSet web success\ncreate Pod web-2 in StatefulSet web successful\n"), "{out}");
    let (out, _, code) = c.run(60, &["rollout", "status", "sts/web"]);
    assert_eq!(
        (out.as_str(), code),
        (
            "partitioned roll out complete: 3 new pods have been updated...\n",
            0
        )
    );
    // A failed pod is deleted and recreated.
    let (out, _, _) = c.run(70, &["fault", "pod", "web-2", "--fail"]);
    assert!(out.contains("delete Pod web-2 in StatefulSet web successful\ncreate Pod web-2 in StatefulSet web successful"), "{out}");
    let (out, _, code) = c.run(80, &["describe", "statefulset", "web"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("Name:               web\nNamespace:          default\n"),
        "{out}"
    );
    assert!(
        out.contains("Pods Status:        3 Running / 0 Waiting / 0 Succeeded / 0 Failed\n"),
        "{out}"
    );
    assert!(
        out.contains("SuccessfulCreate")
            && out.contains("create Pod web-2 in StatefulSet web successful"),
        "{out}"
    );
}

/// Manifests applied with -f get no StorageClass made for them: the claim and its pod wait
/// (Pending) until the class exists, then bind and run.
#[test]
fn missing_storage_class_leaves_claims_pending_until_it_exists() {
    let c = StateDir::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let built = Command::new(env!("CARGO_BIN_EXE_stsc"))
        .args(["build", "-o", out.to_str().unwrap(), "examples/web.yaml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(built.status.success());
    let (_, _, code) = c.run(0, &["apply", "-f", out.to_str().unwrap()]);
    assert_eq!(code, 0);
    let (pvc, _, _) = c.run(5, &["get", "pvc,pods"]);
    assert_eq!(
        pvc,
        "NAME                              STATUS    VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS               VOLUMEATTRIBUTESCLASS   AGE\npersistentvolumeclaim/www-web-0   Pending                                      statefulset-storageclass   <unset>                 5s\n\nNAME        READY   STATUS    RESTARTS   AGE\npod/web-0   0/1     Pending   0          5s\n"
    );
    let (ev, _, _) = c.run(6, &["events"]);
    let words: Vec<String> = ev
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert!(
        words.contains(&"6s Warning ProvisioningFailed persistentvolumeclaim/www-web-0 storageclass.storage.k8s.io \"statefulset-storageclass\" not found".to_string()),
        "{ev}"
    );
    let sc = dir.path().join("sc.yaml");
    std::fs::write(&sc, "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: statefulset-storageclass\nprovisioner: example.com/disk\n").unwrap();
    let (out, _, code) = c.run(10, &["apply", "-f", sc.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("storageclass.storage.k8s.io/statefulset-storageclass created\n"),
        "{out}"
    );
    assert!(
        out.contains("create Pod web-1 in StatefulSet web successful"),
        "{out}"
    );
    let (sts, _, _) = c.run(11, &["get", "sts"]);
    assert!(sts.contains("web    2/2"), "{sts}");
}

/// A read of a settled state loads only what it prints, but a state waiting on the clock
/// (minReadySeconds) is reconciled first, so `get` shows what time has done.
#[test]
fn reads_reconcile_when_the_clock_matters_and_skip_it_when_settled() {
    let c = StateDir::new();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("slow.yaml");
    std::fs::write(
        &f,
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: slow\nspec:\n  replicas: 2\n  minReadySeconds: 30\n  serviceName: slow\n  selector:\n    matchLabels: {app: slow}\n  template:\n    metadata:\n      labels: {app: slow}\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.27\n",
    )
    .unwrap();
    let v = ["--kube-version", "1.34"];
    let run = |secs, rest: &[&str]| c.run(secs, &[&v[..], rest].concat());
    assert_eq!(run(0, &["apply", "-f", f.to_str().unwrap()]).2, 0);
    // 1.34: availability gates OrderedReady, so web-1 waits for web-0's 30 s.
    let (out, _, _) = run(10, &["get", "pods"]);
    assert_eq!(
        out,
        "NAME     READY   STATUS    RESTARTS   AGE\nslow-0   1/1     Running   0          10s\n"
    );
    let (out, _, _) = run(40, &["get", "pods"]);
    assert_eq!(
        out,
        "NAME     READY   STATUS    RESTARTS   AGE\nslow-0   1/1     Running   0          40s\nslow-1   1/1     Running   0          0s\n"
    );
    let (out, _, _) = run(80, &["get", "sts"]);
    assert_eq!(out, "NAME   READY   AGE\nslow   2/2     80s\n");
    // Settled now: reads agree with one another and with a full reconcile.
    let (a, _, _) = run(90, &["get", "pods,sts", "-o", "json"]);
    let (b, _, _) = run(90, &["get", "pods,sts", "-o", "json"]);
    assert_eq!(a, b);
    // Another version's rules are not the settled ones: that read reconciles (1.28 adds no
    // pod-index label check that differs here, so the output is the same).
    let (c28, _, code) = c.run(
        90,
        &["--kube-version", "1.28", "get", "pods,sts", "-o", "json"],
    );
    assert_eq!((c28 == a, code), (true, 0));
}

/// `publishNotReadyAddresses`: the endpoints controller lists a not-ready pod among the ready
/// addresses of a Service that tolerates unready endpoints, and among `notReadyAddresses`
/// elsewhere (endpoints_controller.go, addEndpointSubset).
#[test]
fn a_headless_service_that_publishes_not_ready_addresses_lists_every_pod() {
    let c = StateDir::new();
    assert_eq!(c.run(0, &["apply", "tests/fixtures/peers.yaml"]).2, 0);
    let (out, _, code) = c.run(10, &["fault", "pod", "db-1", "--not-ready"]);
    assert_eq!((out.as_str(), code), ("pod/db-1 fault not-ready\n", 0));
    let (out, _, _) = c.run(20, &["get", "endpoints"]);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    let addresses = |name: &str| {
        let row = rows.iter().find(|r| r[0] == name).expect(name);
        row[1].split(',').count()
    };
    assert_eq!(addresses("db-peers"), 2, "{out}");
    assert_eq!(addresses("db-client"), 1, "{out}");
}

/// A manifest whose replica count is past int32 is refused as the API server's decoder refuses
/// it, before anything is stored (it once made the controller create pods without end).
#[test]
fn a_replica_count_past_int32_is_refused_at_decoding() {
    let c = StateDir::new();
    let (built, _, code) = c.run(0, &["build", "examples/minimal.yaml"]);
    assert_eq!(code, 0);
    let big = built.replace("replicas: 1\n", "replicas: 9000000000\n");
    assert_ne!(big, built);
    let file = c.dir.path().join("big.yaml");
    std::fs::write(&file, big).unwrap();
    let (out, err, code) = c.run(0, &["apply", "-f", file.to_str().unwrap()]);
    assert_eq!((out.as_str(), code), ("", 1), "{err}");
    assert!(
        err.contains("cannot unmarshal number 9000000000 into Go struct field StatefulSetSpec.spec.replicas of type int32"),
        "{err}"
    );
    let (_, err, code) = c.run(1, &["get", "pods"]);
    assert_eq!(
        (err.as_str(), code),
        ("No resources found in default namespace.\n", 0)
    );
}
