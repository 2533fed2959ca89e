//! `stsc get TYPES [NAME...]`, printed as kubectl prints it.

use std::path::Path;

use clap::{Args, ValueEnum};
use serde_json::{json, Value};

use super::open_view;
use crate::cli::{CliError, Outcome, EXIT_INVALID, EXIT_OK};
use crate::k8s::object::meta_str;
use crate::k8s::resources::{self, Resource};
use crate::k8s::selector::Selector;
use crate::k8s::version::KubeVersion;
use crate::runtime::print::table::{self, PrintOptions, Table};
use crate::runtime::query::{self, GetTargets, Scope};

/// `-o` of `get`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GetOutput {
    /// Extra columns.
    Wide,
    /// YAML (a `v1` `List` for several objects).
    Yaml,
    /// JSON (a `v1` `List` for several objects).
    Json,
    /// `kind/name` lines.
    Name,
}

/// `stsc get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// Types, comma-separated (`statefulset,pod,pvc`), or `TYPE/NAME`.
    #[arg(value_name = "TYPE[,TYPE...]")]
    pub types: String,
    /// Names.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<GetOutput>,
    /// Label selector (`app=nginx,tier!=db`).
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Add a LABELS column.
    #[arg(long)]
    pub show_labels: bool,
    /// Namespace.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
}

/// Run `stsc get`.
pub fn get(args: &GetArgs, state: &Path, version: KubeVersion) -> Outcome {
    let targets = query::get_targets(&args.types, &args.names)
        .map_err(|msg| CliError::invalid(format!("error: {msg}")))?;
    let selector = args
        .selector
        .as_deref()
        .map(Selector::parse)
        .transpose()
        .map_err(|msg| CliError::invalid(format!("error: {msg}")))?;
    // A view reads the objects of the resource it is made from.
    let plurals: Vec<&str> = targets
        .types
        .iter()
        .map(|r| crate::runtime::api::views::view_of(r).map_or(r.plural, |v| v.stored.plural))
        .collect();
    let s = open_view(state, version, &plurals)?;
    let scope = Scope {
        namespace: super::local_ns(&args.namespace),
        all_namespaces: args.all_namespaces,
        selector: selector.as_ref(),
    };
    // Views (EndpointSlices, events.k8s.io Events) are made here and borrowed while printed.
    let views: Vec<Vec<Value>> = targets
        .types
        .iter()
        .map(|r| query::view_objects(&s.api, r, scope))
        .collect();
    let mut found: Vec<(&Resource, Vec<&Value>)> = Vec::new();
    let mut code = EXIT_OK;
    for (r, view) in targets.types.iter().zip(&views) {
        let (objs, missing) = if crate::runtime::api::views::view_of(r).is_some() {
            query::narrow(view.iter().collect(), r, &targets, scope)
        } else {
            query::select(&s.api, r, &targets, scope)
        };
        for e in missing {
            eprintln!("{e}");
            code = EXIT_INVALID;
        }
        found.push((*r, objs));
    }
    let ns = super::local_ns(&args.namespace);
    show(args, &targets, &found, ns, s.api.now, version);
    Ok(code)
}

/// Print what `get` found, per type, in the asked format (or say that nothing was found).
pub(crate) fn show(
    args: &GetArgs,
    targets: &GetTargets,
    found: &[(&Resource, Vec<&Value>)],
    namespace: &str,
    now: i64,
    version: KubeVersion,
) {
    let all: Vec<&Value> = found.iter().flat_map(|(_, o)| o.iter().copied()).collect();
    if all.is_empty()
        && targets.names.is_empty()
        && matches!(args.output, None | Some(GetOutput::Wide))
    {
        if targets.types.iter().all(|r| r.namespaced) && !args.all_namespaces {
            eprintln!("No resources found in {namespace} namespace.");
        } else {
            eprintln!("No resources found");
        }
        return;
    }
    let blocks: Vec<(&Resource, Table<'_>)> = found
        .iter()
        .map(|(r, objs)| (*r, table::table(r, objs, now, version)))
        .collect();
    crate::cli::emit(&render(args, targets, &blocks, &all));
}

/// The output of `get` in the asked format.
fn render(
    args: &GetArgs,
    targets: &GetTargets,
    blocks: &[(&Resource, Table<'_>)],
    all: &[&Value],
) -> String {
    // One object asked by name prints as itself; anything else as a List (kubectl prints an
    // empty List too).
    let single = targets.names.len() == 1 && targets.types.len() == 1 && all.len() == 1;
    let document = || {
        if single {
            all[0].clone()
        } else {
            let items: Vec<Value> = all.iter().map(|o| (*o).clone()).collect();
            json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
        }
    };
    match args.output {
        Some(GetOutput::Json) => crate::runtime::print::json::to_string(&document()),
        Some(GetOutput::Yaml) => {
            crate::yaml::write::to_string(&document(), crate::yaml::write::Dialect::Kubectl)
        }
        Some(GetOutput::Name) => all
            .iter()
            .filter_map(|o| {
                resources::by_kind(o["kind"].as_str().unwrap_or(""))
                    .map(|r| format!("{}/{}\n", r.prefix(), meta_str(o, "name")))
            })
            .collect(),
        _ => table::print(
            blocks,
            PrintOptions {
                wide: args.output == Some(GetOutput::Wide),
                show_labels: args.show_labels,
                with_kind: targets.types.len() > 1,
                all_namespaces: args.all_namespaces,
            },
        ),
    }
}
