//! A running `stsc serve` for integration tests (kubectl's and kube-rs'), over a fresh state
//! folder, stopped when dropped.
#![allow(dead_code, clippy::print_stderr)]

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const STSC: &str = env!("CARGO_BIN_EXE_stsc");

/// Whether kubectl is here; panics when CI needs it and it is not.
pub fn have_kubectl() -> bool {
    let found = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("STSC_REQUIRE_KUBECTL").as_deref() != Ok("1"),
            "kubectl is required here (STSC_REQUIRE_KUBECTL=1) but not installed"
        );
        eprintln!("kubectl not installed: stsc serve's kubectl tests skipped");
    }
    found
}

/// A running `stsc serve` over a fresh state folder, stopped with SIGTERM when dropped.
pub struct Server {
    pub child: Child,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    pub url: String,
    pub version: String,
}

impl Server {
    pub fn start(version: &str) -> Server {
        Server::start_with(version, &[])
    }

    /// With more `stsc serve` flags (`--insecure-plain-http`).
    pub fn start_with(version: &str, flags: &[&str]) -> Server {
        Server::spawn(version, flags, false)
    }

    /// With `--log-requests`, the log read by [`Server::requests`].
    pub fn start_logged(version: &str) -> Server {
        Server::spawn(version, &["--log-requests"], true)
    }

    /// The requests served so far: `PATCH /apis/apps/v1/namespaces/default/statefulsets/web?… 200`.
    pub fn requests(&self) -> Vec<String> {
        let log = std::fs::read_to_string(self.dir.path().join("requests.log")).unwrap();
        log.lines().map(str::to_string).collect()
    }

    fn spawn(version: &str, flags: &[&str], logged: bool) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let stderr = if logged {
            Stdio::from(std::fs::File::create(dir.path().join("requests.log")).unwrap())
        } else {
            Stdio::inherit()
        };
        let mut child = Command::new(STSC)
            .args(["--kube-version", version, "serve", "--port", "0", "--state"])
            .arg(dir.path().join("state"))
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        let url = first.rsplit(' ').next().unwrap().to_string();
        let second = lines.next().unwrap().unwrap();
        let kubeconfig = PathBuf::from(second.strip_prefix("kubeconfig: ").unwrap());
        Server {
            child,
            dir,
            kubeconfig,
            url,
            version: version.to_string(),
        }
    }

    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// kubectl with this server's kubeconfig and its own discovery cache.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        Command::new("kubectl")
            .args(args)
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .env("KUBECONFIG", &self.kubeconfig)
            .output()
            .unwrap()
    }

    /// kubectl that must succeed; its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} (server {}) failed: {}{}",
            self.version,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Poll `kubectl args` until its stdout contains `want`.
    pub fn wait_for(&self, args: &[&str], want: &str) -> String {
        let start = Instant::now();
        loop {
            let out = self.ok(args);
            if out.contains(want) {
                return out;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "kubectl {args:?} never showed {want:?}; last:\n{out}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM, and wait for a clean exit.
    pub fn stop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "stsc serve exited with {status}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A kube-rs client of the server, from the kubeconfig it wrote.
pub async fn client(s: &Server) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(&s.kubeconfig).unwrap();
    let options = kube::config::KubeConfigOptions::default();
    let config = kube::Config::from_custom_kubeconfig(kc, &options)
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}
