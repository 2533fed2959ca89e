//! Field ownership (`metadata.managedFields`) and server-side apply, as the API server keeps
//! them (`sigs.k8s.io/structured-merge-diff`, `k8s.io/apimachinery/pkg/util/managedfields`):
//! every write records which fields its manager set; an apply that sets a field another manager
//! owns to another value is a conflict (409) unless forced; fields a manager applied before and
//! no longer applies, and nobody else owns, are removed. Lists merge by the keys the schema
//! gives them (`containers` by `name`), as in strategic merge; other lists are atomic.
//!
//! Field sets are written in the `FieldsV1` form (`{"f:spec":{"f:replicas":{}}}`, list items as
//! `k:{"name":"nginx"}`, set members as `v:"x"`, an item itself as `"."`).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::patch::strategic::{strategy, ListStrategy, PatchSchema};

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// A map key (`f:name`).
    Field(String),
    /// A list item by its key fields, as canonical JSON (`k:{"name":"nginx"}`).
    Key(String),
    /// A member of a set-like list, as JSON (`v:"x"`).
    Member(String),
}

/// A field path, from the object's root.
pub type Path = Vec<Step>;

/// A set of owned paths.
pub type FieldSet = BTreeSet<Path>;

/// What the top level and metadata keep out of ownership: the server's own fields.
fn managed_top(k: &str) -> bool {
    !matches!(k, "apiVersion" | "kind" | "status")
}

fn managed_meta(k: &str) -> bool {
    matches!(
        k,
        "labels" | "annotations" | "ownerReferences" | "finalizers"
    )
}

/// The paths an object sets: every leaf, and every keyed list item itself. `status` counts only
/// for `subresource: status` writes (`with_status`).
pub fn field_set(o: &Value, schema: Option<PatchSchema>, with_status: bool) -> FieldSet {
    let mut out = FieldSet::new();
    let Some(m) = o.as_object() else {
        return out;
    };
    let root = schema.map(|s| s.root());
    for (k, v) in m {
        let keep = if with_status {
            k == "status"
        } else {
            managed_top(k)
        };
        if !keep {
            continue;
        }
        let node = schema.and_then(|s| s.field(root, k));
        let path = vec![Step::Field(k.clone())];
        if k == "metadata" {
            for (mk, mv) in v.as_object().into_iter().flatten() {
                if managed_meta(mk) {
                    let n = schema.and_then(|s| s.field(node, mk));
                    let mut p = path.clone();
                    p.push(Step::Field(mk.clone()));
                    walk(mv, schema.as_ref(), n, p, &mut out);
                }
            }
            continue;
        }
        walk(v, schema.as_ref(), node, path, &mut out);
    }
    out
}

fn walk(v: &Value, s: Option<&PatchSchema>, node: Option<&Value>, path: Path, out: &mut FieldSet) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                let n = s.and_then(|s| s.field(node, k));
                let mut p = path.clone();
                p.push(Step::Field(k.clone()));
                walk(child, s, n, p, out);
            }
        }
        Value::Array(items) => match strategy(node) {
            ListStrategy::MergeByKey(key) => {
                let item_node = s.and_then(|s| s.items(node));
                for item in items {
                    let Some(k) = item.get(&key) else {
                        out.insert(path.clone());
                        return;
                    };
                    let mut p = path.clone();
                    p.push(Step::Key(json!({ key.clone(): k }).to_string()));
                    out.insert(p.clone());
                    walk(item, s, item_node, p, out);
                }
            }
            ListStrategy::Union if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
                for item in items {
                    let mut p = path.clone();
                    p.push(Step::Member(item.to_string()));
                    out.insert(p);
                }
            }
            _ => {
                out.insert(path);
            }
        },
        _ => {
            out.insert(path);
        }
    }
}

/// The value at a path.
pub fn value_at<'a>(o: &'a Value, path: &[Step]) -> Option<&'a Value> {
    let mut at = o;
    for step in path {
        at = match step {
            Step::Field(k) => at.get(k)?,
            Step::Key(k) => find_item(at.as_array()?, k)?,
            Step::Member(m) => {
                let want: Value = serde_json::from_str(m).ok()?;
                at.as_array()?.iter().find(|x| **x == want)?
            }
        };
    }
    Some(at)
}

