//! One command's use of a state folder: open and lock it, load the cluster, bootstrap a fresh
//! one, run the controllers to a fixed point, committing whole rounds as it goes, and commit the end.

use std::path::Path;

use serde_json::json;

use super::controllers;
use super::store::{Store, StoreError};
use crate::k8s::resources;
use crate::k8s::version::KubeVersion;
use crate::runtime::api_server::ApiServer;

/// How often a long reconcile commits (durably) the rounds done so far.
const COMMIT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Provisioner of the StorageClasses the runtime creates.
pub const PROVISIONER: &str = "sim.stsc.dev/hostpath";
/// Name of the default StorageClass of a fresh state.
pub const DEFAULT_CLASS: &str = "standard";

/// The most pods one command's reconcile works through (see [`Session::reconcile`]).
pub const MAX_PODS_PER_COMMAND: i64 = 10_000;

/// Why a reconcile stopped early.
enum Stop {
    Store(StoreError),
    /// More than [`MAX_PODS_PER_COMMAND`] pods were created.
    Enough,
}

/// An open state folder and the API server over its objects.
#[derive(Debug)]
pub struct Session {
    store: Store,
    /// The API server over the folder's objects.
    pub api: ApiServer,
    /// Only some resources were loaded (a read of a settled state): never reconciled.
    partial: bool,
    /// The last reconcile stopped at its bound with work left.
    pub unfinished: bool,
    /// The most pods one reconcile creates ([`MAX_PODS_PER_COMMAND`] unless the caller says).
    pub max_pods: i64,
}

impl Session {
    /// Close the state file and hand back the API server, for a command about to end that may
    /// leave it to the process's exit (see `cli::leave_to_exit`).
    pub fn close(self) -> ApiServer {
        let Session { store, api, .. } = self;
        drop(store);
        api
    }

    /// Open (or create) the state in `dir`; waits while another stsc holds it.
    ///
    /// # Errors
    /// The store could not be opened or read.
    /// `seed` fixes the uids a fresh state hands out (for reproducible output); by default they
    /// are random.
    pub fn open(
        dir: &Path,
        now: i64,
        version: KubeVersion,
        seed: Option<u64>,
    ) -> Result<Session, StoreError> {
        let store = Store::open(dir)?;
        let (objects, mut meta) = store.load()?;
        let fresh = store.fresh;
        if fresh {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            meta.uid_seed = seed.unwrap_or(nanos ^ (u64::from(std::process::id()) << 32));
        }
        let mut cluster = ApiServer::new(objects, meta, now, version);
        if fresh {
            let _ = cluster.create(json!({
                "apiVersion": "storage.k8s.io/v1",
                "kind": "StorageClass",
                "metadata": {
                    "name": DEFAULT_CLASS,
                    "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
                },
                "provisioner": PROVISIONER,
                "reclaimPolicy": "Delete",
                "volumeBindingMode": "Immediate",
            }));
            let _ = cluster.create(json!({
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": "default", "namespace": "default"},
            }));
        }
        let mut s = Session {
            store,
            api: cluster,
            partial: false,
            unfinished: false,
            max_pods: MAX_PODS_PER_COMMAND,
        };
        if fresh {
            s.commit()?;
        }
        Ok(s)
    }

    /// Commit pending changes durably.
    ///
    /// # Errors
    /// The database refused the transaction; nothing of it is visible.
    pub fn commit(&mut self) -> Result<(), StoreError> {
        self.store.commit(self.api.pending(), &self.api.meta)?;
        self.api.clear_pending();
        Ok(())
    }

