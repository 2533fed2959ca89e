//! The embedded runtime's commands, shaped like kubectl's: apply, get, scale, delete, fault,
//! events. Every command locks the state folder, works in memory, runs the controllers to a fixed
//! point (committing whole rounds as it goes) and prints what kubectl would, then the events it caused.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};
use serde_json::{json, Value};

use super::build::{make_compiler, read_sources};
use super::{Style, EXIT_INVALID, EXIT_OK, EXIT_USAGE};
use crate::diag::{render_text, Severity};
use crate::k8s::manifests;
use crate::k8s::object::meta_str;
use crate::k8s::resources::{self, lookup, Resource};
use crate::k8s::version::KubeVersion;
use crate::runtime::api_server::{ApiError, ApiServer, Cascade};
use crate::runtime::controllers::FAULT_ANNOTATION;
use crate::runtime::print::table::{self, PrintOptions};
use crate::runtime::print::time::parse_rfc3339;
use crate::runtime::session::{Session, PROVISIONER};
use crate::source::SourceFile;

/// `stsc apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Spec files to compile and apply.
    #[arg(value_name = "SPEC")]
    pub specs: Vec<PathBuf>,
    /// Manifest files or directories (as written by `build -o`) to apply as they are.
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR")]
    pub files: Vec<PathBuf>,
}

/// `-o` of `get`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GetOutput {
    /// Extra columns.
    Wide,
    /// YAML (a `v1` `List` for several objects).
    Yaml,
    /// JSON (a `v1` `List` for several objects).
    Json,
    /// `kind/name` lines.
    Name,
}

/// `stsc get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// Types, comma-separated (`statefulset,pod,pvc`), or `TYPE/NAME`.
    #[arg(value_name = "TYPE[,TYPE...]")]
    pub types: String,
    /// Names.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<GetOutput>,
    /// Label selector (`app=nginx,tier!=db`).
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Add a LABELS column.
    #[arg(long)]
    pub show_labels: bool,
    /// Namespace.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
    /// Every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
}

/// `stsc scale`.
#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// `statefulset NAME` or `statefulset/NAME`.
    #[arg(value_name = "TYPE[/NAME]", num_args = 1..=2, required = true)]
    pub target: Vec<String>,
    /// New replica count.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_int32)]
    pub replicas: i32,
    /// Namespace.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
}

/// An int32 flag value, refused as kubectl's flag parser refuses it.
fn parse_int32(s: &str) -> Result<i32, String> {
    s.parse::<i32>().map_err(|e| {
        let why = match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                "value out of range"
            }
            _ => "invalid syntax",
        };
        format!("strconv.ParseInt: parsing {s:?}: {why}")
    })
}

/// `--cascade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CascadeArg {
    /// Dependents are garbage-collected.
    Background,
    /// Dependents stay.
    Orphan,
}

/// `stsc delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// `TYPE NAME...` or `TYPE/NAME`.
    #[arg(value_name = "TYPE[/NAME]", num_args = 1.., required = true)]
    pub target: Vec<String>,
    /// What happens to dependents.
    #[arg(long, value_enum, default_value_t = CascadeArg::Background)]
    pub cascade: CascadeArg,
    /// Namespace.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
}

/// `stsc fault`.
#[derive(Debug, Args)]
pub struct FaultArgs {
    /// `pod NAME` or `pod/NAME`.
    #[arg(value_name = "pod NAME", num_args = 1..=2, required = true)]
    pub target: Vec<String>,
    /// The pod runs but fails its readiness checks.
    #[arg(long, group = "fault")]
    pub not_ready: bool,
    /// The pod's container exits with an error (phase Failed).
    #[arg(long, group = "fault")]
    pub fail: bool,
    /// Heal the pod.
    #[arg(long, group = "fault")]
    pub clear: bool,
    /// Namespace.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
}

/// `stsc events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Namespace.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
}