/// The item of a keyed list whose key fields are those of `key` (canonical JSON).
fn find_item<'a>(items: &'a [Value], key: &str) -> Option<&'a Value> {
    let want: Map<String, Value> = serde_json::from_str(key).ok()?;
    items
        .iter()
        .find(|i| want.iter().all(|(k, v)| i.get(k) == Some(v)))
}

/// Remove the value at a path (a field, a keyed item, a set member).
pub fn remove_at(o: &mut Value, path: &[Step]) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    let mut at = o;
    for step in parent {
        let next = match step {
            Step::Field(k) => at.get_mut(k),
            Step::Key(k) => {
                let want: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
                at.as_array_mut().and_then(|items| {
                    items
                        .iter_mut()
                        .find(|i| want.iter().all(|(k, v)| i.get(k) == Some(v)))
                })
            }
            Step::Member(_) => None,
        };
        match next {
            Some(n) => at = n,
            None => return,
        }
    }
    match last {
        Step::Field(k) => {
            if let Some(m) = at.as_object_mut() {
                m.remove(k);
            }
        }
        Step::Key(k) => {
            let want: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
            if let Some(items) = at.as_array_mut() {
                items.retain(|i| !want.iter().all(|(k, v)| i.get(k) == Some(v)));
            }
        }
        Step::Member(m) => {
            let want: Value = serde_json::from_str(m).unwrap_or(Value::Null);
            if let Some(items) = at.as_array_mut() {
                items.retain(|x| *x != want);
            }
        }
    }
}

/// A field set in the `FieldsV1` form.
pub fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut at = &mut root;
        for step in path {
            let key = match step {
                Step::Field(k) => format!("f:{k}"),
                Step::Key(k) => format!("k:{k}"),
                Step::Member(m) => format!("v:{m}"),
            };
            at = at
                .entry(key)
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("built as objects");
        }
        // A path that is also a prefix of others (a keyed item) marks itself with ".".
        if matches!(path.last(), Some(Step::Key(_))) {
            at.insert(".".into(), json!({}));
        }
    }
    Value::Object(root)
}

/// A `FieldsV1` value as a field set (what cannot be read is left out).
pub fn from_fields_v1(v: &Value) -> FieldSet {
    let mut out = FieldSet::new();
    read_v1(v, Vec::new(), &mut out);
    out
}

fn read_v1(v: &Value, path: Path, out: &mut FieldSet) {
    let Some(m) = v.as_object() else {
        return;
    };
    if m.is_empty() && !path.is_empty() {
        out.insert(path);
        return;
    }
    for (k, child) in m {
        let step = if k == "." {
            out.insert(path.clone());
            continue;
        } else if let Some(f) = k.strip_prefix("f:") {
            Step::Field(f.to_string())
        } else if let Some(key) = k.strip_prefix("k:") {
            // Canonical JSON, so equal keys compare equal.
            match serde_json::from_str::<Value>(key) {
                Ok(parsed) => Step::Key(parsed.to_string()),
                Err(_) => continue,
            }
        } else if let Some(m) = k.strip_prefix("v:") {
            match serde_json::from_str::<Value>(m) {
                Ok(parsed) => Step::Member(parsed.to_string()),
                Err(_) => continue,
            }
        } else {
            continue;
        };
        let mut p = path.clone();
        p.push(step);
        read_v1(child, p, out);
    }
}

/// A path as the API server prints it in conflicts: `.spec.replicas`,
/// `.spec.template.spec.containers[name="nginx"].image`.
pub fn display(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Field(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Key(k) => {
                let m: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
                let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
                out.push_str(&format!("[{}]", parts.join(",")));
            }
            Step::Member(m) => out.push_str(&format!("[={m}]")),
        }
    }
    out
}

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The manager (`kubectl`, `kubectl-client-side-apply`).
    pub manager: String,
    /// `Apply` or `Update`.
    pub apply: bool,
    /// The apiVersion of the write.
    pub api_version: String,
    /// When the entry's fields last changed.
    pub time: String,
    /// `scale`, `status`, or none.
    pub subresource: Option<String>,
    /// The fields owned.
    pub fields: FieldSet,
}

