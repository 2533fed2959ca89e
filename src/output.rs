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
    serde_yaml::to_string(v).map_err(|e| OutputError::Serialize(e.to_string()))
}

/// All objects as a multi-document YAML stream.
pub fn to_yaml(manifests: &[Manifest]) -> Result<String, OutputError> {
    let mut out = String::new();
    for (i, m) in manifests.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&object_yaml(&m.object)?);
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
    let mut files: Vec<(String, String)> = Vec::new();
    let mut owners: Vec<String> = Vec::new();
    for m in manifests {
        let name = file_name(m);
        if let Some(i) = files.iter().position(|(n, _)| *n == name) {
            return Err(OutputError::FileClash {
                file: name,
                first: owners[i].clone(),
                second: m.key(),
            });
        }
        files.push((name, object_yaml(&m.object)?));
        owners.push(m.key());
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
