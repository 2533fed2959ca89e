//! The commands that change the state: `stsc scale`, `stsc delete`, `stsc fault`.

use std::path::Path;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::{open, settle, statefulset_target, target};
use crate::cli::{CliError, Outcome, EXIT_INVALID, EXIT_OK};
use crate::k8s::version::KubeVersion;
use crate::runtime::api_server::{ApiError, Cascade};
use crate::runtime::controllers::FAULT_ANNOTATION;

/// `stsc scale`.
#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// `statefulset NAME` or `statefulset/NAME`.
    #[arg(value_name = "TYPE[/NAME]", num_args = 1..=2, required = true)]
    pub target: Vec<String>,
    /// New replica count.
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_int32)]
    pub replicas: i32,
    /// On a cluster: wait until the set is rolled out (the local runtime always has).
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits (`90s`, `5m`; `0`: no end).
    #[arg(long, default_value = "5m", value_parser = crate::cli::parse_duration)]
    pub timeout: std::time::Duration,
    /// Namespace.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
}

/// An int32 flag value, refused as kubectl's flag parser refuses it.
fn parse_int32(s: &str) -> Result<i32, String> {
    s.parse::<i32>().map_err(|e| {
        let why = match e.kind() {
            std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
                "value out of range"
            }
            _ => "invalid syntax",
        };
        format!("strconv.ParseInt: parsing {s:?}: {why}")
    })
}

/// `--cascade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CascadeArg {
    /// Dependents are garbage-collected.
    Background,
    /// Dependents stay.
    Orphan,
}

/// `stsc delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// `TYPE NAME...` or `TYPE/NAME`.
    #[arg(value_name = "TYPE[/NAME]", num_args = 1.., required = true)]
    pub target: Vec<String>,
    /// What happens to dependents.
    #[arg(long, value_enum, default_value_t = CascadeArg::Background)]
    pub cascade: CascadeArg,
    /// Namespace.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
}

/// `stsc fault`.
#[derive(Debug, Args)]
pub struct FaultArgs {
    /// `pod NAME` or `pod/NAME`.
    #[arg(value_name = "pod NAME", num_args = 1..=2, required = true)]
    pub target: Vec<String>,
    /// The pod runs but fails its readiness checks.
    #[arg(long, group = "fault")]
    pub not_ready: bool,
    /// The pod's container exits with an error (phase Failed).
    #[arg(long, group = "fault")]
    pub fail: bool,
    /// Heal the pod.
    #[arg(long, group = "fault")]
    pub clear: bool,
    /// Namespace.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
}

/// Run `stsc scale`.
pub fn scale(args: &ScaleArgs, state: &Path, version: KubeVersion) -> Outcome {
    let (r, name) = statefulset_target(&args.target, |kind| {
        format!("no scaler has been implemented for {{\"\" \"{kind}\"}}")
    })?;
    let mut s = open(state, version)?;
    s.api
        .scale(r, super::local_ns(&args.namespace), &name, args.replicas)?;
    settle(s, format!("{}/{name} scaled\n", r.prefix()))
}

/// Run `stsc delete`: every name that exists goes; a missing one is reported (exit 1).
pub fn delete(args: &DeleteArgs, state: &Path, version: KubeVersion) -> Outcome {
    let (r, names) = target(&args.target)?;
    if names.is_empty() {
        return Err(CliError::usage(
            "error: resource(s) were provided, but no name was specified",
        ));
    }
    if r.kind == "Namespace" {
        // Deleting a namespace deletes everything in it (the namespace controller), which the
        // runtime does not run: refused rather than leaving its objects behind.
        return Err(CliError::invalid("error: the runtime does not delete namespaces (it has no namespace controller): delete the objects in the namespace instead"));
    }
    let mut s = open(state, version)?;
    let cascade = match args.cascade {
        CascadeArg::Background => Cascade::Background,
        CascadeArg::Orphan => Cascade::Orphan,
    };
    let mut printed = String::new();
    let mut code = EXIT_OK;
    for n in &names {
        match s
            .api
            .delete(r, super::local_ns(&args.namespace), n, cascade)
        {
            Ok(()) => printed.push_str(&format!("{} {n:?} deleted\n", r.prefix())),
            Err(e) => {
                eprintln!("{e}");
                code = EXIT_INVALID;
            }
        }
    }
    let settled = settle(s, printed)?;
    Ok(code.max(settled))
}

/// Run `stsc fault`: set or clear a pod's fault annotation, which the kubelet follows.
pub fn fault(args: &FaultArgs, state: &Path, version: KubeVersion) -> Outcome {
    let (r, names) = target(&args.target)?;
    if r.kind != "Pod" {
        return Err(CliError::usage(format!(
            "error: faults apply to pods, not {}",
            r.plural
        )));
    }
    let Some(name) = names.first() else {
        return Err(CliError::usage("error: a pod name is required"));
    };
    let what = if args.fail {
        Some("fail")
    } else if args.not_ready {
        Some("not-ready")
    } else if args.clear {
        None
    } else {
        return Err(CliError::usage(
            "error: one of --not-ready, --fail or --clear is required",
        ));
    };
    let mut s = open(state, version)?;
    let Some(mut pod) = s
        .api
        .get(r, super::local_ns(&args.namespace), name)
        .cloned()
    else {
        return Err(ApiError::not_found(r, name).into());
    };
    let ann = crate::k8s::object::metadata_mut(&mut pod)
        .entry("annotations")
        .or_insert_with(|| json!({}));
    if let Some(a) = ann.as_object_mut() {
        match what {
            Some(w) => a.insert(FAULT_ANNOTATION.into(), json!(w)),
            None => a.remove(FAULT_ANNOTATION),
        };
    }
    s.api.put(pod);
    let done = what.map_or("healed".to_string(), |w| format!("fault {w}"));
    settle(s, format!("pod/{name} {done}\n"))
}
