//! `stsc apply` and `stsc diff` on a cluster. Every object is first sent as a server-side dry
//! run, so a refusal (an invalid field, an immutable change, a conflict, a missing permission)
//! stops the command before anything changes; then the objects are applied in install order,
//! the inventory is kept, `--prune` deletes what the spec no longer produces, and `--wait`
//! follows the rollouts.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{connect, wait};
use crate::check::against::against;
use crate::cli::kubectl::{check_manifests_for_cluster, compile_specs, read_manifests, ApplyArgs};
use crate::cli::{CliError, Outcome, Style, EXIT_INVALID, EXIT_OK, EXIT_USAGE};
use crate::cluster::inventory::{self, Entry};
use crate::cluster::{diff as objdiff, ApiPath, Cluster, ClusterError, Propagation, Target};
use crate::compile::install_key;
use crate::diag::{render_text, Severity};
use crate::k8s::resources;
use crate::k8s::version::KubeVersion;
use crate::Compiled;

/// What the command sends: the objects in install order, each placed.
struct Plan {
    compiled: Compiled,
    objects: Vec<Placed>,
}

/// One object, its namespace decided, and the inventory it belongs to.
struct Placed {
    path: ApiPath,
    object: Value,
    inventory: Option<Inventory>,
    /// Compiled from a spec (not read from `-f`).
    from_spec: bool,
}

/// An inventory: its app name and namespace.
type Inventory = (String, String);

impl Placed {
    fn ns(&self) -> &str {
        self.object["metadata"]["namespace"].as_str().unwrap_or("")
    }

    fn name(&self) -> &str {
        self.object["metadata"]["name"].as_str().unwrap_or("")
    }

    /// `statefulset.apps/web`.
    fn prefix(&self) -> String {
        let kind = self.object["kind"].as_str().unwrap_or("").to_lowercase();
        if self.path.group.is_empty() {
            format!("{kind}/{}", self.name())
        } else {
            format!("{kind}.{}/{}", self.path.group, self.name())
        }
    }
}

/// What the dry run said of one object.
struct Dry {
    live: Option<Value>,
    merged: Value,
}

/// Run `stsc apply` on a cluster.
pub(crate) fn apply(
    args: &ApplyArgs,
    target: &Target,
    version: Option<KubeVersion>,
    style: Style,
) -> Outcome {
    let flags = &args.cluster;
    if flags.prune && flags.inventory.is_none() && !args.files.is_empty() {
        return Err(CliError::usage(
            "error: --prune with -f needs --inventory NAME: the set of objects an earlier apply wrote",
        ));
    }
    let (c, version) = connect(target, version)?;
    let (compiled, objects, from_specs) = read_input(args, version, style)?;
    let plan = place(&c, compiled, objects, from_specs, args)?;
    warn_missing_classes(&c, &plan)?;
    let dry_run = flags.dry_run == "server";
    let dries =
        dry_pass(&c, &plan, flags.force_conflicts, version, style).map_err(nothing_applied)?;
    let suffix = if dry_run { " (server dry run)" } else { "" };
    let old = read_inventories(&c, &plan)?;
    let mut printed = String::new();
    // Namespaces first (the plan puts them there), so the inventory can be written in them.
    let namespaces = plan
        .objects
        .iter()
        .take_while(|p| p.object["kind"] == "Namespace")
        .count();
    for (i, (p, d)) in plan.objects.iter().zip(&dries).enumerate() {
        if i == namespaces && !dry_run {
            write_inventories(&c, &plan, &old, true)?;
        }
        let word = match &d.live {
            None => "created",
            Some(l) if objdiff::comparable(l) == objdiff::comparable(&d.merged) => "unchanged",
            Some(_) => "configured",
        };
        if !dry_run {
            c.apply(&p.path, p.ns(), &p.object, flags.force_conflicts, false)?;
        }
        printed.push_str(&format!("{} {word}{suffix}\n", p.prefix()));
    }
    crate::cli::emit(&printed);
    if flags.prune {
        prune(&c, &plan, &old, dry_run)?;
    }
    if !dry_run {
        write_inventories(&c, &plan, &old, !flags.prune)?;
    }
    if flags.wait && !dry_run {
        for p in plan
            .objects
            .iter()
            .filter(|p| p.object["kind"] == "StatefulSet")
        {
            wait::rollout(&c, p.ns(), p.name(), flags.timeout, wait::Show::Progress)?;
        }
    }
    Ok(EXIT_OK)
}

