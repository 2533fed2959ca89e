//! `get`, `describe`, `events`, `rollout status`, `scale` and `delete` on a cluster, printed
//! by the same tables and describers as the local runtime's.

use serde_json::Value;

use super::{connect, namespace, now, wait};
use crate::cli::kubectl::{
    show_get, CascadeArg, DeleteArgs, DescribeArgs, EventsArgs, GetArgs, RolloutArgs, ScaleArgs,
};
use crate::cli::{CliError, Outcome, EXIT_INVALID, EXIT_OK};
use crate::cluster::{ApiPath, Cluster, Propagation, Target};
use crate::k8s::object::{meta_str, owner_refs, resource_version};
use crate::k8s::resources::{self, Resource};
use crate::k8s::version::KubeVersion;
use crate::runtime::api_server::ApiError;
use crate::runtime::print::table::{self, PrintOptions};
use crate::runtime::query;

/// kubectl's line for a missing object.
fn not_found(r: &Resource, name: &str) -> String {
    ApiError::not_found(r, name).to_string()
}

fn get_one(c: &Cluster, r: &Resource, ns: &str, name: &str) -> Result<Value, CliError> {
    c.get(&ApiPath::of(r), ns, name)?
        .ok_or_else(|| CliError::invalid(not_found(r, name)))
}

/// Connect for a command that prints no table (so needs no version), and its namespace.
fn connect_in(target: &Target, given: &Option<String>) -> Result<(Cluster, String), CliError> {
    let (c, _) = connect(target, Some(KubeVersion::NEWEST))?;
    let ns = namespace(given, &c).to_string();
    Ok((c, ns))
}

/// Run `stsc get` on a cluster.
pub(crate) fn get(args: &GetArgs, target: &Target, version: Option<KubeVersion>) -> Outcome {
    let targets = query::get_targets(&args.types, &args.names)
        .map_err(|msg| CliError::invalid(format!("error: {msg}")))?;
    let (c, version) = connect(target, version)?;
    let ns = namespace(&args.namespace, &c).to_string();
    let scope = (!args.all_namespaces).then_some(ns.as_str());
    let mut code = EXIT_OK;
    let mut found: Vec<(&Resource, Vec<Value>)> = Vec::new();
    for r in &targets.types {
        if targets.names.is_empty() {
            found.push((r, c.list(r, scope, args.selector.as_deref(), None)?));
            continue;
        }
        let mut objs = Vec::new();
        let named = targets
            .names
            .iter()
            .filter(|(t, _)| t.is_none_or(|t| t == *r));
        for (_, name) in named {
            match c.get(&ApiPath::of(r), &ns, name)? {
                Some(o) => objs.push(o),
                None => {
                    eprintln!("{}", not_found(r, name));
                    code = EXIT_INVALID;
                }
            }
        }
        found.push((r, objs));
    }
    let borrowed: Vec<(&Resource, Vec<&Value>)> = found
        .iter()
        .map(|(r, o)| (*r, o.iter().collect()))
        .collect();
    show_get(args, &targets, &borrowed, &ns, now(), version);
    Ok(code)
}

/// Run `stsc describe` on a cluster: the object, its events, and a set's pods.
pub(crate) fn describe(args: &DescribeArgs, target: &Target) -> Outcome {
    let (r, name) = crate::cli::kubectl::named_target(&args.target)?;
    let (c, ns) = connect_in(target, &args.namespace)?;
    let o = get_one(&c, r, &ns, &name)?;
    let uid = meta_str(&o, "uid").to_string();
    let events_ns = if r.namespaced { ns.as_str() } else { "default" };
    let field = format!("involvedObject.uid={uid}");
    let mut events = c.list(&resources::EVENT, Some(events_ns), None, Some(&field))?;
    events.sort_by_key(resource_version);
    let pods = if r.kind == "StatefulSet" {
        let all = c.list(&resources::POD, Some(&ns), None, None)?;
        all.into_iter()
            .filter(|p| owner_refs(p).iter().any(|x| x.uid == uid))
            .collect()
    } else {
        Vec::new()
    };
    let events: Vec<&Value> = events.iter().collect();
    let pods: Vec<&Value> = pods.iter().collect();
    let text = crate::runtime::print::describe::describe(&o, &events, &pods, now());
    crate::cli::emit(&text);
    Ok(EXIT_OK)
}

