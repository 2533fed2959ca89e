//! Reading the files users give (specs, manifests, `-` for standard input): the size limit,
//! UTF-8, and directories of manifests as `kubectl apply -f DIR` reads them. A file that cannot
//! be read is an I/O error (`Err`); one that is not text is a finding about the input.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::Finding;
use crate::source::SourceFile;

/// The name a spec file goes by in messages: as given, `<stdin>` for `-`.
pub fn display_name(path: &Path) -> String {
    match path.display().to_string() {
        s if s == "-" => "<stdin>".to_string(),
        s => s,
    }
}

/// Read spec files; `-` is standard input. I/O errors are `Err`; a file that is not UTF-8 text
/// is a finding (invalid input, not an I/O failure).
///
/// # Errors
/// A file that cannot be read, with the reason.
pub fn read_sources(paths: &[PathBuf]) -> Result<(Vec<Arc<SourceFile>>, Vec<Finding>), String> {
    let mut out = Vec::new();
    let mut findings = Vec::new();
    for p in paths {
        let shown = p.display().to_string();
        let name = display_name(p);
        let mut bytes = Vec::new();
        // Read one byte past the limit: enough to know, never the whole of a huge input.
        let limit = crate::source::MAX_FILE_BYTES as u64 + 1;
        if shown == "-" {
            std::io::stdin()
                .take(limit)
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
        } else {
            std::fs::File::open(p)
                .and_then(|f| f.take(limit).read_to_end(&mut bytes))
                .map_err(|e| format!("cannot read {shown}: {}", io_reason(&e)))?;
        }
        if bytes.len() > crate::source::MAX_FILE_BYTES {
            findings.push(
                Finding::file_error(
                    "file-too-large",
                    &name,
                    format!(
                        "larger than {} MiB, the most stsc reads from one file",
                        crate::source::MAX_FILE_BYTES >> 20
                    ),
                )
                .with_help("split the specs over several files"),
            );
            continue;
        }
        match String::from_utf8(bytes) {
            Ok(text) => out.push(Arc::new(SourceFile::new(name, text))),
            Err(e) => findings.push(Finding::file_error(
                "encoding",
                &name,
                format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )),
        }
    }
    Ok((out, findings))
}

/// An I/O error as a short reason (`no such file`).
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ if e.raw_os_error() == Some(21) => "is a directory".to_string(),
        _ => e.to_string(),
    }
}

/// The manifest files `kubectl apply -f PATH` reads: the file itself, or a directory's
/// `.yaml`, `.yml` and `.json` files (not its kustomization) in name order.
///
/// # Errors
/// A directory that cannot be listed.
pub fn manifest_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_manifest_name(p))
        .collect();
    entries.sort();
    Ok(entries)
}

/// A file `kubectl apply -f DIR` reads: `.yaml`, `.yml` or `.json`, and not a kustomization.
pub fn is_manifest_name(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext_ok = [".yaml", ".yml", ".json"].iter().any(|e| name.ends_with(e));
    ext_ok && !name.starts_with("kustomization.")
}