/// Run `stsc diff`: exit 0 when nothing would change, 1 when something would, 2 on error.
pub(crate) fn diff(
    args: &ApplyArgs,
    target: &Target,
    version: Option<KubeVersion>,
    style: Style,
) -> Outcome {
    let run = || -> Result<bool, CliError> {
        let (c, version) = connect(target, version)?;
        let (compiled, objects, from_specs) = read_input(args, version, style)?;
        let plan = place(&c, compiled, objects, from_specs, args)?;
        let dries = dry_pass(&c, &plan, args.cluster.force_conflicts, version, style)?;
        let mut out = String::new();
        for d in &dries {
            if let Some(text) = objdiff::unified(d.live.as_ref(), &d.merged) {
                out.push_str(&text);
            }
        }
        crate::cli::emit(&out);
        Ok(!out.is_empty())
    };
    match run() {
        Ok(changes) => Ok(if changes { EXIT_INVALID } else { EXIT_OK }),
        Err(e) => Err(CliError {
            code: EXIT_USAGE,
            message: e.message,
        }),
    }
}

/// The compiled specs, the objects (specs' first, then the files'), and how many came from
/// specs. Manifests are checked against the version's schema first.
fn read_input(
    args: &ApplyArgs,
    version: KubeVersion,
    style: Style,
) -> Result<(Compiled, Vec<Value>, usize), CliError> {
    if args.specs.is_empty() && args.files.is_empty() {
        return Err(CliError::usage(
            "error: must specify one of SPEC or -f FILE",
        ));
    }
    let compiled = compile_specs(&args.specs, version, style)?;
    let mut objects: Vec<Value> = compiled
        .manifests
        .iter()
        .map(|m| m.object.clone())
        .collect();
    let from_specs = objects.len();
    for f in &args.files {
        objects.extend(read_manifests(f)?);
    }
    check_manifests_for_cluster(&objects[from_specs..], version)?;
    Ok((compiled, objects, from_specs))
}

/// Decide each object's namespace (its own, else `-n`, else the context's; kubectl refuses a
/// mismatch) and inventory; a spec's namespace that does not exist yet comes first.
fn place(
    c: &Cluster,
    compiled: Compiled,
    objects: Vec<Value>,
    from_specs: usize,
    args: &ApplyArgs,
) -> Result<Plan, CliError> {
    let given = args.cluster.namespace.as_deref();
    let default_ns = given.unwrap_or(&c.namespace).to_string();
    let mut placed = Vec::new();
    for (i, mut o) in objects.into_iter().enumerate() {
        let path = c.path_of(
            o["apiVersion"].as_str().unwrap_or(""),
            o["kind"].as_str().unwrap_or(""),
        )?;
        if path.namespaced {
            let own = o["metadata"]["namespace"].as_str();
            let ns = namespace_for(own, given, &c.namespace).map_err(CliError::invalid)?;
            o["metadata"]["namespace"] = json!(ns);
        }
        let inventory = match (&args.cluster.inventory, i < from_specs) {
            (Some(name), _) => Some((name.clone(), default_ns.clone())),
            (None, true) => {
                // The app's inventory lives in the app's namespace, its cluster-scoped
                // objects (ClusterRoles, StorageClasses) listed there too.
                let app = &compiled.apps[compiled.manifests[i].app];
                let app_ns = app.spec.namespace.clone().unwrap_or(default_ns.clone());
                Some((app.spec.name.clone(), app_ns))
            }
            (None, false) => None,
        };
        placed.push(Placed {
            path,
            object: o,
            inventory,
            from_spec: i < from_specs,
        });
    }
    // Specs' and files' objects together in Helm's install order: namespaces first, what
    // others depend on before them, whatever the file names.
    placed.sort_by(|a, b| install_key(&a.object).cmp(&install_key(&b.object)));
    let mut plan = Plan {
        compiled,
        objects: placed,
    };
    add_missing_namespaces(c, &mut plan)?;
    Ok(plan)
}

/// The namespace of a namespaced object: its own, else `-n`, else the context's. An object
/// whose own namespace is not `-n` is refused, in kubectl's words.
fn namespace_for(own: Option<&str>, given: Option<&str>, context: &str) -> Result<String, String> {
    match (own, given) {
        (Some(own), Some(given)) if own != given => Err(format!(
            "error: the namespace from the provided object {own:?} does not match the namespace {given:?}. You must pass '--namespace={own}' to perform this operation."
        )),
        (Some(own), _) => Ok(own.to_string()),
        (None, Some(given)) => Ok(given.to_string()),
        (None, None) => Ok(context.to_string()),
    }
}

