//! Validation of generated objects: the strict Kubernetes JSON Schema of the target version, then
//! the API server's rules that a schema cannot express.
//!
//! Results are data ([`Violation`]s per object); nothing here stops at the first problem, prints,
//! or knows about spec files.

mod api_rules;
mod pod;
pub mod pod_security;
mod verdict;

use std::fmt;
use std::sync::OnceLock;

use serde_json::Value;

pub use api_rules::{api_rules, first_refused};
pub use pod::TOTAL_ANNOTATION_SIZE;

use crate::k8s::version::{KubeVersion, SUPPORTED_MINORS};

/// One problem with one generated object.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Stable rule id.
    pub rule: &'static str,
    /// Warnings do not fail a build unless `--strict`.
    pub warning: bool,
    /// JSON pointer of the offending value in the object.
    pub pointer: String,
    /// The offending value, when there is one (used to find the spec line that produced it).
    pub value: Option<Value>,
    /// The message, API-server style: `field.path: Invalid value: ...`.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Violation {
    pub(crate) fn error(
        rule: &'static str,
        pointer: String,
        value: Option<Value>,
        message: String,
    ) -> Self {
        Violation {
            rule,
            warning: false,
            pointer,
            value,
            message,
            help: None,
        }
    }

    pub(crate) fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
}

/// Whether `obj` is of a kind stsc has a schema for (and the runtime serves).
pub fn has_schema(obj: &Value) -> bool {
    let api = obj["apiVersion"].as_str().unwrap_or_default();
    let kind = obj["kind"].as_str().unwrap_or_default();
    KINDS
        .iter()
        .any(|k| k.strip_suffix(kind).and_then(|p| p.strip_suffix('/')) == Some(api))
}

/// `apiVersion/kind` keys of the kinds stsc has schemas for, in the bundle's order.
const KINDS: &[&str] = &[
    "v1/ServiceAccount",
    "rbac.authorization.k8s.io/v1/ClusterRole",
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding",
    "storage.k8s.io/v1/StorageClass",
    "v1/Service",
    "apps/v1/StatefulSet",
    "v1/Namespace",
    "v1/ConfigMap",
    "policy/v1/PodDisruptionBudget",
    "networking.k8s.io/v1/NetworkPolicy",
    "rbac.authorization.k8s.io/v1/Role",
    "rbac.authorization.k8s.io/v1/RoleBinding",
];

fn bundle_text(v: KubeVersion) -> &'static str {
    index::TEXTS[version_index(v)]
}

/// Number of supported versions.
const VERSIONS: usize = (SUPPORTED_MINORS.1 - SUPPORTED_MINORS.0 + 1) as usize;

/// URI under which a version's bundle is registered; kinds are `#/kinds/<apiVersion>/<Kind>`.
const BUNDLE_URI: &str = "urn:stsc:k8s";

/// The byte ranges of every definition and kind of each bundle, computed by `build.rs`.
mod index {
    include!(concat!(env!("OUT_DIR"), "/schema_index.rs"));
}

/// A version's bundle, indexed but not parsed: each definition and kind stays raw text until a
/// kind that reaches it is compiled, so a kind costs only its own closure. The index is built
/// at compile time, so start-up does not scan the bundle.
struct RawBundle {
    text: &'static str,
    defs: &'static [[u32; 4]],
    kinds: &'static [[u32; 4]],
}

impl RawBundle {
    fn slice(&self, from: u32, to: u32) -> &'static str {
        let text: &'static str = self.text;
        text.get(from as usize..to as usize).unwrap_or_default()
    }
    /// The position of `name` in `table`.
    fn find(&self, table: &[[u32; 4]], name: &str) -> Option<usize> {
        table
            .binary_search_by(|e| self.slice(e[0], e[1]).cmp(name))
            .ok()
    }
    fn def(&self, name: &str) -> Option<&'static str> {
        let e = self.defs[self.find(self.defs, name)?];
        Some(self.slice(e[2], e[3]))
    }
    fn kind(&self, name: &str) -> Option<&'static str> {
        let e = self.kinds[self.find(self.kinds, name)?];
        Some(self.slice(e[2], e[3]))
    }
}

fn raw_bundle(v: KubeVersion) -> Result<RawBundle, String> {
    let i = version_index(v);
    match (index::DEFS.get(i), index::KINDS.get(i)) {
        (Some(defs), Some(kinds)) => Ok(RawBundle {
            text: bundle_text(v),
            defs,
            kinds,
        }),
        _ => Err(format!("no schema index for {v}")),
    }
}