/// Now: `STSC_NOW` (RFC 3339, for reproducible output) or the system clock; and `STSC_SEED`
/// (reproducible uids in a fresh state, for tests and docs). A bad value is a usage error.
fn clock() -> Result<(i64, Option<u64>), u8> {
    let now = match std::env::var("STSC_NOW") {
        Ok(s) => parse_rfc3339(&s).ok_or_else(|| {
            super::fail_usage(format!(
                "STSC_NOW: invalid time {s:?}: expected RFC 3339 UTC such as 2026-11-23T00:00:00Z"
            ))
        })?,
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    };
    let seed = match std::env::var("STSC_SEED") {
        Ok(s) => Some(s.parse::<u64>().map_err(|_| {
            super::fail_usage(format!(
                "STSC_SEED: invalid seed {s:?}: expected a whole number"
            ))
        })?),
        Err(_) => None,
    };
    Ok((now, seed))
}

/// A state folder that cannot be opened or read is an I/O problem: exit 2.
fn store_failed(e: impl std::fmt::Display) -> u8 {
    eprintln!("error: {e}");
    EXIT_USAGE
}

fn open(state: &Path, version: KubeVersion) -> Result<Session, u8> {
    let (now, seed) = clock()?;
    Session::open(state, now, version, seed).map_err(store_failed)
}

/// Reconcile, commit, print the events; the exit code.
fn settle(mut s: Session, printed: &mut String, show_events: bool) -> u8 {
    if let Err(e) = s.reconcile() {
        return store_failed(e);
    }
    note_unfinished(&s);
    if show_events {
        // One allocation: 10,000 pods leave some 40,000 lines.
        printed.reserve(s.api.log.iter().map(|l| l.len() + 1).sum());
        for line in &s.api.log {
            printed.push_str(line);
            printed.push('\n');
        }
    }
    super::emit(printed);
    super::leave_to_exit(s.close());
    EXIT_OK
}

/// A session closed when the command returns, its objects left to the exit.
struct Closing(Option<Session>);

impl Drop for Closing {
    fn drop(&mut self) {
        if let Some(s) = self.0.take() {
            super::leave_to_exit(s.close());
        }
    }
}

impl std::ops::Deref for Closing {
    type Target = Session;
    fn deref(&self) -> &Session {
        self.0.as_ref().expect("open until dropped")
    }
}

fn fail(e: &ApiError) -> u8 {
    eprintln!("{e}");
    EXIT_INVALID
}

/// [`target`], printing the error; `Err` is the exit code.
fn target_or_exit(words: &[String]) -> Result<(&'static Resource, Vec<String>), u8> {
    target(words).map_err(|e| {
        eprintln!("{e}");
        EXIT_INVALID
    })
}

/// [`target_or_exit`] for commands that act on one named object; `Err` is the exit code.
fn named_target(words: &[String]) -> Result<(&'static Resource, String), u8> {
    let (r, names) = target_or_exit(words)?;
    match names.into_iter().next() {
        Some(n) => Ok((r, n)),
        None => {
            eprintln!("error: resource(s) were provided, but no name was specified");
            Err(EXIT_USAGE)
        }
    }
}

/// [`named_target`] for commands that only StatefulSets support; `refuse` words kubectl's
/// error for another kind.
fn statefulset_target(
    words: &[String],
    refuse: impl Fn(&str) -> String,
) -> Result<(&'static Resource, String), u8> {
    let (r, name) = named_target(words)?;
    if r.kind != "StatefulSet" {
        eprintln!("error: {}", refuse(r.kind));
        return Err(EXIT_INVALID);
    }
    Ok((r, name))
}

/// Open for reading `resources`: a settled state loads only them (see [`Session::open_view`]).
fn open_view(state: &Path, version: KubeVersion, resources: &[&str]) -> Result<Session, u8> {
    let (now, seed) = clock()?;
    let s = Session::open_view(state, now, version, seed, resources).map_err(store_failed)?;
    note_unfinished(&s);
    Ok(s)
}

/// Open the state and bring it to a fixed point before reading it; `Err` is the exit code.
fn open_settled(state: &Path, version: KubeVersion) -> Result<Session, u8> {
    let mut s = open(state, version)?;
    s.reconcile().map_err(store_failed)?;
    note_unfinished(&s);
    Ok(s)
}

