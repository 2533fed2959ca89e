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
    Ok(crate::yaml::write::to_string(
        v,
        crate::yaml::write::Dialect::Serde,
    ))
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

/// `<kind>-<name>.yaml`, lowercase kind; `<kind>-<name>.<namespace>.yaml` when the build holds
/// that kind and name in more than one namespace (a namespace has no `.`, so the name stays
/// readable). Characters a file system may refuse (`:` in `system:` roles, `/`) become `_`.
pub fn file_name(m: &Manifest, several_namespaces: bool) -> String {
    let kind = m.object["kind"].as_str().unwrap_or("object").to_lowercase();
    let name = m.object["metadata"]["name"].as_str().unwrap_or("unnamed");
    let portable = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    match m.object["metadata"]["namespace"].as_str() {
        Some(ns) if several_namespaces => {
            format!("{kind}-{}.{}.yaml", portable(name), portable(ns))
        }
        _ => format!("{kind}-{}.yaml", portable(name)),
    }
}

/// The file that records which files of an output directory stsc wrote, one name a line, so
/// that files a user added (and listed in `kustomization.yaml`) are never taken for stale ones.
/// No YAML extension: `kubectl apply -f DIR`, kustomize and Argo CD pass it by.
pub const OWNED_LIST: &str = ".stsc-files";

/// What an output directory holds before a build: the files stsc wrote there, and the
/// `kustomization.yaml` (with what the user added to it).
#[derive(Debug, Clone, Default)]
pub struct DirState {
    /// Files stsc wrote there before.
    pub owned: Vec<String>,
    /// The current kustomization, if any.
    pub kustomization: Option<Value>,
}

impl DirState {
    /// Read `dir` (missing files are an empty state).
    pub fn read(dir: &Path) -> DirState {
        let kustomization = std::fs::read_to_string(dir.join("kustomization.yaml"))
            .ok()
            .and_then(|text| {
                let src = crate::source::SourceFile::new("kustomization.yaml", text);
                crate::yaml::load(&src).ok()?.into_iter().next()
            })
            .map(|d| d.value)
            .filter(Value::is_object);
        let owned: Vec<String> = match std::fs::read_to_string(dir.join(OWNED_LIST)) {
            Ok(text) => text.lines().map(str::to_string).collect(),
            // A directory from before the list: the kustomization's entries that have the
            // shape of stsc's file names.
            Err(_) => resources(kustomization.as_ref())
                .into_iter()
                .filter(|n| {
                    n.split_once('-')
                        .is_some_and(|(k, _)| k.bytes().all(|c| c.is_ascii_lowercase()))
                })
                .collect(),
        };
        let owned = owned.into_iter().filter(|n| plain_file_name(n)).collect();
        DirState {
            owned,
            kustomization,
        }
    }
}

/// Only plain file names in DIR: never follow a path out of it.
fn plain_file_name(n: &str) -> bool {
    !n.is_empty() && !n.contains('/') && !n.contains('\\') && !n.starts_with('.')
}