    /// Run the controllers until nothing changes (or for as many rounds as
    /// [`MAX_PODS_PER_COMMAND`] pods need: [`Session::unfinished`] then says work is left),
    /// committing durably every
    /// 100 ms and at the end, each time after a whole round: a kill at any moment
    /// leaves the last committed round, and the next command carries on from it.
    ///
    /// # Errors
    /// A commit failed.
    pub fn reconcile(&mut self) -> Result<usize, StoreError> {
        if self.partial {
            return Ok(0);
        }
        // Enough rounds for OrderedReady over every pod the sets could ask for, and a margin;
        // but one command brings up at most MAX_PODS_PER_COMMAND of them, as a real cluster
        // takes time: a set scaled to int32's maximum neither runs forever nor takes all memory.
        // The state is committed as it stands and the next command carries on.
        let replicas: i64 = self
            .api
            .list(&resources::STATEFUL_SET)
            .map(|(_, s)| {
                s["spec"]["replicas"].as_i64().unwrap_or(1).max(0)
                    + s["status"]["replicas"].as_i64().unwrap_or(0)
            })
            .sum();
        let max_rounds = 4 * usize::try_from(replicas).unwrap_or(0) + 64;
        let store = &self.store;
        let mut last = std::time::Instant::now();
        let (mut seen, mut created, most) = (0, 0i64, self.max_pods);
        let outcome =
            controllers::reconcile(&mut self.api, max_rounds, &mut |c: &mut ApiServer| {
                // A durable commit every so often, always on a whole round: a kill keeps the
                // progress up to the last one (a state the controllers produced) and the next
                // command carries on. Commits without fsync would not survive a kill at all
                // (redb rolls back to the last durable one), so there are none.
                if last.elapsed() >= COMMIT_EVERY {
                    store.commit(c.pending(), &c.meta).map_err(Stop::Store)?;
                    c.clear_pending();
                    last = std::time::Instant::now();
                }
                created += c.log[seen..]
                    .iter()
                    .filter(|l| l.starts_with("create Pod "))
                    .count() as i64;
                seen = c.log.len();
                if created > most {
                    return Err(Stop::Enough);
                }
                Ok(())
            });
        let rounds = match outcome {
            Ok(r) => r,
            Err(Stop::Enough) => max_rounds,
            Err(Stop::Store(e)) => return Err(e),
        };
        let converged = rounds < max_rounds;
        self.unfinished = !converged;
        self.api.meta.settled_rv = if converged && !waits_on_clock(&self.api) {
            self.api.meta.resource_version
        } else {
            0
        };
        self.api.meta.settled_minor = u64::from(self.api.version.minor);
        self.commit()?;
        // Thousands of rounds leave many superseded pages behind.
        if rounds > 256 {
            self.store.compact()?;
        }
        Ok(rounds)
    }
}

impl Session {
    /// Open the state to read `resources` (plural names), reconciled. When the last command
    /// left it settled for this version (nothing written since, nothing waiting on the clock),
    /// only those resources are loaded and nothing runs; otherwise this is [`Self::open`] and
    /// [`Self::reconcile`].
    ///
    /// # Errors
    /// As [`Self::open`] and [`Self::reconcile`].
    pub fn open_view(
        dir: &Path,
        now: i64,
        version: KubeVersion,
        seed: Option<u64>,
        resources: &[&str],
    ) -> Result<Session, StoreError> {
        {
            let store = Store::open(dir)?;
            let meta = store.meta()?;
            if !store.fresh
                && meta.settled_rv != 0
                && meta.settled_rv == meta.resource_version
                && meta.settled_minor == u64::from(version.minor)
            {
                let (objects, meta) = store.load_resources(resources)?;
                return Ok(Session {
                    store,
                    api: ApiServer::new(objects, meta, now, version),
                    partial: true,
                    unfinished: false,
                    max_pods: MAX_PODS_PER_COMMAND,
                });
            }
        }
        let mut s = Session::open(dir, now, version, seed)?;
        s.reconcile()?;
        Ok(s)
    }
}

/// Whether the controllers would act on their own as time passes: a set whose ready pods are
/// not all available yet under `minReadySeconds`.
pub fn waits_on_clock(c: &ApiServer) -> bool {
    c.list(&resources::STATEFUL_SET).any(|(_, s)| {
        let n = |f: &str| s["status"][f].as_i64().unwrap_or(0);
        s["spec"]["minReadySeconds"].as_i64().unwrap_or(0) > 0
            && n("availableReplicas") < n("readyReplicas")
    })
}

#[cfg(test)]
mod tests {
    use super::Session;
    use crate::k8s::resources;
    use crate::KubeVersion;
    use serde_json::json;

    /// A set scaled to int32's maximum: one reconcile stops after its pod budget, commits, and
    /// says work is left; nothing is allocated for the replicas not reached.
    #[test]
    fn a_huge_scale_stops_at_the_pod_budget_and_the_next_command_carries_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Session::open(dir.path(), 1_800_000_000, KubeVersion::NEWEST, Some(1)).unwrap();
        s.max_pods = 20;
        s.api
            .apply(json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
                "metadata": {"name": "big", "namespace": "default"},
                "spec": {"replicas": 2147483647, "serviceName": "big",
                    "selector": {"matchLabels": {"app": "big"}},
                    "template": {"metadata": {"labels": {"app": "big"}},
                        "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}))
            .unwrap();
        s.reconcile().unwrap();
        assert!(s.unfinished);
        let pods = |s: &Session| s.api.list(&resources::POD).count();
        let first = pods(&s);
        assert!((20..=40).contains(&first), "{first}");
        drop(s);
        let mut s = Session::open(dir.path(), 1_800_000_000, KubeVersion::NEWEST, Some(1)).unwrap();
        s.max_pods = 20;
        s.reconcile().unwrap();
        assert!(s.unfinished && pods(&s) > first, "{}", pods(&s));
    }
}