/// Say so when a reconcile stopped at its pod budget with work left.
fn note_unfinished(s: &Session) {
    if s.unfinished {
        eprintln!(
            "stsc: the controllers stopped after {} pods' worth of work with more to do; the next command carries on",
            s.max_pods
        );
    }
}

/// `TYPE NAME` or `TYPE/NAME` → (resource, names).
fn target(words: &[String]) -> Result<(&'static Resource, Vec<String>), String> {
    let first = &words[0];
    let (ty, mut names) = match first.split_once('/') {
        Some((t, n)) => (t.to_string(), vec![n.to_string()]),
        None => (first.clone(), Vec::new()),
    };
    names.extend(words[1..].iter().cloned());
    let r = lookup(&ty)
        .ok_or_else(|| format!("error: the server doesn't have a resource type \"{ty}\""))?;
    Ok((r, names))
}

/// Run `stsc apply`.
pub fn apply(args: &ApplyArgs, state: &Path, version: KubeVersion, style: Style) -> u8 {
    if args.specs.is_empty() && args.files.is_empty() {
        eprintln!("error: must specify one of SPEC or -f FILE");
        return EXIT_USAGE;
    }
    let mut objects: Vec<Value> = Vec::new();
    if !args.specs.is_empty() {
        let (sources, mut findings) = match read_sources(&args.specs) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("stsc: error: {e}");
                return EXIT_USAGE;
            }
        };
        let compiler = match make_compiler(None, version, None) {
            Ok(c) => c,
            Err(code) => return code,
        };
        let out = compiler.compile(&sources);
        findings.extend(out.findings);
        // Warnings are shown as `build` shows them; errors stop the apply before anything.
        eprint!("{}", render_text(&findings, style.snippets, style.color));
        if findings.iter().any(|f| f.severity == Severity::Error) {
            eprintln!("stsc: nothing applied");
            return EXIT_INVALID;
        }
        objects.extend(out.manifests.into_iter().map(|m| m.object));
    }
    let from_specs = objects.len();
    for f in &args.files {
        match read_manifests(f) {
            Ok(o) => objects.extend(o),
            Err((code, msg)) => {
                eprintln!("{msg}");
                return code;
            }
        }
    }
    if let Err(msg) = check_manifests(&objects[from_specs..], version) {
        eprintln!("{msg}");
        return EXIT_INVALID;
    }
    let mut s = match open(state, version) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut printed = String::new();
    // The seed's "create storageclass if needed": a class named by a spec's claim but absent is
    // made. Manifests applied with -f get no such help, as on a real cluster: their claims wait.
    let sc = &resources::STORAGE_CLASS;
    for o in objects.iter().take(from_specs) {
        for ct in o["spec"]["volumeClaimTemplates"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let Some(class) = ct["spec"]["storageClassName"].as_str() {
                let given = objects
                    .iter()
                    .any(|x| x["kind"] == "StorageClass" && meta_str(x, "name") == class);
                if !given && s.api.get(sc, "", class).is_none() {
                    let made = s.api.create(json!({
                        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                        "metadata": {"name": class}, "provisioner": PROVISIONER,
                        "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate",
                    }));
                    if made.is_ok() {
                        printed.push_str(&format!("storageclass.storage.k8s.io/{class} created\n"));
                    }
                }
            }
        }
    }
    // Likewise a spec's namespace: a spec says where its app lives, so the namespace is made.
    // Manifests must bring their Namespace (or use an existing one), as on a real cluster.
    let mut made: Vec<String> = Vec::new();
    for o in objects.iter().take(from_specs) {
        let ns = meta_str(o, "namespace");
        if !ns.is_empty() && !s.api.namespace_exists(ns) && !made.iter().any(|m| m == ns) {
            let created = s.api.create(json!({
                "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns},
            }));
            if created.is_ok() {
                printed.push_str(&format!("namespace/{ns} created\n"));
                made.push(ns.to_string());
            }
        }
    }
    for o in objects {
        let r = match crate::runtime::api_server::key_of(&o) {
            Ok((r, _)) => r,
            Err(e) => return fail(&e),
        };
        let name = meta_str(&o, "name").to_string();
        match s.api.apply(o) {
            Ok((what, _)) => {
                printed.push_str(&format!("{}/{name} {}\n", r.prefix(), what.as_str()))
            }
            // Nothing is committed and nothing is reported as done: the state stays as it was.
            Err(e) => return fail(&e),
        }
    }
    settle(s, &mut printed, true)
}