/// A spec says where its app lives, so its namespace is made when missing (outside any
/// inventory: prune never deletes a namespace).
fn add_missing_namespaces(c: &Cluster, plan: &mut Plan) -> Result<(), CliError> {
    let ns_path = ApiPath::of(&resources::NAMESPACE);
    let mut wanted: Vec<String> = plan
        .objects
        .iter()
        .filter(|p| p.from_spec && p.path.namespaced)
        .map(|p| p.ns().to_string())
        .collect();
    wanted.sort();
    wanted.dedup();
    let mut missing = Vec::new();
    for ns in wanted {
        let listed = plan
            .objects
            .iter()
            .any(|p| p.object["kind"] == "Namespace" && p.name() == ns);
        if !listed && c.get(&ns_path, "", &ns)?.is_none() {
            missing.push(Placed {
                path: ns_path.clone(),
                object: json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
                inventory: None,
                from_spec: true,
            });
        }
    }
    plan.objects.splice(0..0, missing);
    Ok(())
}

/// Say when a claim template names a StorageClass the cluster lacks: its claims would stay
/// Pending (stsc makes classes only on the local runtime, where it is the provisioner).
fn warn_missing_classes(c: &Cluster, plan: &Plan) -> Result<(), CliError> {
    let class_path = ApiPath::of(&resources::STORAGE_CLASS);
    for p in plan
        .objects
        .iter()
        .filter(|p| p.object["kind"] == "StatefulSet")
    {
        let templates = p.object["spec"]["volumeClaimTemplates"].as_array();
        for class in templates
            .into_iter()
            .flatten()
            .filter_map(|t| t["spec"]["storageClassName"].as_str())
        {
            let given = plan
                .objects
                .iter()
                .any(|o| o.object["kind"] == "StorageClass" && o.name() == class);
            if !given && c.get(&class_path, "", class)?.is_none() {
                eprintln!(
                    "Warning: StorageClass {class:?} does not exist on the cluster: the claims of {} stay Pending until it does",
                    p.prefix()
                );
            }
        }
    }
    Ok(())
}

/// Read each object live and send it as a server-side dry run. An object in a namespace this
/// command creates cannot be dry-run before the namespace exists; it reads as new.
fn dry_pass(
    c: &Cluster,
    plan: &Plan,
    force: bool,
    version: KubeVersion,
    style: Style,
) -> Result<Vec<Dry>, CliError> {
    let creating: Vec<&str> = plan
        .objects
        .iter()
        .filter(|p| p.object["kind"] == "Namespace")
        .map(Placed::name)
        .collect();
    let mut out = Vec::new();
    for p in &plan.objects {
        let new_ns = p.path.namespaced && creating.contains(&p.ns());
        let live = if new_ns {
            None
        } else {
            c.get(&p.path, p.ns(), p.name())?
        };
        let merged = match c.apply(&p.path, p.ns(), &p.object, force, true) {
            Ok(m) => m,
            Err(e) if new_ns && e.is_not_found() => p.object.clone(),
            Err(e) => return Err(refused(e, live.as_ref(), &plan.compiled, version, style)),
        };
        out.push(Dry { live, merged });
    }
    Ok(out)
}

/// A refusal; an immutable StatefulSet change is shown at the spec line with the remedy
/// (`check --against` on the live object), as the local runtime shows it.
fn refused(
    e: ClusterError,
    live: Option<&Value>,
    compiled: &Compiled,
    version: KubeVersion,
    style: Style,
) -> CliError {
    let immutable = e.status().is_some_and(|s| {
        s.code == 422 && s.message.contains("Forbidden: updates to statefulset spec")
    });
    if let (true, Some(live)) = (immutable, live) {
        let findings: Vec<_> = against(std::slice::from_ref(live), compiled, version)
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        if !findings.is_empty() {
            eprint!("{}", render_text(&findings, style.snippets, style.color));
        }
    }
    let conflict = e.status().is_some_and(|s| s.code == 409);
    let mut err = CliError::from(e);
    if conflict {
        err.message.push_str("\nstsc: these fields have other managers (`stsc scale` and `kubectl scale` own .spec.replicas): run again with --force-conflicts to set the spec's values, or change the spec to match");
    }
    err
}

/// An apply that stopped before sending anything says so.
fn nothing_applied(mut err: CliError) -> CliError {
    err.message.push_str("\nstsc: nothing applied");
    err
}

/// Each inventory's live entries.
fn read_inventories(c: &Cluster, plan: &Plan) -> Result<BTreeMap<Inventory, Vec<Entry>>, CliError> {
    let path = ApiPath::of(&resources::CONFIG_MAP);
    let mut out = BTreeMap::new();
    for inv in plan.objects.iter().filter_map(|p| p.inventory.clone()) {
        if out.contains_key(&inv) {
            continue;
        }
        let live = c.get(&path, &inv.1, &inventory::config_map_name(&inv.0))?;
        out.insert(
            inv,
            live.as_ref().map(inventory::entries).unwrap_or_default(),
        );
    }
    Ok(out)
}

