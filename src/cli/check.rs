//! `stsc check`: validate specs, write nothing, report every finding in the format CI wants.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::against;
use super::build::make_compiler;
use super::{CliError, Outcome, Style, EXIT_INVALID, EXIT_OK};
use crate::diag::formats;
use crate::diag::{render_text, Severity};
use crate::input::{display_name, read_sources};
use crate::k8s::version::KubeVersion;

/// Arguments of `stsc check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Spec files (`-` reads standard input).
    #[arg(required = true, value_name = "SPEC")]
    pub specs: Vec<PathBuf>,
    /// Report format on stdout.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// A directory of templates that replace the embedded ones of the same name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Compare with what is deployed: a directory or file of built manifests, `git:REV` (these
    /// spec files as committed at REV) or `git:REV:DIR` (manifests under DIR at REV). Reports
    /// updates the API server refuses and claims a scale-down leaves behind.
    #[arg(long, value_name = "OLD")]
    pub against: Option<String>,
    /// Check every app as if its `namespace:` were NAMESPACE.
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
}

/// `--format` of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// `path:line:col: error[RULE]: message` (with snippets on a terminal).
    Text,
    /// One JSON document with every finding and a summary.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// JUnit XML.
    Junit,
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Errors fail.
    Error,
    /// Errors and warnings fail.
    Warning,
}

/// One line per app: the Pod Security Standards level its pods meet on the target version, so
/// the namespace's `pod-security.kubernetes.io/enforce` label can be chosen, and what the next
/// stricter level needs.
fn pod_security_lines(levels: &[crate::compile::PodSecurity], version: KubeVersion) -> String {
    let mut t = String::new();
    for p in levels {
        let level = crate::compile::level_name(p.level);
        t.push_str(&format!(
            "pod security: {} meets {level} on {version}",
            p.app
        ));
        if let Some((why, line, more)) = &p.next {
            t.push_str(&format!(": {why} at {}:{line}", p.file));
            if *more > 0 {
                t.push_str(&format!(", and {more} more"));
            }
        }
        t.push('\n');
    }
    t
}

/// Run `stsc check`.
pub fn run(args: &CheckArgs, version: KubeVersion, style: Style) -> Outcome {
    let (sources, mut findings) =
        read_sources(&args.specs).map_err(|e| CliError::usage(format!("stsc: error: {e}")))?;
    let compiler = make_compiler(
        args.templates.as_deref(),
        version,
        args.namespace.as_deref(),
    )?;
    let old = match &args.against {
        Some(a) => match against::load(&against::Old::parse(a), &args.specs, &compiler) {
            Ok((objects, problems)) => {
                findings.extend(problems);
                Some(objects)
            }
            Err(e) => return Err(CliError::usage(format!("stsc: error: {e}"))),
        },
        None => None,
    };
    let files: Vec<String> = args.specs.iter().map(|p| display_name(p)).collect();
    let mut levels = Vec::new();
    // Each file stands alone: a pre-commit hook passes unrelated specs together.
    for src in &sources {
        let one = std::slice::from_ref(src);
        match &old {
            Some(old) => {
                let mut out = compiler.compile(one);
                let more = crate::check::against::against(old, &out, version);
                out.findings.extend(more);
                out.findings
                    .sort_by_key(|f| (f.file.clone(), f.span.map(|s| s.start)));
                findings.extend(out.findings);
            }
            None => {
                let out = compiler.check_with_levels(one);
                findings.extend(out.findings);
                levels.extend(out.pod_security);
            }
        }
    }
    let (errors, warnings) = formats::counts(&findings);
    let text = match args.format {
        ReportFormat::Text => {
            let mut t = render_text(&findings, style.snippets, style.color);
            t.push_str(&pod_security_lines(&levels, version));
            if findings.is_empty() {
                t.push_str(&format!(
                    "stsc: {} file{} checked, no problems\n",
                    files.len(),
                    if files.len() == 1 { "" } else { "s" }
                ));
            } else {
                t.push_str(&format!("stsc: {errors} error(s), {warnings} warning(s)\n"));
            }
            t
        }
        ReportFormat::Json => formats::json(&findings, &files),
        ReportFormat::Sarif => formats::sarif(&findings),
        ReportFormat::Github => formats::github(&findings),
        ReportFormat::Junit => formats::junit(&findings, &files),
    };
    super::emit(&text);
    let failing = match args.fail_on {
        FailOn::Error => findings.iter().any(|f| f.severity == Severity::Error),
        FailOn::Warning => !findings.is_empty(),
    };
    Ok(if failing { EXIT_INVALID } else { EXIT_OK })
}