/// Manifests given with `-f` get what the API server does to them: a kind the runtime serves,
/// the strict schema of the version, then the API rules (names, selectors, ports, the pod rules).
fn check_manifests(objects: &[Value], version: KubeVersion) -> Result<(), String> {
    let schemas = crate::validate::Schemas::new(version);
    for o in objects {
        let kind = o["kind"].as_str().unwrap_or("");
        if !crate::validate::has_schema(o) {
            return Err(format!(
                "error: stsc's runtime does not run {} objects ({:?}): it runs StatefulSet, Service, ServiceAccount, ClusterRole, ClusterRoleBinding, StorageClass and Namespace; apply the rest to a real cluster",
                if kind.is_empty() { "kind-less" } else { kind },
                meta_str(o, "name")
            ));
        }
        if let Some(v) = schemas.validate(o).into_iter().next() {
            return Err(format!(
                "error: {kind} {:?} is invalid: {}",
                meta_str(o, "name"),
                v.message
            ));
        }
        let mu = &o["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"];
        if kind == "StatefulSet" && !mu.is_null() && !version.max_unavailable_statefulset() {
            eprintln!(
                "Warning: StatefulSet {:?}: spec.updateStrategy.rollingUpdate.maxUnavailable is dropped: the MaxUnavailableStatefulSet feature gate is off by default on {version}",
                meta_str(o, "name")
            );
        }
    }
    let refs: Vec<&Value> = objects.iter().collect();
    if let Some((i, v)) = crate::validate::first_refused(&refs, version) {
        let o = &objects[i];
        return Err(format!(
            "The {} {:?} is invalid: {}",
            o["kind"].as_str().unwrap_or(""),
            meta_str(o, "name"),
            v.message
        ));
    }
    Ok(())
}

/// The objects of a manifest file or directory; `Err` carries the exit code (2 for I/O).
fn read_manifests(path: &Path) -> Result<Vec<Value>, (u8, String)> {
    let mut files = Vec::new();
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| (EXIT_USAGE, format!("error: {}: {e}", path.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                (n.ends_with(".yaml") || n.ends_with(".yml") || n.ends_with(".json"))
                    && !n.starts_with("kustomization.")
            })
            .collect();
        entries.sort();
        files.extend(entries);
    } else {
        files.push(path.to_path_buf());
    }
    let (sources, findings) =
        read_sources(&files).map_err(|e| (EXIT_USAGE, format!("error: {e}")))?;
    if let Some(f) = findings.first() {
        return Err((EXIT_INVALID, format!("error: {}", f.headline())));
    }
    let mut out = Vec::new();
    for src in sources {
        let src: Arc<SourceFile> = src;
        match manifests::parse(&src) {
            Ok(o) => out.extend(o),
            Err(f) => return Err((EXIT_INVALID, format!("error: {}", f.headline()))),
        }
    }
    Ok(out)
}