/// Write each inventory: this apply's objects, and with `keep_old` the earlier ones too (before
/// applying, so a failure midway loses track of nothing; after, unless they were pruned).
fn write_inventories(
    c: &Cluster,
    plan: &Plan,
    old: &BTreeMap<Inventory, Vec<Entry>>,
    keep_old: bool,
) -> Result<(), CliError> {
    let path = ApiPath::of(&resources::CONFIG_MAP);
    for (inv, before) in old {
        let mut entries = current_entries(plan, inv);
        if keep_old {
            entries.extend(before.iter().cloned());
        }
        let cm = inventory::config_map(&inv.0, &inv.1, &entries);
        c.apply(&path, &inv.1, &cm, true, false)?;
    }
    Ok(())
}

fn current_entries(plan: &Plan, inv: &Inventory) -> Vec<Entry> {
    plan.objects
        .iter()
        .filter(|p| p.inventory.as_ref() == Some(inv))
        .map(|p| Entry::of(&p.object))
        .collect()
}

/// Delete what each inventory listed and this apply no longer produces, if stsc applied it
/// and no other app's inventory lists it.
fn prune(
    c: &Cluster,
    plan: &Plan,
    old: &BTreeMap<Inventory, Vec<Entry>>,
    dry_run: bool,
) -> Result<(), CliError> {
    let suffix = if dry_run { " (server dry run)" } else { "" };
    let mut printed = String::new();
    let mut others = OtherInventories::default();
    for (inv, before) in old {
        let own = (inv.1.as_str(), inventory::config_map_name(&inv.0));
        for e in inventory::stale(before, &current_entries(plan, inv)) {
            let path = c.path_of(&e.api_version, &e.kind)?;
            let Some(live) = c.get(&path, &e.namespace, &e.name)? else {
                continue;
            };
            let shown = Placed {
                path: path.clone(),
                object: live,
                inventory: None,
                from_spec: false,
            };
            let shared = others.listing(c, (own.0, &own.1), &e)?;
            if let Some(why) = kept_because(&shown.object, shared) {
                eprintln!("stsc: {} not pruned: {why}", shown.prefix());
                continue;
            }
            let gone = c.delete(
                &path,
                &e.namespace,
                &e.name,
                Propagation::Background,
                dry_run,
            )?;
            if gone {
                printed.push_str(&format!("{} pruned{suffix}\n", shown.prefix()));
            }
        }
    }
    crate::cli::emit(&printed);
    Ok(())
}

/// Why a stale live object stays: another app's inventory (`shared`) lists it, or stsc no
/// longer manages it. None: it may be pruned.
fn kept_because(live: &Value, shared: Option<String>) -> Option<String> {
    match shared {
        Some(other) => Some(format!("the inventory {other} still lists it")),
        None if !inventory::applied_by_stsc(live) => Some("stsc no longer manages it".into()),
        None => None,
    }
}

/// Other apps' inventories, read only when something may go: those of the object's
/// namespace, or for a cluster-scoped object every namespace's (a Role alone never needs the
/// cluster-wide list, as it applies nothing cluster-scoped).
#[derive(Default)]
struct OtherInventories {
    /// By namespace ("" for every namespace).
    read: BTreeMap<String, Vec<Value>>,
}

impl OtherInventories {
    /// The inventory other than `own` (namespace, ConfigMap name) that lists `e`.
    fn listing(
        &mut self,
        c: &Cluster,
        own: (&str, &str),
        e: &Entry,
    ) -> Result<Option<String>, CliError> {
        if !self.read.contains_key(&e.namespace) {
            let ns = (!e.namespace.is_empty()).then_some(e.namespace.as_str());
            let selector = inventory::selector();
            let listed = c.list(&resources::CONFIG_MAP, ns, Some(&selector), None)?;
            self.read.insert(e.namespace.clone(), listed);
        }
        Ok(inventory::listed_elsewhere(
            &self.read[&e.namespace],
            own,
            e,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::namespace_for;

    #[test]
    fn an_object_goes_to_its_namespace_else_the_flag_else_the_context() {
        assert_eq!(namespace_for(Some("db"), None, "dev"), Ok("db".into()));
        assert_eq!(
            namespace_for(Some("db"), Some("db"), "dev"),
            Ok("db".into())
        );
        assert_eq!(namespace_for(None, Some("shop"), "dev"), Ok("shop".into()));
        assert_eq!(namespace_for(None, None, "dev"), Ok("dev".into()));
        assert_eq!(
            namespace_for(Some("db"), Some("shop"), "dev"),
            Err("error: the namespace from the provided object \"db\" does not match the namespace \"shop\". You must pass '--namespace=db' to perform this operation.".into())
        );
    }
}
