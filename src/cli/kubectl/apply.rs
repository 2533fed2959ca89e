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
use crate::Compiled;

/// `stsc apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Spec files to compile and apply.
    #[arg(value_name = "SPEC")]
    pub specs: Vec<PathBuf>,
    /// Manifest files or directories (as written by `build -o`) to apply as they are.
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub cluster: ClusterApplyArgs,
}

/// `stsc diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Spec files to compile and compare.
    #[arg(value_name = "SPEC")]
    pub specs: Vec<PathBuf>,
    /// Manifest files or directories to compare as they are.
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR")]
    pub files: Vec<PathBuf>,
    /// Namespace of namespaced objects that name none (default: the context's).
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Show the change as if the fields other managers own were taken over.
    #[arg(long)]
    pub force_conflicts: bool,
}

impl DiffArgs {
    /// The apply whose dry run the diff shows.
    #[cfg(feature = "cluster")]
    pub(crate) fn as_apply(&self) -> ApplyArgs {
        ApplyArgs {
            specs: self.specs.clone(),
            files: self.files.clone(),
            cluster: ClusterApplyArgs {
                namespace: self.namespace.clone(),
                dry_run: "server".into(),
                force_conflicts: self.force_conflicts,
                ..ClusterApplyArgs::default()
            },
        }
    }
}

/// The flags of `apply` that only a cluster (`--kubeconfig`, `--context`) takes.
#[derive(Debug, Args, Default)]
pub struct ClusterApplyArgs {
    /// Namespace of namespaced objects that name none (default: the context's).
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// `server`: the cluster checks and answers what it would do; nothing changes.
    #[arg(long, value_parser = ["none", "server"], default_value = "none")]
    pub dry_run: String,
    /// Take over fields another field manager owns instead of failing on the conflict.
    #[arg(long)]
    pub force_conflicts: bool,
    /// Delete what an earlier apply of the same app created and the spec no longer produces.
    #[arg(long)]
    pub prune: bool,
    /// The inventory (what stsc applied, for --prune); default: one per spec's app.
    #[arg(long, value_name = "NAME")]
    pub inventory: Option<String>,
    /// Wait until every StatefulSet is rolled out (pods ready and updated, claims Bound).
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits (`90s`, `5m`; `0`: no end).
    #[arg(long, default_value = "5m", value_parser = crate::cli::parse_duration)]
    pub timeout: std::time::Duration,
}

impl ClusterApplyArgs {
    /// The first flag given that needs a cluster.
    pub(crate) fn cluster_only(&self) -> Option<&'static str> {
        [
            (self.namespace.is_some(), "--namespace"),
            (self.dry_run != "none", "--dry-run"),
            (self.force_conflicts, "--force-conflicts"),
            (self.prune, "--prune"),
            (self.inventory.is_some(), "--inventory"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

/// Run `stsc apply`: compile the specs, read the manifests, check them, apply everything or
/// nothing.
pub fn apply(args: &ApplyArgs, state: &Path, version: KubeVersion, style: Style) -> Outcome {
    if args.specs.is_empty() && args.files.is_empty() {
        return Err(CliError::usage(
            "error: must specify one of SPEC or -f FILE",
        ));
    }
    if let Some(flag) = args.cluster.cluster_only() {
        return Err(CliError::usage(format!(
            "error: {flag} needs a cluster: add --kubeconfig FILE or --context NAME"
        )));
    }
    let compiled = compile_specs(&args.specs, version, style)?;
    let mut objects: Vec<Value> = compiled.manifests.into_iter().map(|m| m.object).collect();
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
pub(crate) fn compile_specs(
    specs: &[PathBuf],
    version: KubeVersion,
    style: Style,
) -> Result<Compiled, CliError> {
    if specs.is_empty() {
        return Ok(Compiled::default());
    }
    let (sources, mut findings) =
        read_sources(specs).map_err(|e| CliError::usage(format!("stsc: error: {e}")))?;
    let compiler = make_compiler(None, version, None)?;
    let mut out = compiler.compile(&sources);
    findings.append(&mut out.findings);
    eprint!("{}", render_text(&findings, style.snippets, style.color));
    if findings.iter().any(|f| f.severity == Severity::Error) {
        return Err(CliError::invalid("stsc: nothing applied"));
    }
    Ok(out)
}

/// The objects of a manifest file or directory (an unreadable one is an I/O error, exit 2).
pub(crate) fn read_manifests(path: &Path) -> Result<Vec<Value>, CliError> {
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

/// Check manifests bound for a cluster: the kinds stsc knows against the version's strict
/// schema and the API server's rules; others (a CRD's) are left to the cluster.
#[cfg(feature = "cluster")]
pub(crate) fn check_manifests_for_cluster(
    objects: &[Value],
    version: KubeVersion,
) -> Result<(), CliError> {
    let known: Vec<Value> = objects
        .iter()
        .filter(|o| crate::validate::has_schema(o))
        .cloned()
        .collect();
    let check = check_manifests(&known, version);
    for w in &check.warnings {
        eprintln!("{w}");
    }
    match check.refused {
        Some(refused) => Err(CliError::invalid(refused)),
        None => Ok(()),
    }
}