/// The value of a process-wide cache cell, computed by `init` on first use.
fn cached<T>(
    cell: &'static OnceLock<Result<T, String>>,
    init: impl FnOnce() -> Result<T, String>,
) -> Result<&'static T, String> {
    cell.get_or_init(init).as_ref().map_err(Clone::clone)
}

fn version_index(v: KubeVersion) -> usize {
    (v.minor.clamp(SUPPORTED_MINORS.0, SUPPORTED_MINORS.1) - SUPPORTED_MINORS.0) as usize
}

/// Names of the definitions `v` references directly (`#/$defs/NAME`).
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => {
                        if let Some(name) = r.strip_prefix("#/$defs/") {
                            out.push(name);
                        }
                    }
                    _ => refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

/// One kind's schema with the definitions it reaches (and no others) under `$defs`.
fn kind_document(b: &RawBundle, key: &str) -> Result<Value, String> {
    let parse = |raw: &str| -> Result<Value, String> {
        serde_json::from_str(raw).map_err(|e| e.to_string())
    };
    let raw = b.kind(key).ok_or_else(|| format!("no schema for {key}"))?;
    let mut doc = parse(raw)?;
    let mut defs = serde_json::Map::new();
    let mut todo: Vec<String> = Vec::new();
    let mut names = Vec::new();
    refs(&doc, &mut names);
    todo.extend(names.iter().map(|n| n.to_string()));
    while let Some(name) = todo.pop() {
        if defs.contains_key(&name) {
            continue;
        }
        let Some(raw) = b.def(&name) else {
            return Err(format!("{key}: no definition {name}"));
        };
        let d = parse(raw)?;
        let mut names = Vec::new();
        refs(&d, &mut names);
        todo.extend(names.iter().map(|n| n.to_string()));
        defs.insert(name, d);
    }
    if let Value::Object(m) = &mut doc {
        m.insert("$defs".into(), Value::Object(defs));
    }
    Ok(doc)
}

/// Each kind's document, registered under [`BUNDLE_URI`] in a registry of its own (prepared once
/// per process): its definitions are compiled as the kind reaches them and are not checked
/// against the meta-schema (they are generated and tested here), and kinds build independently,
/// so two threads can compile two kinds at once.
fn registry(v: KubeVersion, kind: usize) -> Result<&'static jsonschema::Registry<'static>, String> {
    type Slot = OnceLock<Result<jsonschema::Registry<'static>, String>>;
    static REGISTRIES: [[Slot; KINDS.len()]; VERSIONS] =
        [const { [const { OnceLock::new() }; KINDS.len()] }; VERSIONS];
    cached(&REGISTRIES[version_index(v)][kind], || {
        let doc = kind_doc(v, kind)?;
        jsonschema::Registry::new()
            .add(BUNDLE_URI, DRAFT.create_resource_ref(doc))
            .and_then(|r| r.prepare())
            .map_err(|e| e.to_string())
    })
}

/// Each kind's document (see [`kind_document`]), parsed once per process; it lives as long as
/// the process, like the registry that borrows it.
fn kind_doc(v: KubeVersion, kind: usize) -> Result<&'static Value, String> {
    static DOCS: [[OnceLock<Result<Value, String>>; KINDS.len()]; VERSIONS] =
        [const { [const { OnceLock::new() }; KINDS.len()] }; VERSIONS];
    cached(&DOCS[version_index(v)][kind], || {
        kind_document(&raw_bundle(v)?, KINDS[kind])
    })
}

/// A version's definitions, each parsed the first time a check reaches it: a valid object costs
/// the parse of the definitions its own fields lead to, not of everything its kind could hold.
struct LazyDefs {
    raw: RawBundle,
    /// One cell per definition, in the index's order.
    parsed: Vec<OnceLock<Option<Value>>>,
}

impl LazyDefs {
    fn get(&self, name: &str) -> Option<&Value> {
        let i = self.raw.find(self.raw.defs, name)?;
        let e = self.raw.defs[i];
        self.parsed[i]
            .get_or_init(|| serde_json::from_str(self.raw.slice(e[2], e[3])).ok())
            .as_ref()
    }
}

fn lazy_defs(v: KubeVersion) -> Result<&'static LazyDefs, String> {
    static DEFS: [OnceLock<Result<LazyDefs, String>>; VERSIONS] =
        [const { OnceLock::new() }; VERSIONS];
    cached(&DEFS[version_index(v)], || {
        let raw = raw_bundle(v)?;
        Ok(LazyDefs {
            parsed: (0..raw.defs.len()).map(|_| OnceLock::new()).collect(),
            raw,
        })
    })
}

