//! Writers: multi-document YAML, a JSON `v1` `List`, or one file per object plus a
//! `kustomization.yaml`, written atomically.
//!
//! Serialization is from values (sorted maps, LF, trailing newline), never from template text.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::compile::Manifest;

/// Writing output failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// A file or directory could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Two objects would go to the same file.
    #[error("{file} would hold two objects: {first} and {second}")]
    FileClash {
        /// The file name.
        file: String,
        /// First object.
        first: String,
        /// Second object.
        second: String,
    },
    /// Serialization failed (a bug).
    #[error("cannot serialize {0}")]
    Serialize(String),
}

/// One object as a YAML document (no `---`), ending with a newline.
pub fn object_yaml(v: &Value) -> Result<String, OutputError> {
    Ok(crate::yamlout::to_string(v, crate::yamlout::Dialect::Serde))
}

/// Each manifest as YAML, in order; on two threads when there are many (each object is
/// serialized on its own, so the split changes nothing in the text).
fn yaml_each(manifests: &[Manifest]) -> Result<Vec<String>, OutputError> {
    let one = |ms: &[Manifest]| -> Result<Vec<String>, OutputError> {
        ms.iter().map(|m| object_yaml(&m.object)).collect()
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
    if threads < 2 || manifests.len() < 256 {
        return one(manifests);
    }
    let (a, b) = manifests.split_at(manifests.len() / 2);
    std::thread::scope(|s| {
        let second = s.spawn(|| one(b));
        let mut out = one(a)?;
        match second.join() {
            Ok(rest) => out.extend(rest?),
            Err(panic) => std::panic::resume_unwind(panic),
        }
        Ok(out)
    })
}

/// All objects as a multi-document YAML stream.
pub fn to_yaml(manifests: &[Manifest]) -> Result<String, OutputError> {
    let docs = yaml_each(manifests)?;
    let mut out = String::with_capacity(docs.iter().map(|d| d.len() + 4).sum());
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(d);
    }
    Ok(out)
}

/// All objects as a `v1` `List`, indented with four spaces as kubectl does.
pub fn to_json_list(manifests: &[Manifest]) -> Result<String, OutputError> {
    let list = json!({
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": manifests.iter().map(|m| &m.object).collect::<Vec<_>>(),
    });
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(&list, &mut ser)
        .map_err(|e| OutputError::Serialize(e.to_string()))?;
    buf.push(b'\n');
    String::from_utf8(buf).map_err(|e| OutputError::Serialize(e.to_string()))
}

/// `<kind>-<name>.yaml`, lowercase kind.
pub fn file_name(m: &Manifest) -> String {
    let kind = m.object["kind"].as_str().unwrap_or("object").to_lowercase();
    let name = m.object["metadata"]["name"].as_str().unwrap_or("unnamed");
    format!("{kind}-{name}.yaml")
}

/// The files `-o DIR` writes: (file name, content), the kustomization last.
pub fn dir_files(manifests: &[Manifest]) -> Result<Vec<(String, String)>, OutputError> {
    let mut files: Vec<(String, String)> = Vec::with_capacity(manifests.len() + 1);
    let mut owners: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for m in manifests {
        let name = file_name(m);
        if let Some(first) = owners.get(&name) {
            return Err(OutputError::FileClash {
                file: name,
                first: first.clone(),
                second: m.key(),
            });
        }
        owners.insert(name.clone(), m.key());
        files.push((name, String::new()));
    }
    for ((_, text), yaml) in files.iter_mut().zip(yaml_each(manifests)?) {
        *text = yaml;
    }
    let kustomization = json!({
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": files.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
    });
    files.push((
        "kustomization.yaml".to_string(),
        object_yaml(&kustomization)?,
    ));
    Ok(files)
}

