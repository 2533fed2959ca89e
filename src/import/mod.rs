//! `stsc import`: Kubernetes manifests → the shortest stsc specs that build to the same objects.
//!
//! The pipeline: [`read`] the objects (dropping what the server set) → [`group`] each
//! StatefulSet with the objects a spec generates with it → `extract` a spec in compact forms
//! (`around`: the Services, accounts, budget, policy and ConfigMaps)
//! → `minimize` it (drop every field whose absence builds the same objects: defaults) →
//! compare the build with the objects ([`compare`]) and write what still differs as strategic
//! merge `patches` (`crate::patch::diff`) → build once more to prove the round trip.

mod around;
pub mod compare;
mod extract;
pub mod group;
mod minimize;
pub mod read;
mod spread;
mod write;

use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::compile::{object_key as key, Compiler};
use crate::k8s::version::KubeVersion;
use crate::patch::{diff, PatchSchema};
use crate::source::SourceFile;

pub use read::Object;

/// Why manifests could not be imported.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// A problem at a line of an input file.
    #[error("{file}:{line}: {message}")]
    At {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A problem with the input as a whole.
    #[error("{0}")]
    Input(String),
}

/// One imported app.
#[derive(Debug, Clone)]
pub struct ImportedApp {
    /// The StatefulSet's name.
    pub name: String,
    /// The spec, as YAML with comments.
    pub spec: String,
    /// The objects it builds to, by key.
    pub objects: Vec<String>,
    /// What the build changes on purpose (`managed-by: stsc`, stsc's config checksum).
    pub changed: Vec<String>,
    /// Where the build of the spec differs from the objects (empty: the round trip is exact).
    pub differences: Vec<String>,
    /// Leaf fields of the objects, and how many the spec builds without its patches.
    pub fields: usize,
    /// See `fields`.
    pub without_patches: usize,
    /// Patches written.
    pub patches: usize,
}

/// Everything imported.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// One entry per StatefulSet, in input order.
    pub apps: Vec<ImportedApp>,
    /// Objects no spec generates (`Kind ns/name (file:line)`), in input order.
    pub not_placed: Vec<String>,
}

/// Import objects for a Kubernetes version.
///
/// # Errors
/// No StatefulSet among the objects, or a spec stsc could not build (a defect in import).
pub fn import(objects: &[Object], version: KubeVersion) -> Result<Imported, ImportError> {
    let (groups, rest) = group::groups(objects);
    if groups.is_empty() {
        return Err(ImportError::Input(
            "no StatefulSet among the objects: nothing to import".into(),
        ));
    }
    let renderer = crate::render::Renderer::new(None)
        .map_err(|e| ImportError::Input(format!("templates: {e}")))?;
    let compiler = Compiler::new(renderer, version);
    let checking = crate::validate::Checking::for_objects(objects.len());
    let schemas = crate::validate::Schemas::new(version, checking);
    let mut apps = Vec::new();
    for g in &groups {
        let targets: Vec<&Object> = std::iter::once(&objects[g.set])
            .chain(g.members.iter().map(|&i| &objects[i]))
            .collect();
        check_input(&targets, &schemas, version)?;
        let spec = extract::spec(objects, &objects[g.set], &g.members);
        apps.push(app(&compiler, spec, &targets)?);
    }
    let not_placed = rest
        .into_iter()
        .map(|i| {
            let o = &objects[i];
            format!("{} ({}:{})", o.key(), o.file, o.line)
        })
        .collect();
    Ok(Imported { apps, not_placed })
}

/// The objects of an app as the API server would take them: its schema and write rules (not
/// stsc's lints about a build, which a cluster accepts). The first problem is the error.
fn check_input(
    targets: &[&Object],
    schemas: &crate::validate::Schemas,
    v: KubeVersion,
) -> Result<(), ImportError> {
    let at = |o: &Object, pointer: &str, message: &str| ImportError::At {
        file: o.file.clone(),
        line: o.line_of(pointer),
        message: format!("{} {:?} is invalid: {message}", o.kind(), o.name()),
    };
    for o in targets {
        if let Some(e) = schemas.validate(&o.value).into_iter().find(|e| !e.warning) {
            return Err(at(o, &e.pointer, &e.message));
        }
    }
    let refs: Vec<&Value> = targets.iter().map(|o| &o.value).collect();
    match crate::validate::first_refused(&refs, v) {
        Some((i, e)) => Err(at(targets[i], &e.pointer, &e.message)),
        None => Ok(()),
    }
}