/// The resource types and names of `get TYPES [NAME...]` or `get TYPE/NAME...`: each name with
/// the type it belongs to (`None`: every requested type, as in `get pods web-0`).
#[allow(clippy::type_complexity)]
fn get_targets(
    types: &str,
    rest: &[String],
) -> Result<
    (
        Vec<&'static Resource>,
        Vec<(Option<&'static Resource>, String)>,
    ),
    String,
> {
    let mut requested: Vec<&'static Resource> = Vec::new();
    let mut names = Vec::new();
    let add = |r: &'static Resource, requested: &mut Vec<&'static Resource>| {
        if !requested.contains(&r) {
            requested.push(r);
        }
    };
    let find = |ty: &str| {
        lookup(ty).ok_or_else(|| format!("the server doesn't have a resource type \"{ty}\""))
    };
    let slashed = types.contains('/');
    if slashed {
        for word in std::iter::once(types).chain(rest.iter().map(String::as_str)) {
            let Some((ty, name)) = word.split_once('/') else {
                return Err("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'".into());
            };
            let r = find(ty)?;
            add(r, &mut requested);
            names.push((Some(r), name.to_string()));
        }
        return Ok((requested, names));
    }
    for word in types.split(',').filter(|w| !w.is_empty()) {
        // kubectl's "all" category, as far as the runtime has its kinds, in kubectl's order.
        if word == "all" {
            for r in [
                &resources::POD,
                &resources::SERVICE,
                &resources::STATEFUL_SET,
            ] {
                add(r, &mut requested);
            }
            continue;
        }
        add(find(word)?, &mut requested);
    }
    names.extend(rest.iter().map(|n| (None, n.clone())));
    Ok((requested, names))
}

/// Run `stsc get`.
pub fn get(args: &GetArgs, state: &Path, version: KubeVersion) -> u8 {
    let (requested, names) = match get_targets(&args.types, &args.names) {
        Ok(t) => t,
        Err(msg) => {
            eprintln!("error: {msg}");
            return EXIT_INVALID;
        }
    };
    let selector = match args
        .selector
        .as_deref()
        .map(crate::k8s::selector::Selector::parse)
    {
        Some(Err(msg)) => {
            eprintln!("error: {msg}");
            return EXIT_INVALID;
        }
        Some(Ok(s)) => Some(s),
        None => None,
    };
    let plurals: Vec<&str> = requested.iter().map(|r| r.plural).collect();
    let s = match open_view(state, version, &plurals) {
        Ok(s) => Closing(Some(s)),
        Err(code) => return code,
    };
    let c: &ApiServer = &s.api;
    let ns = args.namespace.as_str();
    let mut blocks = Vec::new();
    let mut all: Vec<&Value> = Vec::new();
    let mut code = EXIT_OK;
    for r in &requested {
        let mut objs: Vec<&Value> = if !r.namespaced || args.all_namespaces {
            c.list(r).map(|(_, v)| v).collect()
        } else {
            c.list_ns(r, ns).map(|(_, v)| v).collect()
        };
        if let Some(sel) = &selector {
            objs.retain(|o| sel.matches(&o["metadata"]["labels"]));
        }
        let wanted: Vec<&String> = names
            .iter()
            .filter(|(t, _)| t.is_none_or(|t| std::ptr::eq(t, *r)))
            .map(|(_, n)| n)
            .collect();
        if !wanted.is_empty() {
            let mut picked = Vec::new();
            for n in wanted {
                match objs.iter().find(|o| meta_str(o, "name") == n) {
                    Some(o) => picked.push(*o),
                    None => {
                        eprintln!("{}", ApiError::not_found(r, n));
                        code = EXIT_INVALID;
                    }
                }
            }
            objs = picked;
        }
        all.extend(objs.iter().copied());
        blocks.push((*r, table::table(r, &objs, c.now, version)));
    }
    let single = names.len() == 1 && requested.len() == 1 && all.len() == 1;
    let out = match args.output {
        Some(GetOutput::Json) | Some(GetOutput::Yaml) => {
            if all.is_empty() && !single {
                // kubectl prints an empty List.
            }
            let doc = if single {
                all[0].clone()
            } else {
                let all: Vec<Value> = all.iter().map(|o| (*o).clone()).collect();
                json!({"apiVersion": "v1", "items": all, "kind": "List", "metadata": {"resourceVersion": ""}})
            };
            if args.output == Some(GetOutput::Json) {
                json_4(&doc)
            } else {
                crate::yaml::write::to_string(&doc, crate::yaml::write::Dialect::Kubectl)
            }
        }
        Some(GetOutput::Name) => all
            .iter()
            .filter_map(|o| {
                resources::by_kind(o["kind"].as_str().unwrap_or(""))
                    .map(|r| format!("{}/{}\n", r.prefix(), meta_str(o, "name")))
            })
            .collect(),
        _ => table::print(
            &blocks,
            PrintOptions {
                wide: args.output == Some(GetOutput::Wide),
                show_labels: args.show_labels,
                with_kind: requested.len() > 1,
                all_namespaces: args.all_namespaces,
            },
        ),
    };
    if all.is_empty() && names.is_empty() && matches!(args.output, None | Some(GetOutput::Wide)) {
        if requested.iter().all(|r| r.namespaced) && !args.all_namespaces {
            eprintln!("No resources found in {ns} namespace.");
        } else {
            eprintln!("No resources found");
        }
        return code;
    }
    super::emit(&out);
    code
}

fn json_4(v: &Value) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    let _ = serde::Serialize::serialize(v, &mut ser);
    // Go's encoder escapes these three in strings; outside strings JSON has none of them.
    let mut s = String::from_utf8(buf)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    s.push('\n');
    s
}

