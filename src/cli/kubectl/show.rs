//! The commands that read the state: `stsc events`, `stsc describe`, `stsc rollout status`.

use std::path::Path;

use clap::Args;
use serde_json::Value;

use super::{named_target, open_settled, open_view, statefulset_target};
use crate::cli::{CliError, Outcome, EXIT_INVALID, EXIT_OK};
use crate::k8s::object::resource_version;
use crate::k8s::resources;
use crate::k8s::version::KubeVersion;
use crate::runtime::api_server::ApiError;
use crate::runtime::print::table::{self, PrintOptions};
use crate::runtime::print::time::parse_rfc3339;

/// `stsc events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Namespace.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
}

/// `stsc describe`.
#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// `TYPE NAME` or `TYPE/NAME`.
    #[arg(value_name = "TYPE[/NAME]", num_args = 1..=2, required = true)]
    pub target: Vec<String>,
    /// Namespace.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
}

/// `stsc rollout status`.
#[derive(Debug, Args)]
pub struct RolloutArgs {
    /// `status`.
    #[arg(value_parser = ["status"])]
    pub action: String,
    /// `statefulset NAME` or `statefulset/NAME`.
    #[arg(value_name = "TYPE[/NAME]", num_args = 1..=2, required = true)]
    pub target: Vec<String>,
    /// Namespace.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// On a cluster: how long to wait for the rollout (`0`: no end).
    #[arg(long, default_value = "0", value_parser = crate::cli::parse_duration)]
    pub timeout: std::time::Duration,
}

/// Run `stsc events`: the namespace's events, oldest first.
pub fn events(args: &EventsArgs, state: &Path, version: KubeVersion) -> Outcome {
    let s = open_view(state, version, &["events"])?;
    let r = &resources::EVENT;
    let mut evs: Vec<&Value> = s
        .api
        .list_ns(r, super::local_ns(&args.namespace))
        .map(|(_, v)| v)
        .collect();
    evs.sort_by_key(|e| {
        (
            e["lastTimestamp"]
                .as_str()
                .and_then(parse_rfc3339)
                .unwrap_or(0),
            resource_version(e),
        )
    });
    if evs.is_empty() {
        eprintln!(
            "No events found in {} namespace.",
            super::local_ns(&args.namespace)
        );
        return Ok(EXIT_OK);
    }
    let t = table::table(r, &evs, s.api.now, version);
    crate::cli::emit(&table::print(&[(r, t)], PrintOptions::default()));
    Ok(EXIT_OK)
}

/// Run `stsc describe`: the object, its events, and for a set the pods it owns.
pub fn describe(args: &DescribeArgs, state: &Path, version: KubeVersion) -> Outcome {
    let (r, name) = named_target(&args.target)?;
    let s = open_settled(state, version)?;
    let c = &s.api;
    let Some(o) = c.get(r, super::local_ns(&args.namespace), &name) else {
        return Err(ApiError::not_found(r, &name).into());
    };
    let ns = if r.namespaced {
        super::local_ns(&args.namespace)
    } else {
        "default"
    };
    let mut events: Vec<&Value> = c
        .list_ns(&resources::EVENT, ns)
        .map(|(_, e)| e)
        .filter(|e| e["involvedObject"]["uid"] == o["metadata"]["uid"])
        .collect();
    events.sort_by_key(|e| resource_version(e));
    let owned = |p: &Value| {
        crate::k8s::object::owner_refs(p)
            .iter()
            .any(|x| x.uid == crate::k8s::object::meta_str(o, "uid"))
    };
    let pods: Vec<&Value> = c
        .list_ns(&resources::POD, super::local_ns(&args.namespace))
        .map(|(_, p)| p)
        .filter(|p| r.kind != "StatefulSet" || owned(p))
        .collect();
    crate::cli::emit(&crate::runtime::print::describe::describe(
        o, &events, &pods, c.now,
    ));
    Ok(EXIT_OK)
}

/// Run `stsc rollout status`: exit 0 when the rollout is complete, 1 with kubectl's waiting
/// message when it is not (the local cluster does not move on its own, so there is nothing to
/// wait for).
pub fn rollout(args: &RolloutArgs, state: &Path, version: KubeVersion) -> Outcome {
    let (r, name) = statefulset_target(&args.target, |kind| {
        format!("no status viewer has been implemented for {kind}")
    })?;
    let s = open_settled(state, version)?;
    let Some(o) = s.api.get(r, super::local_ns(&args.namespace), &name) else {
        return Err(ApiError::not_found(r, &name).into());
    };
    let (msg, done) = crate::runtime::print::describe::rollout_status(o)
        .map_err(|e| CliError::invalid(format!("error: {e}")))?;
    crate::cli::emit(&msg);
    Ok(if done { EXIT_OK } else { EXIT_INVALID })
}
