//! Reading the OLD side of `stsc check --against`: a directory (or file) of built manifests, or
//! `git:REV` (the spec files as committed at REV, built with today's compiler) or `git:REV:DIR`
//! (manifests committed under DIR at REV).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use serde_json::Value;

use crate::compile::Compiler;
use crate::diag::Finding;
use crate::k8s::manifests;
use crate::source::SourceFile;

/// Where the old objects come from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Old {
    /// Manifest files on disk.
    Path(PathBuf),
    /// A git revision: the check's own spec files at `rev`, or manifests under `dir`.
    Git { rev: String, dir: Option<String> },
}

impl Old {
    pub(crate) fn parse(s: &str) -> Old {
        match s.strip_prefix("git:") {
            Some(rest) => match rest.split_once(':') {
                Some((rev, dir)) => Old::Git {
                    rev: rev.to_string(),
                    dir: Some(dir.to_string()),
                },
                None => Old::Git {
                    rev: rest.to_string(),
                    dir: None,
                },
            },
            None => Old::Path(PathBuf::from(s)),
        }
    }
}

/// The old objects, and findings about old files that could not be read as objects.
/// `Err` is a usage problem (no such directory, unknown revision, git missing).
pub(crate) fn load(
    old: &Old,
    specs: &[PathBuf],
    compiler: &Compiler,
) -> Result<(Vec<Value>, Vec<Finding>), String> {
    let mut found = Found::default();
    match old {
        Old::Path(p) => from_path(p, compiler, &mut found)?,
        Old::Git { rev, dir } => from_git(rev, dir.as_deref(), specs, compiler, &mut found)?,
    }
    Ok((found.objects, found.findings))
}

/// What the old files held.
#[derive(Default)]
struct Found {
    objects: Vec<Value>,
    findings: Vec<Finding>,
}

/// The manifests of a file or directory.
fn from_path(p: &Path, compiler: &Compiler, found: &mut Found) -> Result<(), String> {
    let (objects, findings) = (&mut found.objects, &mut found.findings);
    let meta = std::fs::metadata(p)
        .map_err(|_| format!("--against {}: no such file or directory", p.display()))?;
    let files = if meta.is_dir() {
        let mut v = Vec::new();
        walk(p, &mut v).map_err(|e| format!("--against {}: {e}", p.display()))?;
        v.sort();
        v
    } else {
        vec![p.to_path_buf()]
    };
    for f in files {
        if std::fs::metadata(&f).is_ok_and(|m| m.len() > crate::source::MAX_FILE_BYTES as u64) {
            findings.push(Finding::file_error(
                "file-too-large",
                &f.display().to_string(),
                format!(
                    "larger than {} MiB, the most stsc reads from one file",
                    crate::source::MAX_FILE_BYTES >> 20
                ),
            ));
            continue;
        }
        let bytes = std::fs::read(&f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        let name = f.display().to_string();
        match String::from_utf8(bytes) {
            Ok(text) => take(
                SourceFile::new(name, text),
                false,
                compiler,
                objects,
                findings,
            ),
            Err(_) => findings.push(Finding::file_error("encoding", &name, "not UTF-8 text")),
        }
    }
    if objects.is_empty() && findings.is_empty() {
        return Err(format!(
            "--against {}: no Kubernetes objects in it (an empty file or no manifests): nothing to compare with",
            p.display()
        ));
    }
    Ok(())
}

/// The manifests under `dir` at a git revision, or the specs as they were there.
fn from_git(
    rev: &str,
    dir: Option<&str>,
    specs: &[PathBuf],
    compiler: &Compiler,
    found: &mut Found,
) -> Result<(), String> {
    let (objects, findings) = (&mut found.objects, &mut found.findings);
    git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("{rev}^{{commit}}"),
    ])
    .map_err(|_| format!("--against git:{rev}: unknown revision (or not a git repository)"))?;
    let paths: Vec<(String, bool)> = match dir {
        Some(d) => git(&["ls-tree", "-r", "--name-only", rev, "--", d])?
            .lines()
            .filter(|l| crate::input::is_manifest_name(Path::new(l)))
            .map(|l| (l.to_string(), false))
            .collect(),
        None => specs
            .iter()
            .filter(|p| p.as_os_str() != "-")
            .map(|p| (p.display().to_string(), true))
            .collect(),
    };
    for (path, as_specs) in paths {
        let rel = if Path::new(&path).is_absolute() {
            path.clone()
        } else {
            format!("./{path}")
        };
        // A file that did not exist at REV is new: nothing to compare.
        if let Ok(text) = git(&["show", &format!("{rev}:{rel}")]) {
            take(
                SourceFile::new(format!("git:{rev}:{path}"), text),
                as_specs,
                compiler,
                objects,
                findings,
            );
        }
    }
    Ok(())
}

/// Old objects of one file: manifests as they are, specs built with today's compiler.
fn take(
    src: SourceFile,
    as_specs: bool,
    compiler: &Compiler,
    objects: &mut Vec<Value>,
    findings: &mut Vec<Finding>,
) {
    if as_specs && !manifests::looks_like_manifests(&src) {
        let out = compiler.compile(&[Arc::new(src)]);
        if out.has_errors() {
            if let Some(f) = out.findings.first() {
                let mut w = Finding::file_error(
                    "against",
                    f.file.as_str(),
                    format!(
                        "the old version does not build ({}); nothing to compare",
                        f.headline()
                    ),
                );
                w.severity = crate::diag::Severity::Warning;
                findings.push(w);
            }
        }
        objects.extend(out.manifests.into_iter().map(|m| m.object));
    } else {
        match manifests::parse(&src) {
            Ok(o) => objects.extend(o),
            Err(f) => findings.push(f),
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let p = entry.path();
        let ty = entry.file_type()?;
        if ty.is_dir() {
            if !entry.file_name().to_string_lossy().starts_with('.') {
                walk(&p, out)?;
            }
        } else if crate::input::is_manifest_name(&p) {
            out.push(p);
        }
    }
    Ok(())
}

fn git(args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    String::from_utf8(out.stdout).map_err(|_| "git printed something that is not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn against_argument_forms() {
        assert_eq!(Old::parse("out"), Old::Path("out".into()));
        assert_eq!(
            Old::parse("git:HEAD~1"),
            Old::Git {
                rev: "HEAD~1".into(),
                dir: None
            }
        );
        assert_eq!(
            Old::parse("git:main:deploy/web"),
            Old::Git {
                rev: "main".into(),
                dir: Some("deploy/web".into())
            }
        );
    }
}