/// The spec of one app, minimized, patched and proven.
fn app(
    compiler: &Compiler,
    spec: Map<String, Value>,
    targets: &[&Object],
) -> Result<ImportedApp, ImportError> {
    let name = spec["name"].as_str().unwrap_or_default().to_string();
    let want: Vec<Value> = targets.iter().map(|o| o.value.clone()).collect();
    let first = build(compiler, &spec).map_err(|e| defect(&name, &e))?;
    let cmp = Comparison::new(compiler.version(), &want);
    let spec = minimize::minimize(
        spec,
        |s| build(compiler, s).ok().map(|b| cmp.differences(&b)),
        cmp.differences(&first),
    );
    let spec = compact(spec);
    let built = build(compiler, &spec).map_err(|e| defect(&name, &e))?;
    let (fields, without_patches) = cmp.reproduced(&built);
    let patches = cmp.patches(&built);
    let mut full = spec.clone();
    if !patches.is_empty() {
        let list = patches.iter().map(|(p, _)| p.clone()).collect();
        full.insert("patches".into(), Value::Array(list));
    }
    let rebuilt = build(compiler, &full).map_err(|e| defect(&name, &e))?;
    let differences = cmp.differences(&rebuilt);
    let changed = cmp.deliberate(&rebuilt);
    let objects = rebuilt.iter().map(key).collect();
    let header = write::Header {
        targets: targets
            .iter()
            .map(|o| format!("{} ({}:{})", o.key(), o.file, o.line))
            .collect(),
        changed: changed.clone(),
    };
    Ok(ImportedApp {
        spec: write::spec(&spec, &patches, &header),
        name,
        objects,
        changed,
        differences,
        fields,
        without_patches,
        patches: patches.len(),
    })
}

/// The shortest spelling of what is left: `headlessService: NAME` for a name alone.
fn compact(mut spec: Map<String, Value>) -> Map<String, Value> {
    if let Some(Value::Object(h)) = spec.get("headlessService") {
        if h.len() == 1 && h.contains_key("name") {
            let name = h["name"].clone();
            spec.insert("headlessService".into(), name);
        }
    }
    spec
}

fn defect(app: &str, e: &str) -> ImportError {
    ImportError::Input(format!(
        "the spec imported for StatefulSet {app} does not build (a defect in stsc import; please report it):\n{e}"
    ))
}

/// The objects a spec builds, or its errors.
fn build(compiler: &Compiler, spec: &Map<String, Value>) -> Result<Vec<Value>, String> {
    let text = crate::yaml::write::to_string(
        &Value::Object(spec.clone()),
        crate::yaml::write::Dialect::Serde,
    );
    let src = Arc::new(SourceFile::new("<import>", text));
    let out = compiler.compile(&[src]);
    if out.has_errors() {
        let lines: Vec<String> = out.findings.iter().map(|f| f.headline()).collect();
        return Err(lines.join("\n"));
    }
    Ok(out.manifests.into_iter().map(|m| m.object).collect())
}

/// A wanted object (by key, normalized, adjusted for deliberate changes) and the build's
/// counterpart (normalized).
type Pair<'a> = (&'a str, Value, Option<Value>);

/// The objects to reproduce, normalized once, and the comparisons against a build.
struct Comparison {
    version: KubeVersion,
    want: Vec<(String, Value)>,
}

impl Comparison {
    fn new(version: KubeVersion, want: &[Value]) -> Self {
        let want = want
            .iter()
            .map(|o| (key(o), compare::normalized(o, version)))
            .collect();
        Comparison { version, want }
    }

    /// Each wanted object with the build's counterpart (normalized), and what the build adds.
    fn pairs(&self, built: &[Value]) -> (Vec<Pair<'_>>, Vec<String>) {
        let mut have: Vec<(String, Value)> = built
            .iter()
            .map(|o| (key(o), compare::normalized(o, self.version)))
            .collect();
        let mut pairs = Vec::new();
        for (k, w) in &self.want {
            let found = have
                .iter()
                .position(|(hk, _)| hk == k)
                .map(|i| have.remove(i).1);
            let w = match &found {
                Some(h) => deliberate::adjusted(w, h).0,
                None => w.clone(),
            };
            pairs.push((k.as_str(), w, found));
        }
        (pairs, have.into_iter().map(|(k, _)| k).collect())
    }

    /// Every difference between the build and the objects, object by object.
    fn differences(&self, built: &[Value]) -> Vec<String> {
        let (pairs, extra) = self.pairs(built);
        let mut out = Vec::new();
        for (k, w, h) in pairs {
            match h {
                Some(h) => out.extend(
                    compare::differences(&w, &h)
                        .into_iter()
                        .map(|d| format!("{k}: {d}")),
                ),
                None => out.push(format!("{k}: not built")),
            }
        }
        out.extend(
            extra
                .into_iter()
                .map(|k| format!("{k}: built, but not among the objects")),
        );
        out
    }