/// Run `stsc scale`.
pub fn scale(args: &ScaleArgs, state: &Path, version: KubeVersion) -> u8 {
    let target = statefulset_target(&args.target, |kind| {
        format!("no scaler has been implemented for {{\"\" \"{kind}\"}}")
    });
    let (r, name) = match target {
        Ok(t) => t,
        Err(code) => return code,
    };
    let name = name.as_str();
    let mut s = match open(state, version) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Err(e) = s.api.scale(r, &args.namespace, name, args.replicas) {
        return fail(&e);
    }
    let mut printed = format!("{}/{name} scaled\n", r.prefix());
    settle(s, &mut printed, true)
}

/// Run `stsc delete`.
pub fn delete(args: &DeleteArgs, state: &Path, version: KubeVersion) -> u8 {
    let (r, names) = match target_or_exit(&args.target) {
        Ok(t) => t,
        Err(code) => return code,
    };
    if names.is_empty() {
        eprintln!("error: resource(s) were provided, but no name was specified");
        return EXIT_USAGE;
    }
    if r.kind == "Namespace" {
        // Deleting a namespace deletes everything in it (the namespace controller), which the
        // runtime does not run: refused rather than leaving its objects behind.
        eprintln!("error: the runtime does not delete namespaces (it has no namespace controller): delete the objects in the namespace instead");
        return EXIT_INVALID;
    }
    let mut s = match open(state, version) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let cascade = match args.cascade {
        CascadeArg::Background => Cascade::Background,
        CascadeArg::Orphan => Cascade::Orphan,
    };
    let mut printed = String::new();
    let mut code = EXIT_OK;
    for n in &names {
        match s.api.delete(r, &args.namespace, n, cascade) {
            Ok(()) => printed.push_str(&format!("{} {n:?} deleted\n", r.prefix())),
            Err(e) => {
                eprintln!("{e}");
                code = EXIT_INVALID;
            }
        }
    }
    let c = settle(s, &mut printed, true);
    if code == EXIT_OK {
        c
    } else {
        code
    }
}

/// Run `stsc fault`.
pub fn fault(args: &FaultArgs, state: &Path, version: KubeVersion) -> u8 {
    let (r, names) = match target_or_exit(&args.target) {
        Ok(t) => t,
        Err(code) => return code,
    };
    if r.kind != "Pod" {
        eprintln!("error: faults apply to pods, not {}", r.plural);
        return EXIT_USAGE;
    }
    let Some(name) = names.first() else {
        eprintln!("error: a pod name is required");
        return EXIT_USAGE;
    };
    let what = if args.fail {
        Some("fail")
    } else if args.not_ready {
        Some("not-ready")
    } else if args.clear {
        None
    } else {
        eprintln!("error: one of --not-ready, --fail or --clear is required");
        return EXIT_USAGE;
    };
    let mut s = match open(state, version) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let Some(mut pod) = s.api.get(r, &args.namespace, name).cloned() else {
        return fail(&ApiError::not_found(r, name));
    };
    let ann = crate::k8s::object::metadata_mut(&mut pod)
        .entry("annotations")
        .or_insert_with(|| json!({}));
    if let Some(a) = ann.as_object_mut() {
        match what {
            Some(w) => {
                a.insert(FAULT_ANNOTATION.into(), json!(w));
            }
            None => {
                a.remove(FAULT_ANNOTATION);
            }
        }
    }
    s.api.put(pod);
    let mut printed = format!(
        "pod/{name} {}\n",
        what.map_or("healed".to_string(), |w| format!("fault {w}"))
    );
    settle(s, &mut printed, true)
}