/// Run `stsc events` on a cluster: the namespace's events, oldest first.
pub(crate) fn events(args: &EventsArgs, target: &Target, version: Option<KubeVersion>) -> Outcome {
    let (c, version) = connect(target, version)?;
    let ns = namespace(&args.namespace, &c).to_string();
    let r = &resources::EVENT;
    let mut evs = c.list(r, Some(&ns), None, None)?;
    evs.sort_by_key(|e| {
        let t = e["lastTimestamp"]
            .as_str()
            .or_else(|| e["eventTime"].as_str());
        (t.map(str::to_string), resource_version(e))
    });
    if evs.is_empty() {
        eprintln!("No events found in {ns} namespace.");
        return Ok(EXIT_OK);
    }
    let refs: Vec<&Value> = evs.iter().collect();
    let t = table::table(r, &refs, now(), version);
    crate::cli::emit(&table::print(&[(r, t)], PrintOptions::default()));
    Ok(EXIT_OK)
}

/// Run `stsc rollout status` on a cluster: wait, printing each new status, until done.
pub(crate) fn rollout(args: &RolloutArgs, target: &Target) -> Outcome {
    let (_, name) = crate::cli::kubectl::statefulset_target(&args.target, |kind| {
        format!("no status viewer has been implemented for {kind}")
    })?;
    let (c, ns) = connect_in(target, &args.namespace)?;
    // kubectl has no rollout status for OnDelete (--wait on apply has: every pod ready).
    let set = get_one(&c, &resources::STATEFUL_SET, &ns, &name)?;
    crate::runtime::print::describe::rollout_status(&set)
        .map_err(|e| CliError::invalid(format!("error: {e}")))?;
    wait::rollout(&c, &ns, &name, args.timeout, wait::Show::Status)?;
    Ok(EXIT_OK)
}

/// Run `stsc scale` on a cluster, through the scale subresource.
pub(crate) fn scale(args: &ScaleArgs, target: &Target) -> Outcome {
    let (r, name) = crate::cli::kubectl::statefulset_target(&args.target, |kind| {
        format!("no scaler has been implemented for {{\"\" \"{kind}\"}}")
    })?;
    let (c, ns) = connect_in(target, &args.namespace)?;
    c.scale(&ns, &name, args.replicas)?;
    crate::cli::emit(&format!("{}/{name} scaled\n", r.prefix()));
    if args.wait {
        wait::rollout(&c, &ns, &name, args.timeout, wait::Show::Progress)?;
    }
    Ok(EXIT_OK)
}

/// Run `stsc delete` on a cluster: every name that exists goes; a missing one is reported.
pub(crate) fn delete(args: &DeleteArgs, target: &Target) -> Outcome {
    let (r, names) = crate::cli::kubectl::target(&args.target)?;
    if names.is_empty() {
        return Err(CliError::usage(
            "error: resource(s) were provided, but no name was specified",
        ));
    }
    let (c, ns) = connect_in(target, &args.namespace)?;
    let propagation = match args.cascade {
        CascadeArg::Background => Propagation::Background,
        CascadeArg::Orphan => Propagation::Orphan,
    };
    let mut code = EXIT_OK;
    for n in &names {
        if c.delete(&ApiPath::of(r), &ns, n, propagation, false)? {
            crate::cli::emit(&format!("{} {n:?} deleted\n", r.prefix()));
        } else {
            eprintln!("{}", not_found(r, n));
            code = EXIT_INVALID;
        }
    }
    Ok(code)
}