impl Entry {
    /// Whether two entries are the same manager (the API server's manager identifier: name,
    /// operation, subresource).
    fn same(&self, manager: &str, apply: bool, subresource: Option<&str>) -> bool {
        self.manager == manager && self.apply == apply && self.subresource.as_deref() == subresource
    }

    /// How conflicts name this manager: `"kubectl" with subresource "scale" using apps/v1`.
    pub fn describe(&self) -> String {
        let mut s = format!("{:?}", self.manager);
        if let Some(sub) = &self.subresource {
            s.push_str(&format!(" with subresource {sub:?}"));
        }
        if !self.apply {
            s.push_str(&format!(" using {}", self.api_version));
        }
        s
    }
}

/// The entries of an object's `metadata.managedFields`.
pub fn entries(o: &Value) -> Vec<Entry> {
    let list = o["metadata"]["managedFields"].as_array();
    list.into_iter()
        .flatten()
        .map(|e| Entry {
            manager: e["manager"].as_str().unwrap_or("").to_string(),
            apply: e["operation"] == "Apply",
            api_version: e["apiVersion"].as_str().unwrap_or("").to_string(),
            time: e["time"].as_str().unwrap_or("").to_string(),
            subresource: e["subresource"].as_str().map(str::to_string),
            fields: from_fields_v1(&e["fieldsV1"]),
        })
        .collect()
}

/// Entries as `metadata.managedFields` (empty ones left out).
pub fn to_value(entries: &[Entry]) -> Value {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(|e| {
            let mut v = json!({
                "manager": e.manager,
                "operation": if e.apply { "Apply" } else { "Update" },
                "apiVersion": e.api_version,
                "time": e.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": to_fields_v1(&e.fields),
            });
            if let Some(s) = &e.subresource {
                v["subresource"] = json!(s);
            }
            v
        })
        .collect();
    Value::Array(list)
}

/// Who writes, and how.
#[derive(Debug, Clone, Copy)]
pub struct Writer<'a> {
    /// The manager.
    pub manager: &'a str,
    /// The subresource written (`scale`, `status`), if any.
    pub subresource: Option<&'a str>,
    /// The apiVersion written.
    pub api_version: &'a str,
    /// Now, for the entry's time.
    pub time: &'a str,
}

/// Set the entry of `w` to own `fields` (only a changed set gets a new time).
fn own(entries: &mut Vec<Entry>, w: Writer, apply: bool, fields: FieldSet) {
    match entries
        .iter_mut()
        .find(|e| e.same(w.manager, apply, w.subresource))
    {
        Some(e) => {
            if e.fields != fields {
                e.fields = fields;
                e.time = w.time.to_string();
            }
        }
        None => entries.push(Entry {
            manager: w.manager.to_string(),
            apply,
            api_version: w.api_version.to_string(),
            time: w.time.to_string(),
            subresource: w.subresource.map(str::to_string),
            fields,
        }),
    }
    entries.retain(|e| !e.fields.is_empty());
}

/// The managed fields after an update (create, PUT, a non-apply patch, a scale or status write)
/// from `old` to `new`: the writer owns what it changed; others lose it; fields gone are owned by
/// nobody.
pub fn after_update(
    old: Option<&Value>,
    new: &Value,
    w: Writer,
    schema: Option<PatchSchema>,
) -> Vec<Entry> {
    let status = w.subresource == Some("status");
    let mut list = old.map(entries).unwrap_or_default();
    let now = field_set(new, schema, status);
    let before = old
        .map(|o| field_set(o, schema, status))
        .unwrap_or_default();
    let changed: FieldSet = now
        .iter()
        .filter(|p| old.and_then(|o| value_at(o, p)) != value_at(new, p))
        .cloned()
        .collect();
    for e in &mut list {
        e.fields
            .retain(|p| !changed.contains(p) && (now.contains(p) || !before.contains(p)));
    }
    let mut mine = list
        .iter()
        .find(|e| e.same(w.manager, false, w.subresource))
        .map(|e| e.fields.clone())
        .unwrap_or_default();
    mine.extend(changed);
    own(&mut list, w, false, mine);
    list
}

