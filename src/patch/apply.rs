//! The spec's `patches` over an app's rendered objects, and where each changed field came from.

use std::collections::BTreeSet;

use serde_json::Value;

use super::strategic::{self, PatchSchema};
use crate::diag::Finding;
use crate::k8s::version::KubeVersion;
use crate::spec::LoadedApp;

/// The fields one patch changed in one object: a problem found there is the patch's.
#[derive(Debug, Clone)]
pub struct Touched {
    /// Index of the object in the app's list.
    pub object: usize,
    /// JSON pointers of the leaves it added or changed (and of what it removed).
    pub pointers: BTreeSet<String>,
    /// The patch's pointer in the spec (`/patches/N/patch` or `/patches/N/jsonPatch`).
    pub spec: String,
}

impl Touched {
    /// The spec pointer of a problem at `pointer` of object `object`, when this patch made it:
    /// the same field inside a strategic patch when it is there, else the patch itself.
    pub fn origin(&self, app: &LoadedApp, object: usize, pointer: &str) -> Option<String> {
        if object != self.object {
            return None;
        }
        let made = self.pointers.iter().any(|p| {
            p == pointer
                || p.starts_with(&format!("{pointer}/"))
                || pointer.starts_with(&format!("{p}/"))
        });
        if !made {
            return None;
        }
        let exact = format!("{}{pointer}", self.spec);
        Some(if app.doc.spans.contains_key(exact.as_str()) {
            exact
        } else {
            self.spec.clone()
        })
    }
}

/// Apply every patch of the app, in order, to its objects (`(template, object)` pairs).
pub fn apply(
    app: &LoadedApp,
    objects: &mut [(&'static str, Value)],
    version: KubeVersion,
) -> (Vec<Touched>, Vec<Finding>) {
    let mut touched = Vec::new();
    let mut findings = Vec::new();
    for (i, p) in app.spec.patches.iter().enumerate() {
        let at = format!("/patches/{i}");
        let targets = match targets(p, objects, i) {
            Ok(t) => t,
            Err((pointer, msg)) => {
                let span = app.span(&format!("{at}{pointer}"));
                findings.push(Finding::error("patch", &app.file, span, msg));
                continue;
            }
        };
        for j in targets {
            match patch_one(p, &at, &mut objects[j].1, version) {
                Ok((pointers, spec)) => touched.push(Touched {
                    object: j,
                    pointers,
                    spec,
                }),
                Err((ptr, msg)) => {
                    let shown = crate::k8s::pointer::display_path(&ptr);
                    let message = format!("{shown}: {msg}");
                    findings.push(Finding::error("patch", &app.file, app.span(&ptr), message));
                }
            }
        }
    }
    (touched, findings)
}

/// The objects a patch targets (by kind, and name when given); `Err` is (pointer under the
/// patch, message) when it targets none or does not give exactly one kind of patch.
fn targets(
    p: &crate::spec::Patch,
    objects: &[(&'static str, Value)],
    i: usize,
) -> Result<Vec<usize>, (&'static str, String)> {
    let targets: Vec<usize> = objects
        .iter()
        .enumerate()
        .filter(|(_, (_, o))| {
            o["kind"] == p.target.kind.as_str()
                && p.target
                    .name
                    .as_ref()
                    .is_none_or(|n| o["metadata"]["name"] == n.as_str())
        })
        .map(|(j, _)| j)
        .collect();
    if targets.is_empty() {
        let what = match &p.target.name {
            Some(n) => format!("{} {n:?}", p.target.kind),
            None => format!("object of kind {}", p.target.kind),
        };
        return Err((
            "/target",
            format!("patches[{i}].target: the app generates no {what}"),
        ));
    }
    if p.patch.is_some() == p.json_patch.is_some() {
        let msg = format!(
            "patches[{i}]: give exactly one of patch (strategic merge) and jsonPatch (RFC 6902)"
        );
        return Err(("", msg));
    }
    Ok(targets)
}

/// Apply one patch to one object: the pointers it changed and the patch's spec pointer, or
/// (spec pointer, message) with the object left as it was.
fn patch_one(
    p: &crate::spec::Patch,
    at: &str,
    obj: &mut Value,
    version: KubeVersion,
) -> Result<(BTreeSet<String>, String), (String, String)> {
    let before = obj.clone();
    let result = match (&p.patch, &p.json_patch) {
        (Some(sm), _) => strategic_one(obj, sm, version)
            .map_err(|e| (format!("{at}/patch{}", e.pointer), e.message)),
        (_, Some(ops)) => json_one(obj, ops).map_err(|(n, m)| (format!("{at}/jsonPatch{n}"), m)),
        _ => Ok(()),
    };
    if let Err(e) = result {
        *obj = before;
        return Err(e);
    }
    let mut pointers = BTreeSet::new();
    changed(&before, obj, "", &mut pointers);
    let kind = if p.patch.is_some() {
        "patch"
    } else {
        "jsonPatch"
    };
    Ok((pointers, format!("{at}/{kind}")))
}

fn strategic_one(
    obj: &mut Value,
    patch: &Value,
    version: KubeVersion,
) -> Result<(), strategic::PatchError> {
    if !patch.is_object() {
        return Err(strategic::PatchError {
            pointer: String::new(),
            message: "a strategic-merge patch is a mapping".into(),
        });
    }
    let api = obj["apiVersion"].as_str().unwrap_or_default().to_string();
    let kind = obj["kind"].as_str().unwrap_or_default().to_string();
    strategic::merge(obj, patch, PatchSchema::for_version(version, &api, &kind))
}

/// RFC 6902 through the json-patch crate; an error names the operation (`/N`).
fn json_one(obj: &mut Value, ops: &Value) -> Result<(), (String, String)> {
    let ops: json_patch::Patch = serde_json::from_value(ops.clone()).map_err(|e| {
        (
            String::new(),
            format!("not a list of RFC 6902 operations: {e}"),
        )
    })?;
    json_patch::patch(obj, &ops).map_err(|e| {
        (
            format!("/{}", e.operation),
            format!("cannot apply at {:?}: {}", e.path.to_string(), e.kind),
        )
    })
}

/// Pointers of the leaves that differ between `a` and `b`.
fn changed(a: &Value, b: &Value, at: &str, out: &mut BTreeSet<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in y {
                let here = format!("{at}/{}", crate::k8s::pointer::escape(k));
                match x.get(k) {
                    Some(old) => changed(old, v, &here, out),
                    None => {
                        out.insert(here);
                    }
                }
            }
            for k in x.keys().filter(|k| !y.contains_key(*k)) {
                out.insert(format!("{at}/{}", crate::k8s::pointer::escape(k)));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                changed(p, q, &format!("{at}/{i}"), out);
            }
        }
        (a, b) if a == b => {}
        _ => {
            out.insert(at.to_string());
        }
    }
}
