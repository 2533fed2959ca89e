//! `stsc build`: specs → manifests on stdout or in a directory.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{CliError, Outcome, Style, EXIT_INVALID, EXIT_OK};
use crate::compile::Compiler;
use crate::diag::{render_text, Finding, Severity};
use crate::input::read_sources;
use crate::k8s::version::KubeVersion;
use crate::output;
use crate::render::{RenderError, Renderer};

/// Arguments of `stsc build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Spec files (`-` reads standard input).
    #[arg(required = true, value_name = "SPEC")]
    pub specs: Vec<PathBuf>,
    /// Write one file per object and a kustomization.yaml into DIR instead of stdout.
    #[arg(short = 'o', long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    pub format: Format,
    /// A directory of templates that replace the embedded ones of the same name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
    /// Put every app's namespaced objects in NAMESPACE (overrides the specs' `namespace:`).
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// With `-o DIR`: write nothing; print a unified diff and exit 1 when DIR is not what this
    /// build would write (drift in a GitOps repository), exit 0 when it is current.
    #[arg(long, requires = "output_dir")]
    pub check: bool,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Multi-document YAML.
    Yaml,
    /// A `v1` `List`.
    Json,
}

/// The compiler for a template directory; on failure the message is printed and the exit code
/// returned (2 for an unreadable directory, 1 for a broken template).
pub(crate) fn make_compiler(
    templates: Option<&Path>,
    version: KubeVersion,
    namespace: Option<&str>,
) -> Result<Compiler, CliError> {
    match Renderer::new(templates) {
        Ok(r) => Ok(Compiler::new(r, version).with_namespace(namespace.map(str::to_string))),
        Err(e @ RenderError::Io { .. }) => Err(CliError::usage(format!("stsc: error: {e}"))),
        Err(e) => Err(CliError::invalid(format!("stsc: error[template]: {e}"))),
    }
}

/// `build -o DIR --check`: the diff on stdout, a summary on stderr.
fn check_dir(dir: &Path, before: &output::DirState, files: &[(String, String)]) -> Outcome {
    let drifts = output::drift(dir, before, files)
        .map_err(|e| CliError::usage(format!("stsc: error: {e}")))?;
    let shown = dir.display().to_string();
    if drifts.is_empty() {
        eprintln!("stsc: {shown} is up to date ({} files)", files.len());
        return Ok(EXIT_OK);
    }
    let diff = output::unified_diff(&shown, &drifts);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(diff.as_bytes())
        .and_then(|()| stdout.flush());
    eprintln!(
        "stsc: {shown} is out of date: {} file{} differ{}; run the same build without --check to update it",
        drifts.len(),
        if drifts.len() == 1 { "" } else { "s" },
        if drifts.len() == 1 { "s" } else { "" }
    );
    Ok(EXIT_INVALID)
}

/// Run `stsc build`.
pub fn run(args: &BuildArgs, version: KubeVersion, style: Style) -> Outcome {
    let (sources, unreadable) =
        read_sources(&args.specs).map_err(|e| CliError::usage(format!("stsc: error: {e}")))?;
    let compiler = make_compiler(
        args.templates.as_deref(),
        version,
        args.namespace.as_deref(),
    )?;
    let compiled = compiler.compile(&sources);
    let mut findings = unreadable;
    findings.extend(compiled.findings);
    super::leave_to_exit(compiled.apps);
    let manifests = super::LeftToExit::new(compiled.manifests);
    if args.strict {
        for f in &mut findings {
            f.severity = Severity::Error;
        }
    }
    eprint!("{}", render_text(&findings, style.snippets, style.color));
    refuse_on_errors(&findings)?;
    match &args.output_dir {
        Some(dir) => write_dir(dir, &manifests, args.check),
        None => write_stdout(&manifests, args.format),
    }
}

/// `stsc: 2 errors, 1 warning; nothing written` when any finding is an error.
fn refuse_on_errors(findings: &[Finding]) -> Result<(), CliError> {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    if errors == 0 {
        return Ok(());
    }
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let warnings = findings.len() - errors;
    let and_warnings = if warnings > 0 {
        format!(", {warnings} warning{}", plural(warnings))
    } else {
        String::new()
    };
    Err(CliError::invalid(format!(
        "stsc: {errors} error{}{and_warnings}; nothing written",
        plural(errors)
    )))
}

/// `-o DIR`: one file per object and a kustomization, written atomically, stale files removed
/// (or, with `--check`, the drift shown).
fn write_dir(dir: &Path, manifests: &[crate::Manifest], check: bool) -> Outcome {
    let before = output::DirState::read(dir);
    let files = output::dir_files(manifests, &before)
        .map_err(|e| CliError::invalid(format!("stsc: error: {e}")))?;
    if check {
        return check_dir(dir, &before, &files);
    }
    let io = |e: output::OutputError| CliError::usage(format!("stsc: error: {e}"));
    let stale = output::stale(&before, &files);
    let written = output::write_dir(dir, &files).map_err(io)?;
    let removed = output::remove_stale(dir, &stale).map_err(io)?;
    if removed.is_empty() {
        eprintln!("stsc: wrote {} files to {}", written.len(), dir.display());
    } else {
        let names: Vec<String> = removed
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        eprintln!(
            "stsc: wrote {} files to {}, removed {} stale: {}",
            written.len(),
            dir.display(),
            removed.len(),
            names.join(", ")
        );
    }
    Ok(EXIT_OK)
}

/// The stream on standard output; a closed pipe is not an error.
fn write_stdout(manifests: &[crate::Manifest], format: Format) -> Outcome {
    let text = match format {
        Format::Yaml => output::to_yaml(manifests),
        Format::Json => output::to_json_list(manifests),
    }
    .map_err(|e| CliError::usage(format!("stsc: error: {e}")))?;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(CliError::usage(format!(
                "stsc: error: cannot write to standard output: {e}"
            )));
        }
    }
    Ok(EXIT_OK)
}
