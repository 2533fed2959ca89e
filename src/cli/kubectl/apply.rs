//! `stsc apply SPEC... | -f FILE|DIR`.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::Value;

use super::{open, settle};
use crate::cli::build::make_compiler;
use crate::cli::{CliError, Outcome, Style};
use crate::diag::{render_text, Severity};
use crate::input::{manifest_files, read_sources};
use crate::k8s::manifests;
use crate::k8s::version::KubeVersion;
use crate::runtime::apply::{apply_objects, check_manifests};

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

/// Run `stsc apply`: compile the specs, read the manifests, check them, apply everything or
/// nothing.
pub fn apply(args: &ApplyArgs, state: &Path, version: KubeVersion, style: Style) -> Outcome {
    if args.specs.is_empty() && args.files.is_empty() {
        return Err(CliError::usage(
            "error: must specify one of SPEC or -f FILE",
        ));
    }
    let mut objects = compile_specs(&args.specs, version, style)?;
    let from_specs = objects.len();
    for f in &args.files {
        objects.extend(read_manifests(f)?);
    }
    let check = check_manifests(&objects[from_specs..], version);
    for w in &check.warnings {
        eprintln!("{w}");
    }
    if let Some(refused) = check.refused {
        return Err(CliError::invalid(refused));
    }
    let mut s = open(state, version)?;
    // Nothing is committed and nothing is reported as done when an object is refused.
    let printed = apply_objects(&mut s.api, objects, from_specs)?;
    settle(s, printed)
}

/// The objects of the specs; their findings are shown as `build` shows them, and an error
/// stops the apply before anything.
fn compile_specs(
    specs: &[PathBuf],
    version: KubeVersion,
    style: Style,
) -> Result<Vec<Value>, CliError> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let (sources, mut findings) =
        read_sources(specs).map_err(|e| CliError::usage(format!("stsc: error: {e}")))?;
    let compiler = make_compiler(None, version, None)?;
    let out = compiler.compile(&sources);
    findings.extend(out.findings);
    eprint!("{}", render_text(&findings, style.snippets, style.color));
    if findings.iter().any(|f| f.severity == Severity::Error) {
        return Err(CliError::invalid("stsc: nothing applied"));
    }
    Ok(out.manifests.into_iter().map(|m| m.object).collect())
}

/// The objects of a manifest file or directory (an unreadable one is an I/O error, exit 2).
fn read_manifests(path: &Path) -> Result<Vec<Value>, CliError> {
    let files = manifest_files(path).map_err(|e| CliError::usage(format!("error: {e}")))?;
    let (sources, findings) =
        read_sources(&files).map_err(|e| CliError::usage(format!("error: {e}")))?;
    if let Some(f) = findings.first() {
        return Err(CliError::invalid(format!("error: {}", f.headline())));
    }
    let mut out = Vec::new();
    for src in sources {
        let objects = manifests::parse(&src)
            .map_err(|f| CliError::invalid(format!("error: {}", f.headline())))?;
        out.extend(objects);
    }
    Ok(out)
}