    /// (fields the build reproduces, fields) over every object.
    fn reproduced(&self, built: &[Value]) -> (usize, usize) {
        let (pairs, _) = self.pairs(built);
        pairs.iter().fold((0, 0), |(t, s), (_, w, h)| {
            let (same, total) = compare::reproduced(w, h.as_ref());
            (t + total, s + same)
        })
    }

    /// What the build changes on purpose, each change with the objects it is made on.
    fn deliberate(&self, built: &[Value]) -> Vec<String> {
        let mut notes: Vec<(String, Vec<&str>)> = Vec::new();
        for (k, w) in &self.want {
            let Some(h) = built.iter().find(|b| &key(b) == k) else {
                continue;
            };
            for note in deliberate::adjusted(w, &compare::normalized(h, self.version)).1 {
                match notes.iter_mut().find(|(n, _)| *n == note) {
                    Some((_, on)) => on.push(k),
                    None => notes.push((note, vec![k])),
                }
            }
        }
        let all = self.want.len();
        let on = |objects: &[&str]| match objects {
            [one] => format!("on {one}"),
            _ if objects.len() == all => format!("on all {all} objects"),
            _ => format!("on {} objects", objects.len()),
        };
        notes
            .into_iter()
            .map(|(n, objects)| format!("{n}, {}", on(&objects)))
            .collect()
    }

    /// A patch for each object the build does not reproduce, with the reason for it.
    fn patches(&self, built: &[Value]) -> Vec<(Value, String)> {
        let (pairs, _) = self.pairs(built);
        let mut out = Vec::new();
        for (k, w, h) in pairs {
            let Some(h) = h else { continue };
            if w == h {
                continue;
            }
            let Some(raw) = built.iter().find(|b| key(b) == k) else {
                continue;
            };
            out.push(self.patch(raw, &h, &w));
        }
        out
    }

    /// The patch from the built object `raw` (normalized: `have`) to `want`: strategic merge
    /// when it reproduces `want`, else RFC 6902 operations.
    fn patch(&self, raw: &Value, have: &Value, want: &Value) -> (Value, String) {
        let api = raw["apiVersion"].as_str().unwrap_or_default();
        let kind = raw["kind"].as_str().unwrap_or_default();
        let schema = PatchSchema::for_version(self.version, api, kind);
        let target = json!({ "kind": kind, "name": raw["metadata"]["name"] });
        let why = write::why(&compare::differences(want, have));
        if let Some(p) = diff::two_way(have, want, schema) {
            let mut patched = raw.clone();
            let ok = crate::patch::merge(&mut patched, &p, schema).is_ok()
                && compare::normalized(&patched, self.version) == *want;
            if ok {
                return (json!({ "target": target, "patch": p }), why);
            }
        }
        let ops = json_patch::diff(raw, want);
        let ops = serde_json::to_value(ops).unwrap_or(Value::Null);
        (json!({ "target": target, "jsonPatch": ops }), why)
    }
}

mod deliberate {
    //! What a build changes on purpose, and the objects as if it had not.

    use serde_json::Value;

    use super::extract::MANAGED_BY;

    /// `want` with the build's deliberate changes taken over from `have`, and what they are.
    pub fn adjusted(want: &Value, have: &Value) -> (Value, Vec<String>) {
        let mut w = want.clone();
        let mut notes = Vec::new();
        for at in ["/metadata/labels", "/spec/template/metadata/labels"] {
            let ours = have.pointer(&format!("{at}/{}", MANAGED_BY.replace('/', "~1")));
            if let Some(Value::String(ours)) = ours {
                let theirs = w.pointer(at).and_then(|l| l.get(MANAGED_BY)).cloned();
                if theirs.as_ref().and_then(Value::as_str) != Some(ours) {
                    let was = theirs.map_or_else(|| "no label".to_string(), |t| t.to_string());
                    notes.push(format!("label {MANAGED_BY} is {ours:?} (was {was})"));
                    if let Some(Value::Object(l)) = w.pointer_mut(at) {
                        l.insert(MANAGED_BY.into(), Value::String(ours.clone()));
                    }
                }
            }
        }
        let at = "/spec/template/metadata/annotations";
        if let Some(ours) = have.pointer(&format!("{at}/checksum~1config")) {
            let theirs = w
                .pointer(at)
                .and_then(|a| a.get("checksum/config"))
                .cloned();
            if theirs.as_ref() != Some(ours) {
                notes.push("pod annotation checksum/config is stsc's hash of the ConfigMaps it generates (a change rolls the pods)".into());
                let annotations = w["spec"]["template"]["metadata"].as_object_mut().map(|m| {
                    m.entry("annotations")
                        .or_insert_with(|| serde_json::json!({}))
                });
                if let Some(Value::Object(a)) = annotations {
                    a.insert("checksum/config".into(), ours.clone());
                }
            }
        }
        (w, notes)
    }
}
