//! `--kubeconfig` on the runtime commands, end to end against `stsc serve` standing in for a
//! cluster: the very requests a real cluster gets, from a working folder with no local state.
#![cfg(feature = "cluster")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{Server, STSC};

/// A working folder with the seed's spec and its StorageClass, and no `.stsc`.
struct Work {
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl Work {
    fn new(s: &Server) -> Work {
        let dir = tempfile::tempdir().unwrap();
        let web =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/web.yaml"))
                .unwrap();
        std::fs::write(dir.path().join("web.yaml"), &web).unwrap();
        let edit = |name: &str, from: &str, to: &str| {
            assert!(web.contains(from));
            std::fs::write(dir.path().join(name), web.replace(from, to)).unwrap();
        };
        edit("image.yaml", "nginx-slim:0.8", "nginx-slim:0.9");
        edit("bigger.yaml", "size: 1Gi", "size: 2Gi");
        let at = web.find("loadBalancer:").unwrap();
        std::fs::write(dir.path().join("no-lb.yaml"), &web[..at]).unwrap();
        std::fs::write(
            dir.path().join("class.yaml"),
            "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: statefulset-storageclass\nprovisioner: sim.stsc.dev/hostpath\n",
        )
        .unwrap();
        Work {
            dir,
            kubeconfig: s.kubeconfig.clone(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(STSC)
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .current_dir(self.path())
            .env_remove("STSC_STATE")
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }

    /// stdout of a command that must exit 0.
    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const APPLIED: &str = "serviceaccount/statefulset-sa created
clusterrole.rbac.authorization.k8s.io/statefulset-cr created
clusterrolebinding.rbac.authorization.k8s.io/statefulset-rb created
service/nginx created
service/nginx-lb-svc created
statefulset.apps/web created
";

#[test]
fn apply_wait_scale_diff_refuse_prune_get_delete() {
    let s = Server::start("1.33");
    let w = Work::new(&s);
    assert_eq!(
        w.ok(&["apply", "-f", "class.yaml"]),
        "storageclass.storage.k8s.io/statefulset-storageclass created\n"
    );
    let permissions = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/cluster/permissions.yaml"
    );
    assert_eq!(
        w.ok(&["apply", "-f", permissions]),
        "clusterrole.rbac.authorization.k8s.io/stsc-deployer created\n"
    );
    let dry = w.ok(&["apply", "web.yaml", "--dry-run=server"]);
    assert_eq!(dry, APPLIED.replace('\n', " (server dry run)\n"));
    assert_eq!(w.ok(&["get", "statefulsets", "-o", "name"]), "");

    let applied = w.ok(&["apply", "web.yaml", "--wait", "--timeout", "60s"]);
    assert_eq!(
        applied,
        format!("{APPLIED}statefulset/web rolled out: 2/2 pods ready\n")
    );
    assert_eq!(
        w.ok(&["get", "pods", "-o", "name"]),
        "pod/web-0\npod/web-1\n"
    );
    let again = w.ok(&["apply", "web.yaml"]);
    assert_eq!(again, APPLIED.replace("created", "unchanged"));

    // What `stsc build -o` wrote, read in file-name order, is sent in install order.
    let built = Command::new(STSC)
        .args(["build", "web.yaml", "-o", "deploy"])
        .current_dir(w.path())
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    let files = w.ok(&[
        "apply",
        "-f",
        "deploy",
        "--inventory",
        "web",
        "--dry-run=server",
    ]);
    assert_eq!(
        files,
        APPLIED.replace("created", "unchanged (server dry run)")
    );

    let scaled = w.ok(&["scale", "statefulset", "web", "--replicas=3", "--wait"]);
    assert_eq!(
        scaled,
        "statefulset.apps/web scaled\nstatefulset/web rolled out: 3/3 pods ready\n"
    );
    let claims = w.ok(&["get", "pvc", "-o", "name"]);
    assert_eq!(claims, "persistentvolumeclaim/www-web-0\npersistentvolumeclaim/www-web-1\npersistentvolumeclaim/www-web-2\n");

    // The scale subresource owns .spec.replicas now: a diff says so until it is forced.
    let conflict = w.run(&["diff", "image.yaml"]);
    assert_eq!(code(&conflict), 2);
    assert!(stderr(&conflict).contains("Error from server (Conflict): Apply failed with 1 conflict: conflict with \"stsc\" with subresource \"scale\" using apps/v1: .spec.replicas\n"), "{}", stderr(&conflict));
    assert!(stderr(&conflict).contains("--force-conflicts"));
    assert!(!stderr(&conflict).contains("nothing applied"));
    let d = w.run(&["diff", "image.yaml", "--force-conflicts"]);
    assert_eq!(code(&d), 1, "{}", stderr(&d));
    let text = String::from_utf8(d.stdout).unwrap();
    assert!(text.starts_with("diff -u -N live/apps.v1.StatefulSet.default.web merged/apps.v1.StatefulSet.default.web\n--- live/apps.v1.StatefulSet.default.web\n+++ merged/apps.v1.StatefulSet.default.web\n"), "{text}");
    assert!(
        text.contains("\n-  replicas: 3\n+  replicas: 2\n"),
        "{text}"
    );
    assert!(text.contains("\n-      - image: k8s.gcr.io/nginx-slim:0.8\n+      - image: k8s.gcr.io/nginx-slim:0.9\n"), "{text}");
    assert!(
        !text.contains("managedFields") && !text.contains("resourceVersion"),
        "{text}"
    );
    w.ok(&["apply", "web.yaml", "--force-conflicts", "--wait"]);
    let same = w.run(&["diff", "web.yaml"]);
    assert_eq!(
        (code(&same), same.stdout.len()),
        (0, 0),
        "{}",
        stderr(&same)
    );

    // An immutable change is refused at the spec's line, with the remedy, and nothing changes.
    let refused = w.run(&["apply", "bigger.yaml"]);
    assert_eq!(code(&refused), 1);
    let err = stderr(&refused);
    assert!(err.contains("bigger.yaml:20:11: error[immutable-field]: StatefulSet \"web\": spec: Forbidden: updates to statefulset spec for fields other than"), "{err}");
    assert!(err.contains("(changed spec.volumeClaimTemplates[0].spec.resources.requests.storage: \"1Gi\" → \"2Gi\")"), "{err}");
    assert!(err.contains("= help: claim templates never change existing claims: resize www-web-0, www-web-1 first"), "{err}");
    assert!(err.ends_with("Error from server (Invalid): StatefulSet.apps \"web\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden\nstsc: nothing applied\n"), "{err}");
    assert!(refused.stdout.is_empty());
    let d = w.run(&["diff", "bigger.yaml"]);
    assert_eq!(code(&d), 2);
    assert!(
        stderr(&d).contains("\nbigger.yaml:20:11: error[immutable-field]"),
        "{}",
        stderr(&d)
    );
    // diff never applies, so it does not say "nothing applied".
    assert!(
        stderr(&d).ends_with("'minReadySeconds' are forbidden\n"),
        "{}",
        stderr(&d)
    );

    // Prune: listed under --dry-run, then deleted; what stays is untouched.
    let listed = w.ok(&["apply", "no-lb.yaml", "--prune", "--dry-run=server"]);
    assert!(listed.ends_with("statefulset.apps/web unchanged (server dry run)\nservice/nginx-lb-svc pruned (server dry run)\n"), "{listed}");
    w.ok(&["get", "service", "nginx-lb-svc"]);
    let pruned = w.ok(&["apply", "no-lb.yaml", "--prune"]);
    assert!(
        pruned.ends_with("statefulset.apps/web unchanged\nservice/nginx-lb-svc pruned\n"),
        "{pruned}"
    );
    let gone = w.run(&["get", "service", "nginx-lb-svc"]);
    assert_eq!(code(&gone), 1);
    assert_eq!(
        stderr(&gone),
        "Error from server (NotFound): services \"nginx-lb-svc\" not found\n"
    );
    assert!(!w.ok(&["apply", "no-lb.yaml", "--prune"]).contains("pruned"));

    assert_eq!(
        w.ok(&["rollout", "status", "statefulset/web"]),
        "partitioned roll out complete: 2 new pods have been updated...\n"
    );
    let described = w.ok(&["describe", "statefulset", "web"]);
    assert!(
        described.starts_with("Name:               web\nNamespace:          default\n"),
        "{described}"
    );
    assert!(
        described.contains("create Pod web-1 in StatefulSet web successful"),
        "{described}"
    );
    assert!(w.ok(&["events"]).contains("SuccessfulCreate"));
    let table = w.ok(&["get", "statefulset"]);
    assert!(
        table.starts_with("NAME   READY   AGE\nweb    2/2     "),
        "{table}"
    );

    assert_eq!(
        w.ok(&["delete", "statefulset", "web"]),
        "statefulset.apps \"web\" deleted\n"
    );
    let start = std::time::Instant::now();
    while !w.ok(&["get", "pods", "-o", "name"]).is_empty() {
        assert!(
            start.elapsed().as_secs() < 30,
            "the pods were never collected"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let missing = w.run(&["delete", "statefulset", "web"]);
    assert_eq!(
        (code(&missing), stderr(&missing)),
        (
            1,
            "Error from server (NotFound): statefulsets.apps \"web\" not found\n".into()
        )
    );
    assert!(
        !w.path().join(".stsc").exists(),
        "a cluster command wrote local state"
    );
}

#[test]
fn a_rollout_that_cannot_finish_times_out_naming_the_pod_and_why() {
    let s = Server::start("1.33");
    let w = Work::new(&s);
    let o = w.run(&["apply", "web.yaml", "--wait", "--timeout", "2s"]);
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(err.contains("Warning: StorageClass \"statefulset-storageclass\" does not exist on the cluster: the claims of statefulset.apps/web stay Pending until it does\n"), "{err}");
    assert!(err.contains("error: timed out waiting for the condition on statefulsets/web: pod web-0 is not ready: phase Pending; PodScheduled=False (Unschedulable: 0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.)"), "{err}");
    assert_eq!(String::from_utf8(o.stdout).unwrap(), APPLIED);
}

#[test]
fn connection_problems_are_one_line_and_exit_2() {
    let s = Server::start("1.33");
    let w = Work::new(&s);
    let one_line = |o: &Output, want: &str| {
        assert_eq!(stderr(o), format!("{want}\n"));
        assert_eq!(code(o), 2);
    };
    one_line(
        &w.run(&["get", "pods", "--context", "nope"]),
        "error: context was not found for specified context: nope",
    );
    let missing = Command::new(STSC)
        .args(["get", "pods", "--kubeconfig", "/nonexistent/config"])
        .output()
        .unwrap();
    one_line(
        &missing,
        "error: cannot read kubeconfig /nonexistent/config: No such file or directory (os error 2)",
    );

    let config = std::fs::read_to_string(&s.kubeconfig).unwrap();
    let port = s.url.rsplit(':').next().unwrap();
    let closed = w.path().join("closed");
    std::fs::write(&closed, config.replace(&format!(":{port}"), ":1")).unwrap();
    let o = Command::new(STSC)
        .args(["get", "pods", "--kubeconfig"])
        .arg(&closed)
        .output()
        .unwrap();
    one_line(
        &o,
        "Unable to connect to the server: https://127.0.0.1:1: Connection refused (os error 111)",
    );

    // Another server's certificate authority does not vouch for this server.
    let other = Server::start("1.33");
    let theirs = std::fs::read_to_string(&other.kubeconfig).unwrap();
    let ca = |c: &str| {
        c.lines()
            .find(|l| l.contains("certificate-authority-data"))
            .unwrap()
            .to_string()
    };
    let wrong_ca = w.path().join("wrong-ca");
    std::fs::write(&wrong_ca, config.replace(&ca(&config), &ca(&theirs))).unwrap();
    let o = Command::new(STSC)
        .args(["get", "pods", "--kubeconfig"])
        .arg(&wrong_ca)
        .output()
        .unwrap();
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).starts_with("Unable to connect to the server: https://127.0.0.1:"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains(" (certificate signed by unknown authority: the kubeconfig's certificate-authority-data does not vouch for this server)\n"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o).lines().count(), 1);

    let token = config
        .lines()
        .find(|l| l.trim_start().starts_with("token:"))
        .unwrap();
    let bad_token = w.path().join("bad-token");
    std::fs::write(&bad_token, config.replace(token, "    token: wrong")).unwrap();
    let o = Command::new(STSC)
        .args(["get", "pods", "--kubeconfig"])
        .arg(&bad_token)
        .output()
        .unwrap();
    assert_eq!(
        stderr(&o),
        "error: You must be logged in to the server (Unauthorized)\n"
    );
    assert_eq!(code(&o), 1);
}

#[test]
fn flags_that_need_a_cluster_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(STSC)
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let web = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/web.yaml");
    let o = run(&["apply", web, "--prune"]);
    assert_eq!(
        (code(&o), stderr(&o)),
        (
            2,
            "error: --prune needs a cluster: add --kubeconfig FILE or --context NAME\n".into()
        )
    );
    let o = run(&["diff", web]);
    assert_eq!(
        (code(&o), stderr(&o)),
        (
            2,
            "error: stsc diff compares with a cluster: add --kubeconfig FILE or --context NAME\n"
                .into()
        )
    );
    let o = run(&[
        "apply",
        "-f",
        web,
        "--prune",
        "--kubeconfig",
        "/nonexistent",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).starts_with("error: --prune with -f needs --inventory NAME"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join(".stsc").exists());
}

/// A spec whose account has namespaced rules (a Role and RoleBinding) in a namespace of its own.
const PEERS: &str = "name: peers
namespace: team
image: busybox:1.36
serviceAccount:
  name: peers
  rules:
    - apiGroups: [\"\"]
      resources: [endpoints]
      verbs: [get, list]
";

/// One request as RBAC sees it: (verb, API group, resource or `resource/subresource`), or
/// None for discovery, version and OpenAPI, which every authenticated user may read.
fn rbac_request(line: &str) -> Option<(String, String, String)> {
    let mut words = line.split(' ');
    let (method, uri) = (words.next()?, words.next()?);
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, rest) = match segs.as_slice() {
        ["api", "v1", rest @ ..] if !rest.is_empty() => ("", rest),
        ["apis", group, _version, rest @ ..] if !rest.is_empty() => (*group, rest),
        _ => return None,
    };
    let rest = match rest {
        ["namespaces", _ns, inner @ ..] if !inner.is_empty() => inner,
        other => other,
    };
    let (resource, named) = match rest {
        [r] => (r.to_string(), false),
        [r, _name] => (r.to_string(), true),
        [r, _name, sub] => (format!("{r}/{sub}"), true),
        _ => panic!("unexpected path {path}"),
    };
    let verb = match (method, named) {
        ("GET", true) => "get",
        ("GET", false) if query.contains("watch=true") => "watch",
        ("GET", false) => "list",
        ("PATCH", _) => "patch",
        ("PUT", _) => "update",
        ("POST", _) => "create",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => panic!("unexpected method in {line}"),
    };
    Some((verb.into(), group.into(), resource))
}

/// Whether one of a ClusterRole's rules allows the request.
fn allowed(
    rules: &[serde_json::Value],
    (verb, group, resource): &(String, String, String),
) -> bool {
    let has = |rule: &serde_json::Value, field: &str, want: &str| {
        rule[field]
            .as_array()
            .is_some_and(|l| l.iter().any(|v| v == want || v == "*"))
    };
    rules.iter().any(|r| {
        has(r, "verbs", verb) && has(r, "apiGroups", group) && has(r, "resources", resource)
    })
}

/// `examples/cluster/permissions.yaml` grants every request the cluster commands make: the
/// server's request log, read as RBAC reads a request, against the ClusterRole's rules, for
/// specs that produce every kind stsc emits and every command of the README.
#[test]
fn the_documented_cluster_role_allows_every_request_stsc_makes() {
    let s = Server::start_logged("1.33");
    let w = Work::new(&s);
    std::fs::write(w.path().join("peers.yaml"), PEERS).unwrap();
    let postgres = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/postgres.yaml");
    w.ok(&["apply", "-f", "class.yaml"]);
    w.ok(&[
        "apply",
        "web.yaml",
        "peers.yaml",
        "--wait",
        "--timeout",
        "60s",
    ]);
    // Its claims wait for the GKE provisioner: applied, not waited for.
    w.ok(&["apply", postgres]);
    // Again, now that everything exists: each object is read live first.
    w.ok(&["apply", postgres, "peers.yaml"]);
    let d = w.run(&["diff", "image.yaml"]);
    assert_eq!(code(&d), 1, "{}", stderr(&d));
    w.ok(&["scale", "statefulset", "web", "--replicas=3", "--wait"]);
    w.ok(&[
        "apply",
        "no-lb.yaml",
        "--prune",
        "--force-conflicts",
        "--wait",
    ]);
    w.ok(&["get", "statefulset,pods,pvc,svc,endpoints"]);
    w.ok(&["describe", "statefulset", "web"]);
    w.ok(&["events"]);
    w.ok(&["rollout", "status", "statefulset/web"]);
    w.ok(&["delete", "statefulset", "web", "--cascade=orphan"]);

    let role: serde_json::Value = serde_yaml::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/cluster/permissions.yaml"
        ))
        .unwrap(),
    )
    .unwrap();
    let rules = role["rules"].as_array().unwrap();
    let mut asked: Vec<_> = s
        .requests()
        .iter()
        .filter_map(|l| rbac_request(l))
        .collect();
    asked.sort();
    asked.dedup();
    let refused: Vec<_> = asked.iter().filter(|r| !allowed(rules, r)).collect();
    assert!(refused.is_empty(), "not granted: {refused:?}");
    let scale = ("patch".into(), "apps".into(), "statefulsets/scale".into());
    let pdb = ("get".into(), "policy".into(), "poddisruptionbudgets".into());
    assert!(asked.contains(&scale) && asked.contains(&pdb), "{asked:?}");
}

/// Two apps of one spec in two namespaces share its cluster-scoped objects: an app that stops
/// producing them does not prune what the other's inventory still lists.
#[test]
fn an_object_two_apps_share_is_pruned_only_when_neither_lists_it() {
    let s = Server::start("1.33");
    let w = Work::new(&s);
    let web = std::fs::read_to_string(w.path().join("web.yaml")).unwrap();
    let mut no_psp = web.replace("  podSecurityPolicy: vmware-system-privileged\n", "");
    no_psp = no_psp.replace("  clusterRole: statefulset-cr\n", "");
    no_psp = no_psp.replace("  clusterRoleBinding: statefulset-rb\n", "");
    assert!(!no_psp.contains("clusterRole"));
    std::fs::write(w.path().join("no-psp.yaml"), no_psp).unwrap();
    w.ok(&["apply", "web.yaml"]);
    w.ok(&["apply", "web.yaml", "-n", "prod"]);

    let o = w.run(&["apply", "no-psp.yaml", "--prune"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("pruned"));
    let err = stderr(&o);
    assert!(err.contains("stsc: clusterrole.rbac.authorization.k8s.io/statefulset-cr not pruned: the inventory prod/stsc-inventory.web still lists it\n"), "{err}");
    assert!(err.contains("stsc: clusterrolebinding.rbac.authorization.k8s.io/statefulset-rb not pruned: the inventory prod/stsc-inventory.web still lists it\n"), "{err}");
    w.ok(&["get", "clusterrole", "statefulset-cr"]);

    let o = w.ok(&["apply", "no-psp.yaml", "--prune", "-n", "prod"]);
    assert!(
        o.ends_with("clusterrole.rbac.authorization.k8s.io/statefulset-cr pruned\nclusterrolebinding.rbac.authorization.k8s.io/statefulset-rb pruned\n"),
        "{o}"
    );
}
