//! The compiler: spec files → rendered, parsed-back, validated objects in install order.
//!
//! Orchestrates `spec` → `render` → `validate` and maps every problem found in a generated object
//! back to the spec line that produced it. Returns data; writing is `output`'s job.

pub mod locate;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::compile::locate::locate;
use crate::diag::{Finding, Severity};
use crate::k8s::version::KubeVersion;
use crate::render::Renderer;
use crate::source::SourceFile;
use crate::spec::{self, LoadedApp, Resolved};
use crate::validate::{api_rules, Checking, Schemas, Violation};

/// Helm's install order for the kinds stsc emits (helm `releaseutil/kind_sorter.go`).
pub const INSTALL_ORDER: &[&str] = &[
    "NetworkPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "ConfigMap",
    "StorageClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "StatefulSet",
];

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

    /// One app on its own: spec rules, render, schema and API-server rules over its objects.
    fn process(&self, app: &LoadedApp, schemas: &Schemas) -> Processed {
        let mut findings = crate::spec::checks::app(app, self.version());
        findings.extend(spec::checks::check(app, self.version()));
        let (files, unread) = read_config_files(app);
        if !unread.is_empty() {
            findings.extend(unread);
            return Processed {
                findings,
                pod_security: None,
                objects: None,
            };
        }
        let resolved = spec::resolve(&app.spec, &files);
        let mut objs = match self.render_app(&resolved, |r, t, ctx| r.render(t, ctx)) {
            Ok(objs) => objs,
            Err(e) => {
                findings.push(
                    Finding::error("template", &app.file, app.span("/name"), e.to_string())
                        .with_help(
                            "the error is in the template, not in the spec; check --templates",
                        ),
                );
                return Processed {
                    findings,
                    pod_security: None,
                    objects: None,
                };
            }
        };
        // Patches change the rendered objects before anything is validated.
        let (touched, problems) = crate::patch::apply::apply(app, &mut objs, self.version());
        if !problems.is_empty() {
            findings.extend(problems);
            return Processed {
                findings,
                pod_security: None,
                objects: None,
            };
        }
        let found = |i: usize, object: &Value, v: &Violation| {
            let origin = touched.iter().find_map(|t| t.origin(app, i, &v.pointer));
            violation_finding(app, object, v, origin.as_deref())
        };
        // Schema, then API-server rules over the app's own objects (its StatefulSet's
        // governing Service is one of them).
        for (i, (_, object)) in objs.iter().enumerate() {
            for v in schemas.validate(object) {
                findings.push(found(i, object, &v));
            }
        }
        let refs: Vec<&Value> = objs.iter().map(|(_, o)| o).collect();
        // `headlessService: {create: false}`: the governing Service comes from elsewhere.
        let external = app
            .spec
            .headless_service
            .as_ref()
            .is_some_and(|h| !h.full().create);
        for (i, v) in api_rules(&refs, self.version()) {
            if external && v.rule == "missing-headless-service" {
                continue;
            }
            findings.push(found(i, refs[i], &v));
        }
        let pod_security = objs
            .iter()
            .find(|(_, o)| o["kind"] == "StatefulSet")
            .map(|(_, o)| pod_security(app, o, &mut findings))
            // The level of pods that would not be created is not worth a line.
            .filter(|_| !findings.iter().any(|f| f.severity == Severity::Error));
        Processed {
            findings,
            pod_security,
            objects: Some(objs),
        }
    }

    /// Every template the app needs, in order, each through `render`.
    fn render_app<T>(
        &self,
        app: &Resolved,
        render: impl Fn(&Renderer, &str, minijinja::Value) -> Result<T, crate::render::RenderError>,
    ) -> Result<Vec<(&'static str, T)>, crate::render::RenderError> {
        let r = &self.renderer;
        let ctx = minijinja::Value::from(minijinja::value::Serde(app));
        let with_svc = |svc: &spec::ResolvedService| {
            minijinja::context! { app => ctx.clone(), svc => minijinja::Value::from(minijinja::value::Serde(svc)) }
        };
        let mut objs = Vec::new();
        let plain = minijinja::context! { app => ctx.clone() };
        if let Some(sa) = &app.service_account {
            if sa.create {
                objs.push((
                    "serviceaccount.yaml.j2",
                    render(r, "serviceaccount.yaml.j2", plain.clone())?,
                ));
            }
            if sa.rules.is_some() {
                for template in ["role.yaml.j2", "rolebinding.yaml.j2"] {
                    objs.push((template, render(r, template, plain.clone())?));
                }
            }
            if sa.pod_security_policy.is_some() {
                objs.push((
                    "clusterrole.yaml.j2",
                    render(r, "clusterrole.yaml.j2", plain.clone())?,
                ));
                objs.push((
                    "clusterrolebinding.yaml.j2",
                    render(r, "clusterrolebinding.yaml.j2", plain.clone())?,
                ));
            }
        }
        if app.storage_class.is_some() {
            objs.push((
                "storageclass.yaml.j2",
                render(r, "storageclass.yaml.j2", plain.clone())?,
            ));
        }
        for svc in &app.services {
            objs.push((
                "service.yaml.j2",
                render(r, "service.yaml.j2", with_svc(svc))?,
            ));
        }
        for cm in &app.config_maps {
            let ctx = minijinja::context! { app => ctx.clone(), cm => minijinja::Value::from(minijinja::value::Serde(cm)) };
            objs.push(("configmap.yaml.j2", render(r, "configmap.yaml.j2", ctx)?));
        }
        let optional = [
            (
                app.disruption_budget.is_some(),
                "poddisruptionbudget.yaml.j2",
            ),
            (app.network_policy.is_some(), "networkpolicy.yaml.j2"),
        ];
        for (wanted, template) in optional {
            if wanted {
                objs.push((template, render(r, template, plain.clone())?));
            }
        }
        objs.push((
            "statefulset.yaml.j2",
            render(r, "statefulset.yaml.j2", plain)?,
        ));
        Ok(objs)
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
    manifests.sort_by_key(|m| {
        let kind = m.object["kind"].as_str().unwrap_or_default();
        INSTALL_ORDER
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(INSTALL_ORDER.len())
    });
    if !out.has_errors() {
        out.manifests = manifests;
    }
}

