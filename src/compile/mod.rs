//! The compiler: spec files → rendered, parsed-back, validated objects in install order.
//!
//! Orchestrates `spec` → `render` → `validate` and maps every problem found in a generated object
//! back to the spec line that produced it. Returns data; writing is `output`'s job.

mod app;
pub use app::level_name;
pub mod locate;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::compile::locate::locate;
use crate::diag::{Finding, Severity};
use crate::k8s::version::KubeVersion;
use crate::render::Renderer;
use crate::source::SourceFile;
use crate::spec::{self, LoadedApp};
use crate::validate::{Checking, Schemas};

/// Helm's install order (helm `pkg/releaseutil/kind_sorter.go`, `InstallOrder`): what others
/// depend on goes first. Kinds not listed go last.
pub const INSTALL_ORDER: &[&str] = &[
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "Ingress",
    "APIService",
];

/// Where objects of `kind` go in [`INSTALL_ORDER`]; the compiler sorts by it stably, keeping
/// each app's objects in template order.
pub fn install_rank(kind: &str) -> usize {
    INSTALL_ORDER
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(INSTALL_ORDER.len())
}

/// Helm's whole sort key for objects from anywhere (files, several specs): the kind's rank,
/// unlisted kinds by kind, then the name. (Only `apply` on a cluster sorts so.)
#[cfg(any(feature = "cluster", test))]
pub fn install_key(object: &Value) -> (usize, &str, &str) {
    let kind = object["kind"].as_str().unwrap_or_default();
    let rank = install_rank(kind);
    let unlisted = if rank == INSTALL_ORDER.len() {
        kind
    } else {
        ""
    };
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    (rank, unlisted, name)
}

/// One generated object and the app it came from.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The object.
    pub object: Value,
    /// Index of the app in [`Compiled::apps`].
    pub app: usize,
    /// The template that rendered it.
    pub template: &'static str,
}

impl Manifest {
    /// `Kind namespace/name` (or `Kind name` for cluster-scoped objects).
    pub fn key(&self) -> String {
        object_key(&self.object)
    }
}

/// Everything a compilation produced: objects (empty when any error was found) and findings.
#[derive(Debug, Default)]
pub struct Compiled {
    /// The apps read.
    pub apps: Vec<LoadedApp>,
    /// Objects in install order.
    pub manifests: Vec<Manifest>,
    /// Errors and warnings, in input order.
    pub findings: Vec<Finding>,
    /// The Pod Security Standards level each app's pods meet, in input order.
    pub pod_security: Vec<PodSecurity>,
}

/// The Pod Security Standards level an app's pods meet on the target version, and the first
/// field that keeps them from the next stricter level.
#[derive(Debug, Clone)]
pub struct PodSecurity {
    /// The app.
    pub app: String,
    /// Its spec file.
    pub file: String,
    /// The level met.
    pub level: crate::spec::PodSecurityLevel,
    /// What the next stricter level needs first (with the spec line), and how many more
    /// fields break it; `None` when restricted.
    pub next: Option<(String, usize, usize)>,
}

impl Compiled {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Apps compiled per chunk (bounds what `check` holds at once).
const CHUNK: usize = 512;
/// Apps in a chunk from which a second thread pays for its start.
const PARALLEL_FROM: usize = 64;

/// What one app produced on its own.
struct Processed {
    findings: Vec<Finding>,
    pod_security: Option<PodSecurity>,
    /// The rendered objects with their templates (None: the templates failed).
    objects: Option<Vec<(&'static str, Value)>>,
}

/// Settings of one compilation.
#[derive(Debug)]
pub struct Compiler {
    renderer: Renderer,
    version: KubeVersion,
    /// `--namespace`: replaces every app's `namespace:`.
    namespace: Option<String>,
}

impl Compiler {
    /// A compiler for a Kubernetes version with a template environment.
    pub fn new(renderer: Renderer, version: KubeVersion) -> Self {
        Compiler {
            renderer,
            version,
            namespace: None,
        }
    }

    /// Put every app in `namespace` (as `--namespace` does), whatever its spec says.
    pub fn with_namespace(mut self, namespace: Option<String>) -> Self {
        self.namespace = namespace;
        self
    }

    /// The target version.
    pub fn version(&self) -> KubeVersion {
        self.version
    }

    /// Compile every app of every source, keeping the apps and objects.
    pub fn compile(&self, sources: &[Arc<SourceFile>]) -> Compiled {
        self.run(sources, true)
    }

    /// Every finding about the sources, without keeping apps or objects: memory stays flat in
    /// the number of apps (what `stsc check` needs).
    pub fn check(&self, sources: &[Arc<SourceFile>]) -> Vec<Finding> {
        self.run(sources, false).findings
    }

    /// [`Self::check`], with each app's Pod Security Standards level.
    pub fn check_with_levels(&self, sources: &[Arc<SourceFile>]) -> Compiled {
        self.run(sources, false)
    }

    /// One app at a time: load, render, validate, map findings to the spec; keep the results only
    /// when asked.
    fn run(&self, sources: &[Arc<SourceFile>], keep: bool) -> Compiled {
        let mut out = Compiled::default();
        let mut manifests = Vec::new();
        let mut identities = Identities::default();
        let schemas = Schemas::new(self.version, Checking::for_input(sources));
        for src in sources {
            let Some(apps) = self.load(src, &mut out.findings) else {
                continue;
            };
            // Apps are independent until the identity check: a chunk at a time (memory stays
            // flat for `check`), spread over the cores when there are enough of them.
            let mut apps = apps.into_iter().peekable();
            while apps.peek().is_some() {
                let chunk: Vec<LoadedApp> = apps.by_ref().take(CHUNK).collect();
                for (app, mut done) in self.process_all(chunk, &schemas) {
                    out.findings.append(&mut done.findings);
                    out.pod_security.extend(done.pod_security.take());
                    let Some(mut objs) = done.objects else {
                        continue;
                    };
                    for i in identities
                        .admit(&app, &objs, &mut out.findings)
                        .into_iter()
                        .rev()
                    {
                        objs.remove(i);
                    }
                    if keep {
                        let index = out.apps.len();
                        out.apps.push(app);
                        manifests.extend(objs.into_iter().map(|(template, object)| Manifest {
                            object,
                            app: index,
                            template,
                        }));
                    }
                }
            }
        }
        finish(&mut out, manifests);
        out
    }