/// A field another manager owns that an apply would change.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The owner, as the message names it.
    pub owner: String,
    /// The field.
    pub path: Path,
}

/// The Status message of apply conflicts (`Apply failed with 1 conflict: conflict with
/// "kubectl" using apps/v1: .spec.replicas`), grouped by owner as the API server groups them.
pub fn conflict_message(conflicts: &[Conflict]) -> String {
    if let [c] = conflicts {
        return format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            c.owner,
            display(&c.path)
        );
    }
    let mut owners: Vec<&str> = conflicts.iter().map(|c| c.owner.as_str()).collect();
    owners.sort_unstable();
    owners.dedup();
    let mut lines = Vec::new();
    for owner in owners {
        lines.push(format!("conflicts with {owner}:"));
        for c in conflicts.iter().filter(|c| c.owner == owner) {
            lines.push(format!("- {}", display(&c.path)));
        }
    }
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        lines.join("\n")
    )
}

/// A server-side apply of `intent` by `w` over `live` (`None`: the object is created): the
/// object to store, or the conflicts when `force` is off. `defaulted` is the intent with the API
/// server's defaults: what the apply would store, so a field the intent leaves to its default
/// does not conflict with the same default in the live object.
///
/// # Errors
/// The fields other managers own that the intent would change.
pub fn apply(
    live: Option<&Value>,
    intent: &Value,
    defaulted: &Value,
    w: Writer,
    force: bool,
    schema: Option<PatchSchema>,
) -> Result<Value, Vec<Conflict>> {
    let applied = field_set(intent, schema, false);
    let Some(live) = live else {
        let mut list = Vec::new();
        own(&mut list, w, true, applied);
        return Ok(with_entries(intent.clone(), &list));
    };
    let mut list = entries(live);
    let mut conflicts = Vec::new();
    for e in list
        .iter()
        .filter(|e| !e.same(w.manager, true, w.subresource))
    {
        for p in e.fields.intersection(&applied) {
            let leaf = !matches!(p.last(), Some(Step::Key(_)));
            if leaf && value_at(defaulted, p) != value_at(live, p) {
                conflicts.push(Conflict {
                    owner: e.describe(),
                    path: p.clone(),
                });
            }
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(conflicts);
    }
    // Forced: the conflicting fields change hands.
    for e in list
        .iter_mut()
        .filter(|e| !e.same(w.manager, true, w.subresource))
    {
        e.fields.retain(|p| !conflicts.iter().any(|c| c.path == *p));
    }
    let prior = list
        .iter()
        .find(|e| e.same(w.manager, true, w.subresource))
        .map(|e| e.fields.clone())
        .unwrap_or_default();
    let others: FieldSet = list
        .iter()
        .filter(|e| !e.same(w.manager, true, w.subresource))
        .flat_map(|e| e.fields.iter().cloned())
        .collect();
    let mut merged = live.clone();
    // Given up and owned by nobody else: removed, a keyed item whole (its fields with it).
    let mut dropped: Vec<&Path> = prior
        .iter()
        .filter(|p| !applied.contains(*p) && !others.contains(*p))
        .collect();
    dropped.sort_by_key(|p| p.len());
    let mut removed: Vec<&Path> = Vec::new();
    for p in dropped {
        if removed.iter().any(|r| p.starts_with(r)) || is_key_field(p) {
            continue;
        }
        remove_at(&mut merged, p);
        removed.push(p);
    }
    let _ = crate::patch::strategic::merge(&mut merged, intent, schema);
    own(&mut list, w, true, applied);
    Ok(with_entries(merged, &list))
}

/// Whether a path is a key field of a keyed item (`containers[name="nginx"].name`): it goes
/// with the item, never alone.
fn is_key_field(p: &[Step]) -> bool {
    match p {
        [.., Step::Key(key), Step::Field(f)] => {
            serde_json::from_str::<Map<String, Value>>(key).is_ok_and(|k| k.contains_key(f))
        }
        _ => false,
    }
}

/// The object with these managed fields.
pub fn with_entries(mut o: Value, list: &[Entry]) -> Value {
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        m.insert("managedFields".into(), to_value(list));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::version::KubeVersion;

    fn schema() -> Option<PatchSchema<'static>> {
        PatchSchema::for_version(KubeVersion::NEWEST, "apps/v1", "StatefulSet")
    }

    fn set(replicas: i64, image: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
               "metadata": {"name": "web", "labels": {"app": "nginx"}},
               "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                   {"name": "nginx", "image": image}]}}}})
    }

    fn writer(manager: &str) -> Writer<'_> {
        Writer {
            manager,
            subresource: None,
            api_version: "apps/v1",
            time: "2026-12-02T00:00:00Z",
        }
    }

    #[test]
    fn fields_v1_names_fields_keyed_items_and_round_trips() {
        let fs = field_set(&set(2, "nginx"), schema(), false);
        let v1 = to_fields_v1(&fs);
        assert_eq!(
            v1,
            json!({"f:metadata": {"f:labels": {"f:app": {}}},
                   "f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
                       "k:{\"name\":\"nginx\"}": {".": {}, "f:image": {}, "f:name": {}}}}}}})
        );
        assert_eq!(from_fields_v1(&v1), fs);
        let p = fs.iter().find(|p| p.len() == 6).unwrap();
        assert_eq!(
            display(p),
            ".spec.template.spec.containers[name=\"nginx\"].image"
        );
    }

    #[test]
    fn a_second_manager_changing_an_owned_field_conflicts_unless_forced() {
        let first = apply(
            None,
            &set(2, "nginx"),
            &set(2, "nginx"),
            writer("kubectl"),
            false,
            schema(),
        )
        .unwrap();
        let again = apply(
            Some(&first),
            &set(2, "nginx"),
            &set(2, "nginx"),
            writer("other"),
            false,
            schema(),
        )
        .unwrap();
        // Same values: shared, no conflict.
        assert_eq!(entries(&again).len(), 2);
        let e = apply(
            Some(&again),
            &set(4, "nginx"),
            &set(4, "nginx"),
            writer("other"),
            false,
            schema(),
        )
        .unwrap_err();
        assert_eq!(
            conflict_message(&e),
            "Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas"
        );
        let forced = apply(
            Some(&again),
            &set(4, "nginx"),
            &set(4, "nginx"),
            writer("other"),
            true,
            schema(),
        )
        .unwrap();
        assert_eq!(forced["spec"]["replicas"], 4);
        let kubectl = entries(&forced)
            .into_iter()
            .find(|e| e.manager == "kubectl")
            .unwrap();
        assert!(!kubectl.fields.contains(&vec![
            Step::Field("spec".into()),
            Step::Field("replicas".into())
        ]));
    }

    #[test]
    fn fields_no_longer_applied_are_removed_and_an_update_takes_ownership() {
        let mut two = set(2, "nginx");
        two["spec"]["template"]["spec"]["containers"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "sidecar", "image": "busybox"}));
        let first = apply(None, &two, &two, writer("kubectl"), false, schema()).unwrap();
        let second = apply(
            Some(&first),
            &set(2, "nginx"),
            &set(2, "nginx"),
            writer("kubectl"),
            false,
            schema(),
        )
        .unwrap();
        let names: Vec<&str> = second["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["nginx"]);
        // kubectl scale: an update of the scale subresource takes .spec.replicas.
        let mut scaled = second.clone();
        scaled["spec"]["replicas"] = json!(3);
        let w = Writer {
            subresource: Some("scale"),
            ..writer("kubectl")
        };
        let list = after_update(Some(&second), &scaled, w, schema());
        let scaled = with_entries(scaled, &list);
        let e = apply(
            Some(&scaled),
            &set(2, "nginx"),
            &set(2, "nginx"),
            writer("kubectl"),
            false,
            schema(),
        )
        .unwrap_err();
        assert_eq!(
            conflict_message(&e),
            "Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas"
        );
    }
}