fn resources(k: Option<&Value>) -> Vec<String> {
    k.and_then(|k| k["resources"].as_array())
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// The files `-o DIR` writes: (file name, content), then the kustomization and the list of
/// owned files. The kustomization keeps what the user gave it: its other fields, and entries
/// for files stsc did not write.
pub fn dir_files(
    manifests: &[Manifest],
    before: &DirState,
) -> Result<Vec<(String, String)>, OutputError> {
    let mut namespaces: std::collections::HashMap<(&str, &str), std::collections::HashSet<&str>> =
        Default::default();
    for m in manifests {
        let o = &m.object;
        let key = (
            o["kind"].as_str().unwrap_or(""),
            o["metadata"]["name"].as_str().unwrap_or(""),
        );
        namespaces
            .entry(key)
            .or_default()
            .insert(o["metadata"]["namespace"].as_str().unwrap_or(""));
    }
    let mut files: Vec<(String, String)> = Vec::with_capacity(manifests.len() + 2);
    let mut owners: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for m in manifests {
        let o = &m.object;
        let key = (
            o["kind"].as_str().unwrap_or(""),
            o["metadata"]["name"].as_str().unwrap_or(""),
        );
        let name = file_name(m, namespaces[&key].len() > 1);
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
    let ours: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let theirs: Vec<String> = resources(before.kustomization.as_ref())
        .into_iter()
        .filter(|n| !before.owned.contains(n) && !ours.contains(n))
        .collect();
    let mut kustomization = before.kustomization.clone().unwrap_or_else(|| {
        json!({
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
        })
    });
    kustomization["resources"] = json!(ours.iter().chain(&theirs).collect::<Vec<_>>());
    let mut list = ours.join("\n");
    list.push('\n');
    files.push((
        "kustomization.yaml".to_string(),
        object_yaml(&kustomization)?,
    ));
    files.push((OWNED_LIST.to_string(), list));
    Ok(files)
}

/// Write files into `dir` so that it changes whole or not at all: every file goes to a
/// temporary name first; then each existing file is moved aside and the new one moved in. On any
/// failure the old files are moved back and no temporary is left behind.
pub fn write_dir(dir: &Path, files: &[(String, String)]) -> Result<Vec<PathBuf>, OutputError> {
    let io = |path: &Path, source| OutputError::Io {
        path: path.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let pid = std::process::id();
    let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
    let staged = (|| {
        for (name, content) in files {
            let target = dir.join(name);
            let tmp = dir.join(format!(".{name}.stsc-tmp-{pid}"));
            let mut f = std::fs::File::create(&tmp).map_err(|e| io(&tmp, e))?;
            temps.push((tmp.clone(), target));
            f.write_all(content.as_bytes()).map_err(|e| io(&tmp, e))?;
            f.sync_all().map_err(|e| io(&tmp, e))?;
        }
        Ok(())
    })();
    if let Err(e) = staged {
        for (tmp, _) in &temps {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    swap_in(&temps, pid).map_err(|(path, e)| io(&path, e))?;
    Ok(temps.into_iter().map(|(_, target)| target).collect())
}

/// Move each staged file into place, keeping the file it replaces aside until all are in;
/// undo everything on the first failure.
fn swap_in(temps: &[(PathBuf, PathBuf)], pid: u32) -> Result<(), (PathBuf, std::io::Error)> {
    let aside = |t: &Path| {
        let n = t
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        t.with_file_name(format!(".{n}.stsc-old-{pid}"))
    };
    let mut done: Vec<(&Path, Option<PathBuf>)> = Vec::new();
    let mut result = Ok(());
    for (tmp, target) in temps {
        let old = aside(target);
        let had = target.exists();
        if had {
            if let Err(e) = std::fs::rename(target, &old) {
                result = Err((target.clone(), e));
                break;
            }
        }
        if let Err(e) = std::fs::rename(tmp, target) {
            if had {
                let _ = std::fs::rename(&old, target);
            }
            result = Err((target.clone(), e));
            break;
        }
        done.push((target, had.then_some(old)));
    }
    if result.is_err() {
        for (target, old) in done.iter().rev() {
            let _ = std::fs::remove_file(target);
            if let Some(old) = old {
                let _ = std::fs::rename(old, target);
            }
        }
        for (tmp, _) in temps {
            let _ = std::fs::remove_file(tmp);
        }
        return result;
    }
    for (_, old) in done {
        if let Some(old) = old {
            let _ = std::fs::remove_file(old);
        }
    }
    Ok(())
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

/// Files that differ between `dir` and `files`, plus stale files: listed by the existing
/// `kustomization.yaml` but no longer produced. Empty when the directory is current.
pub fn drift(
    dir: &Path,
    before: &DirState,
    files: &[(String, String)],
) -> Result<Vec<FileDrift>, OutputError> {
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
    for name in stale(before, files) {
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

/// Files an earlier `-o DIR` wrote that `files` no longer has (never a file the user added).
pub fn stale(before: &DirState, files: &[(String, String)]) -> Vec<String> {
    before
        .owned
        .iter()
        .filter(|n| !files.iter().any(|(f, _)| f == *n))
        .cloned()
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

    /// A move that fails halfway puts back every file it had replaced and leaves no temporary.
    #[test]
    fn a_failed_swap_leaves_the_directory_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.yaml"), "old a").unwrap();
        std::fs::write(d.join("b.yaml"), "old b").unwrap();
        std::fs::write(d.join(".a.yaml.stsc-tmp-1"), "new a").unwrap();
        std::fs::write(d.join(".c.yaml.stsc-tmp-1"), "new c").unwrap();
        // b's staged copy is missing: its move fails after a's and c's went in.
        let temps = vec![
            (d.join(".a.yaml.stsc-tmp-1"), d.join("a.yaml")),
            (d.join(".c.yaml.stsc-tmp-1"), d.join("c.yaml")),
            (d.join(".b.yaml.stsc-tmp-1"), d.join("b.yaml")),
        ];
        assert!(swap_in(&temps, 1).is_err());
        let mut names: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.yaml", "b.yaml"]);
        assert_eq!(std::fs::read_to_string(d.join("a.yaml")).unwrap(), "old a");
        assert_eq!(std::fs::read_to_string(d.join("b.yaml")).unwrap(), "old b");
    }

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