/// The files the app's generated ConfigMaps name, read relative to the spec file's folder (the
/// working directory for standard input), by path as written; a file that cannot be read is an
/// error at its line.
fn read_config_files(
    app: &LoadedApp,
) -> (std::collections::BTreeMap<String, String>, Vec<Finding>) {
    let mut files = std::collections::BTreeMap::new();
    let mut findings = Vec::new();
    let dir = std::path::Path::new(app.file.name())
        .parent()
        .filter(|_| app.file.name() != "-")
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    for (i, cm) in app.spec.config_maps.iter().enumerate() {
        for (j, f) in cm.files.iter().enumerate() {
            match std::fs::read_to_string(dir.join(f)) {
                Ok(text) => {
                    files.insert(f.clone(), text);
                }
                Err(e) => findings.push(Finding::error(
                    "unreadable-file",
                    &app.file,
                    app.span(&format!("/configMaps/{i}/files/{j}")),
                    format!(
                        "configMaps[{i}].files[{j}]: cannot read {:?}: {e}",
                        dir.join(f).display().to_string()
                    ),
                )),
            }
        }
    }
    (files, findings)
}

/// Assess the StatefulSet's pods against the Pod Security Standards; with `podSecurity: LEVEL`,
/// every field that breaks that level is an error at its spec line.
fn pod_security(app: &LoadedApp, sts: &Value, findings: &mut Vec<Finding>) -> PodSecurity {
    use crate::spec::PodSecurityLevel as L;
    const POD: &str = "/spec/template/spec";
    let (level, breaks) = crate::validate::pod_security::assess(&sts["spec"]["template"]["spec"]);
    let name = sts["metadata"]["name"].as_str().unwrap_or_default();
    if let Some(want) = app.spec.pod_security.filter(|l| *l > L::Privileged) {
        for b in breaks.iter().filter(|b| b.level <= want) {
            let span = locate(app, sts, &format!("{POD}{}", b.pointer), None);
            let field = crate::k8s::pointer::display_path(&format!("{POD}{}", b.pointer));
            findings.push(
                Finding::error(
                    "pod-security",
                    &app.file,
                    span,
                    format!("StatefulSet {name:?}: {field}: {}", b.message),
                )
                .with_help(format!(
                    "podSecurity: {} asks for this; change the field, or lower the level",
                    level_name(want)
                )),
            );
        }
    }
    let stricter = match level {
        L::Privileged => Some(L::Baseline),
        L::Baseline => Some(L::Restricted),
        L::Restricted => None,
    };
    let blocking: Vec<_> = breaks
        .iter()
        .filter(|b| Some(b.level) == stricter)
        .collect();
    let next = blocking.first().map(|b| {
        let span = locate(app, sts, &format!("{POD}{}", b.pointer), None);
        (b.message.clone(), span.line, blocking.len() - 1)
    });
    PodSecurity {
        app: app.spec.name.clone(),
        file: app.file.name().to_string(),
        level,
        next,
    }
}

/// `privileged`, `baseline` or `restricted`, as the namespace labels spell them.
pub fn level_name(l: crate::spec::PodSecurityLevel) -> &'static str {
    use crate::spec::PodSecurityLevel as L;
    match l {
        L::Privileged => "privileged",
        L::Baseline => "baseline",
        L::Restricted => "restricted",
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

/// A violation in a generated object as a finding at the spec line that produced the value:
/// `patched`, the pointer of the patch that wrote it, or the field the templates placed.
fn violation_finding(
    app: &LoadedApp,
    object: &Value,
    v: &Violation,
    patched: Option<&str>,
) -> Finding {
    let kind = object["kind"].as_str().unwrap_or_default();
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let span = match patched {
        Some(p) => {
            let l = app.doc.locate(p);
            l.key.unwrap_or(l.value)
        }
        None => locate(app, object, &v.pointer, v.value.as_ref()),
    };
    let message = format!("{kind} {name:?}: {}", v.message);
    let mut f = if v.warning {
        Finding::warning(v.rule, &app.file, span, message)
    } else {
        Finding::error(v.rule, &app.file, span, message)
    };
    f.help = v.help.clone();
    f
}

#[cfg(test)]
mod tests;
