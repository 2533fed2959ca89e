//! The command line: clap definitions, and the glue from arguments to library calls to output.
//!
//! The only module that prints or chooses exit codes: 0 success, 1 invalid input or failed
//! validation, 2 usage or I/O error.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod against;
mod build;
mod check;
#[cfg(feature = "cluster")]
mod cluster;
mod import;
mod init;
mod kubectl;
mod serve;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::k8s::version::KubeVersion;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: invalid spec, failed validation.
pub const EXIT_INVALID: u8 = 1;
/// Exit code: usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

/// Compile compact StatefulSet app specs into validated Kubernetes manifests.
#[derive(Debug, Parser)]
#[command(name = "stsc", version, about, long_about = None)]
pub struct Cli {
    /// Target Kubernetes version, 1.25 to 1.37 [default: 1.37; on a cluster, the server's].
    #[arg(long, global = true, value_name = "X.Y", value_parser = parse_version)]
    pub kube_version: Option<KubeVersion>,
    /// The local cluster state folder of the runtime commands (apply, get, scale, ...).
    #[arg(
        long,
        global = true,
        env = "STSC_STATE",
        default_value = ".stsc",
        value_name = "DIR"
    )]
    pub state: std::path::PathBuf,
    /// Run the runtime commands on the cluster of this kubeconfig instead of the local state.
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<std::path::PathBuf>,
    /// Run the runtime commands on this context's cluster (of --kubeconfig, else KUBECONFIG,
    /// else ~/.kube/config).
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// When to color messages and show source snippets.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

fn parse_version(s: &str) -> Result<KubeVersion, String> {
    s.parse()
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// Color and snippets when stderr is a terminal and NO_COLOR is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile specs into validated Kubernetes manifests.
    Build(build::BuildArgs),
    /// Validate specs without writing anything; report every finding.
    Check(check::CheckArgs),
    /// Print the JSON Schema of the spec format.
    Schema,
    /// Write a commented starter spec NAME.yaml.
    Init(init::InitArgs),
    /// Turn Kubernetes manifests (helm template output, kubectl exports) into specs.
    Import(import::ImportArgs),
    /// Apply specs (or manifests with -f) to the local cluster state and reconcile.
    Apply(kubectl::ApplyArgs),
    /// Show what `apply` would change on a cluster (a server-side dry run): exit 0 nothing,
    /// 1 changes, 2 error.
    Diff(kubectl::DiffArgs),
    /// Show objects of the local cluster state as kubectl does.
    Get(kubectl::GetArgs),
    /// Set the replicas of a StatefulSet and reconcile.
    Scale(kubectl::ScaleArgs),
    /// Delete objects and reconcile.
    Delete(kubectl::DeleteArgs),
    /// Break or heal a simulated pod (--not-ready, --fail, --clear).
    Fault(kubectl::FaultArgs),
    /// List events of the local cluster state.
    Events(kubectl::EventsArgs),
    /// Show one object in detail, with its events.
    Describe(kubectl::DescribeArgs),
    /// `rollout status statefulset NAME`: whether the rollout is complete.
    Rollout(kubectl::RolloutArgs),
    /// Serve the state folder as a Kubernetes API for kubectl and kube-rs.
    Serve(serve::ServeArgs),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// How findings are shown on stderr.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Source snippets under each headline.
    pub snippets: bool,
    /// ANSI colors.
    pub color: bool,
}

impl Style {
    fn from(color: Color) -> Self {
        let tty = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        match color {
            Color::Always => Style {
                snippets: true,
                color: true,
            },
            Color::Never => Style {
                snippets: tty,
                color: false,
            },
            Color::Auto => Style {
                snippets: tty,
                color: tty && !no_color,
            },
        }
    }
}

/// Run the command line and return the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    let style = Style::from(cli.color);
    if let Some(code) = on_cluster(&cli, style) {
        return ExitCode::from(code);
    }
    let version = cli.kube_version.unwrap_or(KubeVersion::NEWEST);
    let code = match &cli.command {
        Command::Build(args) => finish(build::run(args, version, style)),
        Command::Check(args) => finish(check::run(args, version, style)),
        Command::Init(args) => finish(init::run(args)),
        Command::Import(args) => finish(import::run(args, version)),
        Command::Apply(args) => finish(kubectl::apply(args, &cli.state, version, style)),
        Command::Get(args) => finish(kubectl::get(args, &cli.state, version)),
        Command::Scale(args) => finish(kubectl::scale(args, &cli.state, version)),
        Command::Delete(args) => finish(kubectl::delete(args, &cli.state, version)),
        Command::Fault(args) => finish(kubectl::fault(args, &cli.state, version)),
        Command::Events(args) => finish(kubectl::events(args, &cli.state, version)),
        Command::Describe(args) => finish(kubectl::describe(args, &cli.state, version)),
        Command::Rollout(args) => finish(kubectl::rollout(args, &cli.state, version)),
        Command::Serve(args) => finish(serve::run(args, &cli.state, version)),
        Command::Diff(_) => finish(Err(CliError::usage(
            "error: stsc diff compares with a cluster: add --kubeconfig FILE or --context NAME",
        ))),
        Command::Completions { shell } => {
            use clap::CommandFactory as _;
            clap_complete::generate(*shell, &mut Cli::command(), "stsc", &mut std::io::stdout());
            EXIT_OK
        }
        Command::Schema => {
            emit(&crate::spec_schema());
            EXIT_OK
        }
    };
    ExitCode::from(code)
}