/// Run `stsc events`.
pub fn events(args: &EventsArgs, state: &Path, version: KubeVersion) -> u8 {
    let s = match open_view(state, version, &["events"]) {
        Ok(s) => Closing(Some(s)),
        Err(code) => return code,
    };
    let r = &resources::EVENT;
    let mut evs: Vec<&Value> = s.api.list_ns(r, &args.namespace).map(|(_, v)| v).collect();
    evs.sort_by_key(|e| {
        (
            e["lastTimestamp"]
                .as_str()
                .and_then(parse_rfc3339)
                .unwrap_or(0),
            e["metadata"]["resourceVersion"]
                .as_str()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0),
        )
    });
    if evs.is_empty() {
        eprintln!("No events found in {} namespace.", args.namespace);
        return EXIT_OK;
    }
    let t = table::table(r, &evs, s.api.now, version);
    super::emit(&table::print(&[(r, t)], PrintOptions::default()));
    EXIT_OK
}

/// `stsc describe`.
#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// `TYPE NAME` or `TYPE/NAME`.
    #[arg(value_name = "TYPE[/NAME]", num_args = 1..=2, required = true)]
    pub target: Vec<String>,
    /// Namespace.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
}

/// `stsc rollout status`.
#[derive(Debug, Args)]
pub struct RolloutArgs {
    /// `status`.
    #[arg(value_parser = ["status"])]
    pub action: String,
    /// `statefulset NAME` or `statefulset/NAME`.
    #[arg(value_name = "TYPE[/NAME]", num_args = 1..=2, required = true)]
    pub target: Vec<String>,
    /// Namespace.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
}

/// Run `stsc describe`.
pub fn describe(args: &DescribeArgs, state: &Path, version: KubeVersion) -> u8 {
    let (r, name) = match named_target(&args.target) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let name = name.as_str();
    let s = match open_settled(state, version) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let c = &s.api;
    let Some(o) = c.get(r, &args.namespace, name) else {
        return fail(&ApiError::not_found(r, name));
    };
    let er = &resources::EVENT;
    let ns = if r.namespaced {
        args.namespace.as_str()
    } else {
        "default"
    };
    let mut events: Vec<&Value> = c
        .list_ns(er, ns)
        .map(|(_, e)| e)
        .filter(|e| e["involvedObject"]["uid"] == o["metadata"]["uid"])
        .collect();
    events.sort_by_key(|e| {
        e["metadata"]["resourceVersion"]
            .as_str()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    });
    let pr = &resources::POD;
    let pods: Vec<&Value> = c
        .list_ns(pr, &args.namespace)
        .map(|(_, p)| p)
        .filter(|p| {
            r.kind != "StatefulSet"
                || p["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x["uid"] == o["metadata"]["uid"]))
        })
        .collect();
    super::emit(&crate::runtime::print::describe::describe(
        o, &events, &pods, c.now,
    ));
    EXIT_OK
}

/// Run `stsc rollout status`: exit 0 when the rollout is complete, 1 with kubectl's waiting
/// message when it is not (the local cluster does not move on its own, so there is nothing to
/// wait for).
pub fn rollout(args: &RolloutArgs, state: &Path, version: KubeVersion) -> u8 {
    let target = statefulset_target(&args.target, |kind| {
        format!("no status viewer has been implemented for {kind}")
    });
    let (r, name) = match target {
        Ok(t) => t,
        Err(code) => return code,
    };
    let name = name.as_str();
    let s = match open_settled(state, version) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let Some(o) = s.api.get(r, &args.namespace, name) else {
        return fail(&ApiError::not_found(r, name));
    };
    match crate::runtime::print::describe::rollout_status(o) {
        Ok((msg, done)) => {
            super::emit(&msg);
            if done {
                EXIT_OK
            } else {
                EXIT_INVALID
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_INVALID
        }
    }
}