/// A kind's own schema (its definitions stay in [`lazy_defs`]).
fn kind_root(v: KubeVersion, kind: usize) -> Result<&'static Value, String> {
    static ROOTS: [[OnceLock<Result<Value, String>>; KINDS.len()]; VERSIONS] =
        [const { [const { OnceLock::new() }; KINDS.len()] }; VERSIONS];
    cached(&ROOTS[version_index(v)][kind], || {
        let raw = raw_bundle(v)?
            .kind(KINDS[kind])
            .ok_or_else(|| format!("no schema for {}", KINDS[kind]))?;
        serde_json::from_str(raw).map_err(|e| e.to_string())
    })
}

/// Whether the quick check calls `obj` valid against kind `i` (see `verdict`).
fn quick_valid(v: KubeVersion, i: usize, obj: &Value) -> Option<bool> {
    let root = kind_root(v, i).ok()?;
    let defs = lazy_defs(v).ok()?;
    verdict::valid(root, &|n| defs.get(n), obj)
}

/// The bundle uses only keywords whose meaning is the same in every draft (type, properties,
/// additionalProperties, items, required, enum, oneOf, `$ref` without siblings); Draft 7's
/// meta-schema is a quarter of 2020-12's to compile, and start-up is what a hook pays.
const DRAFT: jsonschema::Draft = jsonschema::Draft::Draft7;

type Compiled = OnceLock<Result<jsonschema::Validator, String>>;

/// Compiled validators per version and kind, shared by every [`Schemas`] of the process.
static VALIDATORS: [[Compiled; KINDS.len()]; VERSIONS] =
    [const { [const { OnceLock::new() }; KINDS.len()] }; VERSIONS];

/// How [`Schemas::validate`] judges objects: the caller's choice, by how much it validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checking {
    /// Walk the schema document for each object (see `verdict`), compiling a validator only to
    /// explain an object that fails: a spec or two never pays for compiling one.
    Few,
    /// Compile each kind's validator once and run it on every object: past a few dozen
    /// objects, compiling once is cheaper than walking the schema document for each.
    Many,
}

impl Checking {
    /// Input up to which [`Checking::Few`] is the cheaper (about sixteen apps).
    const FEW_UP_TO_BYTES: usize = 16 << 10;

    /// The choice for `n` objects.
    pub fn for_objects(n: usize) -> Checking {
        if n <= 16 {
            Checking::Few
        } else {
            Checking::Many
        }
    }

    /// The choice for compiling these sources.
    pub fn for_input(sources: &[std::sync::Arc<crate::source::SourceFile>]) -> Checking {
        let bytes: usize = sources.iter().map(|s| s.text().len()).sum();
        if bytes <= Self::FEW_UP_TO_BYTES {
            Checking::Few
        } else {
            Checking::Many
        }
    }
}

/// The strict schemas of one Kubernetes version; validators are compiled on first use, per kind.
pub struct Schemas {
    version: KubeVersion,
    checking: Checking,
}

impl fmt::Debug for Schemas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schemas")
            .field("version", &self.version)
            .field("checking", &self.checking)
            .finish()
    }
}

impl Schemas {
    /// The schemas of `version` (embedded; nothing is read from disk or network), judging
    /// objects as `checking` says.
    pub fn new(version: KubeVersion, checking: Checking) -> Self {
        Schemas { version, checking }
    }

    fn validator(&self, key: &str) -> Option<Result<&jsonschema::Validator, String>> {
        let i = KINDS.iter().position(|k| *k == key)?;
        let v = VALIDATORS[version_index(self.version)][i].get_or_init(|| {
            let registry = registry(self.version, i)?;
            let pointer = format!("{BUNDLE_URI}#");
            jsonschema::options()
                .with_draft(DRAFT)
                // Formats are annotations, as in 2020-12 (int32, quantity, date-time...).
                .should_validate_formats(false)
                .with_registry(registry)
                .build(&serde_json::json!({ "$ref": pointer }))
                .map_err(|e| e.to_string())
        });
        Some(v.as_ref().map_err(Clone::clone))
    }

    /// Validate one object against the schema of its kind.
    pub fn validate(&self, obj: &Value) -> Vec<Violation> {
        let api = obj["apiVersion"].as_str().unwrap_or_default();
        let kind = obj["kind"].as_str().unwrap_or_default();
        let key = format!("{api}/{kind}");
        if self.checking == Checking::Few {
            let quick = KINDS.iter().position(|k| *k == key);
            if quick.and_then(|i| quick_valid(self.version, i, obj)) == Some(true) {
                return Vec::new();
            }
        }
        self.explain(obj, &key)
    }