/// The exit code of a runtime command given `--kubeconfig` or `--context`, run on that
/// cluster; None for the local runtime and the commands that take no cluster.
fn on_cluster(cli: &Cli, style: Style) -> Option<u8> {
    if cli.kubeconfig.is_none() && cli.context.is_none() {
        return None;
    }
    let outcome = match &cli.command {
        Command::Fault(_) => Err(CliError::usage(
            "error: fault breaks pods of the local runtime; a cluster's pods are real",
        )),
        Command::Serve(_) => Err(CliError::usage(
            "error: serve serves the local state folder; it takes no --kubeconfig or --context",
        )),
        _ => return cluster_command(cli, style),
    };
    Some(finish(outcome))
}

#[cfg(feature = "cluster")]
fn cluster_command(cli: &Cli, style: Style) -> Option<u8> {
    let t = crate::cluster::Target {
        kubeconfig: cli.kubeconfig.clone(),
        context: cli.context.clone(),
    };
    let v = cli.kube_version;
    let outcome = match &cli.command {
        Command::Apply(a) => cluster::apply(a, &t, v, style),
        Command::Diff(a) => cluster::diff(&a.as_apply(), &t, v, style),
        Command::Get(a) => cluster::get(a, &t, v),
        Command::Scale(a) => cluster::scale(a, &t),
        Command::Delete(a) => cluster::delete(a, &t),
        Command::Events(a) => cluster::events(a, &t, v),
        Command::Describe(a) => cluster::describe(a, &t),
        Command::Rollout(a) => cluster::rollout(a, &t),
        _ => return None,
    };
    Some(finish(outcome))
}

#[cfg(not(feature = "cluster"))]
fn cluster_command(cli: &Cli, _style: Style) -> Option<u8> {
    match &cli.command {
        Command::Apply(_)
        | Command::Diff(_)
        | Command::Get(_)
        | Command::Scale(_)
        | Command::Delete(_)
        | Command::Events(_)
        | Command::Describe(_)
        | Command::Rollout(_) => Some(finish(Err(CliError::usage(
            "error: this stsc was built without the `cluster` feature, so it cannot reach a cluster: install it with default features",
        )))),
        _ => None,
    }
}

/// Leave a large value to the process's exit instead of freeing it: a command that is about to
/// end would spend longer freeing tens of thousands of JSON trees one by one than exiting (0.12 s
/// of a 10,000-app `build`, 40 ms of `get pods` at 10,000 pods; `docs/benchmarks.md`). The one
/// place stsc leaks on purpose.
pub(crate) fn leave_to_exit<T>(value: T) {
    let _ = LeftToExit::new(value);
}

/// A value used until the command ends, then left to the exit (see [`leave_to_exit`]).
pub(crate) type LeftToExit<T> = std::mem::ManuallyDrop<T>;

/// Write to stdout; a closed pipe (`stsc get pods | head`) is not an error.
pub(crate) fn emit(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

/// A command that could not do its job: the message for stderr, as kubectl words it, and the
/// exit code. Commands return it with `?`; [`main`] is the one place that prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CliError {
    /// Exit code: [`EXIT_INVALID`] or [`EXIT_USAGE`].
    pub code: u8,
    /// The whole message (several lines at most).
    pub message: String,
}

impl CliError {
    /// A usage or I/O error (exit 2).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        CliError {
            code: EXIT_USAGE,
            message: message.into(),
        }
    }

    /// Invalid input or a refusal (exit 1).
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        CliError {
            code: EXIT_INVALID,
            message: message.into(),
        }
    }
}

impl From<crate::runtime::api_server::ApiError> for CliError {
    fn from(e: crate::runtime::api_server::ApiError) -> Self {
        CliError::invalid(e.to_string())
    }
}

/// A kubectl duration: `90s`, `5m`, `1h`, `1m30s`, or a bare number of seconds; `0` waits
/// without end.
pub(crate) fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    if let Ok(n) = s.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(n));
    }
    let bad = || format!("time: invalid duration {s:?}");
    let mut total = 0u64;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(bad()),
        };
    }
    if !digits.is_empty() || s.is_empty() {
        return Err(bad());
    }
    Ok(std::time::Duration::from_secs(total))
}

/// What a command ends with: its exit code (0, or 1 for a result that is not an error, such
/// as an unfinished rollout), or an error to print.
pub(crate) type Outcome = Result<u8, CliError>;

/// The exit code of an outcome, its error printed.
pub(crate) fn finish(outcome: Outcome) -> u8 {
    outcome.unwrap_or_else(|e| {
        eprintln!("{}", e.message);
        e.code
    })
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_read_as_kubectl_reads_them() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(
            parse_duration("5x"),
            Err("time: invalid duration \"5x\"".into())
        );
        assert_eq!(
            parse_duration("5m3"),
            Err("time: invalid duration \"5m3\"".into())
        );
    }
}