/// Write files into `dir` atomically: every file goes to a temporary name first, and only when
/// all are written are they renamed into place. On failure the temporaries are removed and no
/// existing file is touched.
pub fn write_dir(dir: &Path, files: &[(String, String)]) -> Result<Vec<PathBuf>, OutputError> {
    let io = |path: &Path, source| OutputError::Io {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| {
        for (name, content) in files {
            let target = dir.join(name);
            let tmp = dir.join(format!(".{name}.stsc-tmp-{}", std::process::id()));
            let mut f = std::fs::File::create(&tmp).map_err(|e| io(&tmp, e))?;
            temps.push((tmp.clone(), target));
            f.write_all(content.as_bytes()).map_err(|e| io(&tmp, e))?;
            f.sync_all().map_err(|e| io(&tmp, e))?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (tmp, _) in &temps {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    let mut written = Vec::new();
    for (tmp, target) in temps {
        std::fs::rename(&tmp, &target).map_err(|e| io(&target, e))?;
        written.push(target);
    }
    Ok(written)
}

/// How one file of an output directory differs from what stsc would write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDrift {
    /// File name inside the directory.
    pub name: String,
    /// Current content (`None`: missing).
    pub old: Option<String>,
    /// Content stsc would write (`None`: stsc would remove it, a stale file it wrote before).
    pub new: Option<String>,
}

/// The files an earlier `-o DIR` wrote: the resources of `DIR/kustomization.yaml`.
fn owned_files(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(dir.join("kustomization.yaml")) else {
        return Vec::new();
    };
    let src = crate::source::SourceFile::new("kustomization.yaml", text);
    let Ok(docs) = crate::yaml::load(&src) else {
        return Vec::new();
    };
    docs.first()
        .and_then(|d| d.value["resources"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        // Only plain file names in DIR: never follow a path out of it.
        .filter(|n| !n.contains('/') && !n.contains('\\') && !n.starts_with('.'))
        .map(str::to_string)
        .collect()
}

/// Files that differ between `dir` and `files`, plus stale files: listed by the existing
/// `kustomization.yaml` but no longer produced. Empty when the directory is current.
pub fn drift(dir: &Path, files: &[(String, String)]) -> Result<Vec<FileDrift>, OutputError> {
    let read = |name: &str| -> Result<Option<String>, OutputError> {
        let path = dir.join(name);
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(OutputError::Io {
                path: path.display().to_string(),
                source: e,
            }),
        }
    };
    let mut out = Vec::new();
    for (name, content) in files {
        let old = read(name)?;
        if old.as_deref() != Some(content.as_str()) {
            out.push(FileDrift {
                name: name.clone(),
                old,
                new: Some(content.clone()),
            });
        }
    }
    for name in stale(dir, files) {
        if let Some(old) = read(&name)? {
            out.push(FileDrift {
                name,
                old: Some(old),
                new: None,
            });
        }
    }
    Ok(out)
}

/// Files an earlier `-o DIR` wrote (its `kustomization.yaml` lists them) that `files` no longer
/// has. Read this before writing: the new kustomization replaces the old list.
pub fn stale(dir: &Path, files: &[(String, String)]) -> Vec<String> {
    owned_files(dir)
        .into_iter()
        .filter(|n| !files.iter().any(|(f, _)| f == n))
        .collect()
}

/// Remove stale files (see [`stale`]); call after the new files are in place, so a failure never
/// leaves the directory without its objects.
pub fn remove_stale(dir: &Path, stale: &[String]) -> Result<Vec<PathBuf>, OutputError> {
    let mut removed = Vec::new();
    for name in stale {
        let path = dir.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => removed.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(OutputError::Io {
                    path: path.display().to_string(),
                    source: e,
                })
            }
        }
    }
    Ok(removed)
}

/// A unified diff (as `diff -u` / `git diff` print it) from the directory's files to stsc's.
pub fn unified_diff(dir: &str, drifts: &[FileDrift]) -> String {
    let mut out = String::new();
    for d in drifts {
        let path = format!("{}/{}", dir.trim_end_matches('/'), d.name);
        let old_name = if d.old.is_some() {
            path.clone()
        } else {
            "/dev/null".into()
        };
        let new_name = if d.new.is_some() {
            path.clone()
        } else {
            "/dev/null".into()
        };
        let diff = similar::TextDiff::from_lines(
            d.old.as_deref().unwrap_or(""),
            d.new.as_deref().unwrap_or(""),
        );
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&old_name, &new_name)
                .to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_diff_looks_like_diff_u() {
        let d = [
            FileDrift {
                name: "a.yaml".into(),
                old: Some("x: 1\ny: 2\n".into()),
                new: Some("x: 1\ny: 3\n".into()),
            },
            FileDrift {
                name: "b.yaml".into(),
                old: None,
                new: Some("z: 1\n".into()),
            },
        ];
        assert_eq!(
            unified_diff("out/", &d),
            "--- out/a.yaml\n+++ out/a.yaml\n@@ -1,2 +1,2 @@\n x: 1\n-y: 2\n+y: 3\n--- /dev/null\n+++ out/b.yaml\n@@ -0,0 +1 @@\n+z: 1\n"
        );
    }
}