    /// Every violation of `obj` against its kind's schema, from the compiled validator.
    fn explain(&self, obj: &Value, key: &str) -> Vec<Violation> {
        let api = obj["apiVersion"].as_str().unwrap_or_default();
        let kind = obj["kind"].as_str().unwrap_or_default();
        let validator = match self.validator(key) {
            None => {
                return vec![Violation::error(
                    "k8s-schema",
                    "/kind".into(),
                    Some(obj["kind"].clone()),
                    format!(
                        "no schema for apiVersion {api:?} kind {kind:?} in Kubernetes {}",
                        self.version
                    ),
                )]
            }
            Some(Err(e)) => {
                return vec![Violation::error(
                    "k8s-schema",
                    String::new(),
                    None,
                    format!("internal error: schema of {key} does not compile: {e}"),
                )]
            }
            Some(Ok(v)) => v,
        };
        let mut out = Vec::new();
        for err in validator.iter_errors(obj) {
            let pointer = err.instance_path().to_string();
            let field = crate::k8s::pointer::display_path(&pointer);
            let at = if field.is_empty() {
                String::new()
            } else {
                format!("{field}: ")
            };
            let v = match err.kind() {
                jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                    let names: Vec<String> = unexpected.iter().map(|u| format!("{u:?}")).collect();
                    let first = unexpected.first().cloned().unwrap_or_default();
                    let p = format!("{pointer}/{}", crate::k8s::pointer::escape(&first));
                    Violation::error(
                        "k8s-schema",
                        p,
                        None,
                        format!(
                            "{at}unknown field {} (not in the Kubernetes {} schema)",
                            names.join(", "),
                            self.version
                        ),
                    )
                }
                _ => Violation::error(
                    "k8s-schema",
                    pointer.clone(),
                    obj.pointer(&pointer).cloned(),
                    format!("{at}{err}"),
                ),
            };
            out.push(v);
        }
        out
    }
}

/// The whole schema bundle of a version, parsed (`kinds` and `$defs`, with the OpenAPI patch
/// markers `x-kubernetes-patch-strategy` and `x-kubernetes-patch-merge-key`): what strategic
/// merge reads. Parsed once per version, on first use.
///
/// # Errors
/// The embedded bundle does not parse (a build defect).
pub fn bundle(v: KubeVersion) -> Result<&'static Value, String> {
    static BUNDLES: [OnceLock<Result<Value, String>>; VERSIONS] =
        [const { OnceLock::new() }; VERSIONS];
    cached(&BUNDLES[version_index(v)], || {
        serde_json::from_str(bundle_text(v)).map_err(|e| format!("schema bundle {v}: {e}"))
    })
}

/// Copy into a spec schema (draft-07, `definitions`) every Kubernetes definition its
/// `#/definitions/io.k8s...` references reach, from the newest bundle, and give the spec's
/// `Volume` the Kubernetes volume sources as properties.
pub fn embed_kubernetes_definitions(schema: &mut Value) {
    const PREFIX: &str = "#/definitions/";
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    if let Some(name) = r.strip_prefix(PREFIX).filter(|n| n.starts_with("io.k8s."))
                    {
                        out.push(name.to_string());
                    }
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    fn rewrite(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get_mut("$ref") {
                    if let Some(name) = r.strip_prefix("#/$defs/") {
                        *r = format!("{PREFIX}{name}");
                    }
                }
                m.values_mut().for_each(rewrite);
            }
            Value::Array(a) => a.iter_mut().for_each(rewrite),
            _ => {}
        }
    }
    let Ok(bundle) = serde_json::from_str::<Value>(bundle_text(KubeVersion::NEWEST)) else {
        return;
    };
    let volume = "io.k8s.api.core.v1.Volume";
    let mut todo = vec![volume.to_string()];
    refs(schema, &mut todo);
    let mut added = serde_json::Map::new();
    while let Some(name) = todo.pop() {
        if added.contains_key(&name) {
            continue;
        }
        let Some(mut def) = bundle["$defs"].get(&name).cloned() else {
            continue;
        };
        rewrite(&mut def);
        refs(&def, &mut todo);
        added.insert(name, def);
    }
    let sources = added[volume]["properties"].clone();
    let defs = &mut schema["definitions"];
    if let Some(Value::Object(props)) = defs.pointer_mut("/Volume/properties") {
        for (k, v) in sources.as_object().into_iter().flatten() {
            // `configMap: NAME` and `secret: NAME` are the compact forms.
            let v = match k.as_str() {
                "configMap" | "secret" => serde_json::json!({"anyOf": [{"type": "string"}, v]}),
                _ => v.clone(),
            };
            if k != "name" {
                props.entry(k.clone()).or_insert(v);
            }
        }
    }
    added.remove(volume);
    if let Value::Object(d) = defs {
        d.extend(added);
    }
}

#[cfg(test)]
mod tests;
