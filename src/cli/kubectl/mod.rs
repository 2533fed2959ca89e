//! The embedded runtime's commands, shaped like kubectl's: apply, get, scale, delete, fault,
//! events, describe, rollout. Every command locks the state folder, works in memory, runs the
//! controllers to a fixed point (committing whole rounds as it goes) and prints what kubectl
//! would, then the events it caused. The decisions live in the library ([`crate::runtime`]);
//! these files turn arguments into calls and results into output.

mod apply;
mod get;
mod show;
mod verbs;

use std::path::Path;

pub use apply::{apply, ApplyArgs, DiffArgs};
pub use get::{get, GetArgs};
pub use show::{describe, events, rollout, DescribeArgs, EventsArgs, RolloutArgs};
pub use verbs::{delete, fault, scale, DeleteArgs, FaultArgs, ScaleArgs};

// What the cluster commands share with the local ones: the arguments' meaning and the output.
#[cfg(feature = "cluster")]
pub(crate) use apply::{check_manifests_for_cluster, compile_specs, read_manifests};
#[cfg(feature = "cluster")]
pub(crate) use get::show as show_get;
#[cfg(feature = "cluster")]
pub(crate) use verbs::CascadeArg;

use super::{CliError, EXIT_OK};
use crate::k8s::resources::Resource;
use crate::k8s::version::KubeVersion;
use crate::runtime::print::time::parse_rfc3339;
use crate::runtime::query;
use crate::runtime::session::Session;

/// Now: `STSC_NOW` (RFC 3339, for reproducible output) or the system clock; and `STSC_SEED`
/// (reproducible uids in a fresh state, for tests and docs). A bad value is a usage error.
fn clock() -> Result<(i64, Option<u64>), CliError> {
    let now = match std::env::var("STSC_NOW") {
        Ok(s) => parse_rfc3339(&s).ok_or_else(|| {
            CliError::usage(format!(
                "stsc: error: STSC_NOW: invalid time {s:?}: expected RFC 3339 UTC such as 2026-11-23T00:00:00Z"
            ))
        })?,
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    };
    let seed = match std::env::var("STSC_SEED") {
        Ok(s) => Some(s.parse::<u64>().map_err(|_| {
            CliError::usage(format!(
                "stsc: error: STSC_SEED: invalid seed {s:?}: expected a whole number"
            ))
        })?),
        Err(_) => None,
    };
    Ok((now, seed))
}

/// A state folder that cannot be opened or read is an I/O problem: exit 2.
fn store_failed(e: impl std::fmt::Display) -> CliError {
    CliError::usage(format!("error: {e}"))
}

fn open(state: &Path, version: KubeVersion) -> Result<Session, CliError> {
    let (now, seed) = clock()?;
    Session::open(state, now, version, seed).map_err(store_failed)
}

/// Open for reading `resources`: a settled state loads only them (see [`Session::open_view`]).
fn open_view(state: &Path, version: KubeVersion, resources: &[&str]) -> Result<Closing, CliError> {
    let (now, seed) = clock()?;
    let s = Session::open_view(state, now, version, seed, resources).map_err(store_failed)?;
    note_unfinished(&s);
    Ok(Closing(Some(s)))
}

/// Open the state and bring it to a fixed point before reading it.
fn open_settled(state: &Path, version: KubeVersion) -> Result<Closing, CliError> {
    let mut s = open(state, version)?;
    s.reconcile().map_err(store_failed)?;
    note_unfinished(&s);
    Ok(Closing(Some(s)))
}

/// Reconcile, commit, print what the command did and the events it caused.
fn settle(mut s: Session, mut printed: String) -> Result<u8, CliError> {
    s.reconcile().map_err(store_failed)?;
    note_unfinished(&s);
    // One allocation: 10,000 pods leave some 40,000 lines.
    printed.reserve(s.api.log.iter().map(|l| l.len() + 1).sum());
    for line in &s.api.log {
        printed.push_str(line);
        printed.push('\n');
    }
    super::emit(&printed);
    super::leave_to_exit(s.close());
    Ok(EXIT_OK)
}

/// A session closed when the command returns, its objects left to the exit.
struct Closing(Option<Session>);

impl Drop for Closing {
    fn drop(&mut self) {
        if let Some(s) = self.0.take() {
            super::leave_to_exit(s.close());
        }
    }
}

impl std::ops::Deref for Closing {
    type Target = Session;
    fn deref(&self) -> &Session {
        self.0.as_ref().expect("open until dropped")
    }
}

/// Say so when a reconcile stopped at its pod budget with work left.
fn note_unfinished(s: &Session) {
    if s.unfinished {
        eprintln!(
            "stsc: the controllers stopped after {} pods' worth of work with more to do; the next command carries on",
            s.max_pods
        );
    }
}

/// The namespace of a local command: `-n`, else `default`.
fn local_ns(namespace: &Option<String>) -> &str {
    namespace.as_deref().unwrap_or("default")
}

/// The resource and names of `TYPE NAME...` or `TYPE/NAME`.
pub(crate) fn target(words: &[String]) -> Result<(&'static Resource, Vec<String>), CliError> {
    query::target(words).map_err(CliError::invalid)
}

/// [`target`] for commands that act on one named object.
pub(crate) fn named_target(words: &[String]) -> Result<(&'static Resource, String), CliError> {
    let (r, names) = target(words)?;
    names.into_iter().next().map(|n| (r, n)).ok_or_else(|| {
        CliError::usage("error: resource(s) were provided, but no name was specified")
    })
}

/// [`named_target`] for commands that only StatefulSets support; `refuse` words kubectl's
/// error for another kind.
pub(crate) fn statefulset_target(
    words: &[String],
    refuse: impl Fn(&str) -> String,
) -> Result<(&'static Resource, String), CliError> {
    let (r, name) = named_target(words)?;
    if r.kind != "StatefulSet" {
        return Err(CliError::invalid(format!("error: {}", refuse(r.kind))));
    }
    Ok((r, name))
}