    /// The apps of one file, with `--namespace` applied; its findings go to `findings`.
    fn load(&self, src: &Arc<SourceFile>, findings: &mut Vec<Finding>) -> Option<Vec<LoadedApp>> {
        match spec::load(src.clone()) {
            Ok(mut apps) => {
                if let Some(ns) = &self.namespace {
                    apps.iter_mut()
                        .for_each(|a| a.spec.namespace = Some(ns.clone()));
                }
                Some(apps)
            }
            Err(f) => {
                findings.extend(f);
                None
            }
        }
    }

    /// [`Self::process`] over a chunk, in order; on two threads when the chunk is big enough
    /// to pay for them.
    fn process_all(&self, chunk: Vec<LoadedApp>, schemas: &Schemas) -> Vec<(LoadedApp, Processed)> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
        if threads < 2 || chunk.len() < PARALLEL_FROM {
            return chunk
                .into_iter()
                .map(|app| {
                    let p = self.process(&app, schemas);
                    (app, p)
                })
                .collect();
        }
        let mut first = chunk;
        let second = first.split_off(first.len() / 2);
        std::thread::scope(|s| {
            let other = s.spawn(|| {
                second
                    .into_iter()
                    .map(|app| {
                        let p = self.process(&app, schemas);
                        (app, p)
                    })
                    .collect::<Vec<_>>()
            });
            let mut done: Vec<(LoadedApp, Processed)> = first
                .into_iter()
                .map(|app| {
                    let p = self.process(&app, schemas);
                    (app, p)
                })
                .collect();
            match other.join() {
                Ok(rest) => done.extend(rest),
                Err(panic) => std::panic::resume_unwind(panic),
            }
            done
        })
    }
}

/// One object per kind/namespace/name across every app: the first app that made each.
#[derive(Default)]
struct Identities {
    seen: HashMap<String, First>,
}

struct First {
    app: String,
    file: String,
    line: usize,
    /// Hash of the object: an identical object from another app is shared, not a clash.
    content: u64,
}

impl Identities {
    /// Record an app's objects; a clash is a finding. Returns the indexes of objects another app
    /// already made identically (several apps of one output sharing a Service, ServiceAccount or
    /// StorageClass; an app itself, its StatefulSet, is never twice), to be dropped.
    fn admit(
        &mut self,
        app: &LoadedApp,
        objs: &[(&str, Value)],
        findings: &mut Vec<Finding>,
    ) -> Vec<usize> {
        let mut shared = Vec::new();
        for (i, (_, object)) in objs.iter().enumerate() {
            let key = object_key(object);
            let content = content_hash(object);
            let shareable = object["kind"] != "StatefulSet";
            match self.seen.get(&key) {
                Some(prev) if shareable && prev.content == content => shared.push(i),
                Some(prev) => findings.push(duplicate(app, object, &key, prev, shareable)),
                None => {
                    let first = First {
                        app: app.spec.name.clone(),
                        file: app.file.name().to_string(),
                        line: app.span("/name").line,
                        content,
                    };
                    self.seen.insert(key, first);
                }
            }
        }
        shared
    }
}

/// An object generated twice, at the app's line for its name.
fn duplicate(app: &LoadedApp, object: &Value, key: &str, prev: &First, shareable: bool) -> Finding {
    let span = locate(
        app,
        object,
        "/metadata/name",
        Some(&object["metadata"]["name"]),
    );
    Finding::error(
        "duplicate-object",
        &app.file,
        span,
        format!("{key} is generated twice"),
    )
    .with_help(format!(
        "the first one comes from app {:?} ({}:{}); give each object a distinct name{}",
        prev.app,
        prev.file,
        prev.line,
        if shareable {
            ", or make them identical to share one"
        } else {
            ""
        }
    ))
}

/// Findings in file order, each spec value's problem said once; manifests in install order,
/// kept only when nothing is an error.
fn finish(out: &mut Compiled, mut manifests: Vec<Manifest>) {
    // Stable: several findings on one app stay in the order they were found.
    out.findings
        .sort_by_key(|f| (f.file.clone(), f.span.map(|s| s.start)));
    // One spec value feeding several objects (labels, ports) is one problem, said once.
    let mut said = std::collections::HashSet::new();
    out.findings.retain(|f| match f.span {
        Some(s) => said.insert((f.file.clone(), s.start, f.rule)),
        None => true,
    });
    manifests.sort_by_key(|m| install_rank(m.object["kind"].as_str().unwrap_or_default()));
    if !out.has_errors() {
        out.manifests = manifests;
    }
}

fn content_hash(object: &Value) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    object.to_string().hash(&mut h);
    h.finish()
}

/// `Kind namespace/name` (or `Kind name` for cluster-scoped objects).
pub fn object_key(object: &Value) -> String {
    let kind = object["kind"].as_str().unwrap_or_default();
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    match object["metadata"]["namespace"].as_str() {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

#[cfg(test)]
mod tests;
