//! Strategic merge patch: maps merge key by key (`null` deletes), lists follow their field's
//! `x-kubernetes-patch-strategy`: `merge` lists are merged element by element on
//! `x-kubernetes-patch-merge-key` (containers by `name`, container ports by `containerPort`,
//! Service ports by `port`...), primitive `merge` lists are unioned, every other list is
//! replaced. Directives: `$patch: replace | delete | merge` on a map or a list element,
//! `$setElementOrder/FIELD`, `$deleteFromPrimitiveList/FIELD`, `$retainKeys`.

use serde_json::{Map, Value};

use crate::k8s::version::KubeVersion;

/// A patch that cannot be applied: where in the patch, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct PatchError {
    /// JSON pointer into the patch.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

fn error(pointer: &str, message: impl Into<String>) -> PatchError {
    PatchError {
        pointer: pointer.to_string(),
        message: message.into(),
    }
}

/// The schema of one kind of one version, to look up each field's patch strategy.
#[derive(Debug, Clone, Copy)]
pub struct PatchSchema<'a> {
    bundle: &'a Value,
    root: &'a Value,
}

impl<'a> PatchSchema<'a> {
    /// The schema node of the kind itself.
    pub(crate) fn root(&self) -> &'a Value {
        self.root
    }

    /// The schema of `api_version`/`kind` in `bundle` (see [`crate::validate::bundle`]).
    pub fn new(bundle: &'a Value, api_version: &str, kind: &str) -> Option<Self> {
        let root = bundle["kinds"].get(format!("{api_version}/{kind}"))?;
        Some(PatchSchema { bundle, root })
    }

    /// The schema of `kind` for a version's embedded bundle.
    pub fn for_version(
        v: KubeVersion,
        api_version: &str,
        kind: &str,
    ) -> Option<PatchSchema<'static>> {
        let bundle = crate::validate::bundle(v).ok()?;
        PatchSchema::new(bundle, api_version, kind)
    }

    /// Follow `$ref`s (and a one-branch `allOf`) to the node that describes a value.
    fn resolve(&self, mut node: &'a Value) -> &'a Value {
        for _ in 0..16 {
            if let Some(r) = node.get("$ref").and_then(Value::as_str) {
                let name = r.trim_start_matches("#/$defs/");
                match self.bundle["$defs"].get(name) {
                    Some(n) => node = n,
                    None => return node,
                }
            } else if let Some(Value::Array(all)) = node.get("allOf") {
                match all.first() {
                    Some(n) => node = n,
                    None => return node,
                }
            } else {
                return node;
            }
        }
        node
    }

    /// The schema of field `key` of a mapping described by `node`.
    pub(crate) fn field(&self, node: Option<&'a Value>, key: &str) -> Option<&'a Value> {
        let node = self.resolve(node?);
        node["properties"]
            .get(key)
            .or_else(|| node.get("additionalProperties").filter(|a| a.is_object()))
    }

    /// The schema of a list's elements.
    pub(crate) fn items(&self, node: Option<&'a Value>) -> Option<&'a Value> {
        self.resolve(node?).get("items")
    }
}

/// How a list field merges.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ListStrategy {
    /// Merge elements that have the same value of this key.
    MergeByKey(String),
    /// Union of primitive values.
    Union,
    /// The patch's list replaces the original.
    Replace,
}

pub(crate) fn strategy(node: Option<&Value>) -> ListStrategy {
    let Some(node) = node else {
        return ListStrategy::Replace;
    };
    let merge = node["x-kubernetes-patch-strategy"]
        .as_str()
        .is_some_and(|s| s.split(',').any(|p| p == "merge"));
    match (merge, node["x-kubernetes-patch-merge-key"].as_str()) {
        (true, Some(k)) => ListStrategy::MergeByKey(k.to_string()),
        (true, None) => ListStrategy::Union,
        _ => ListStrategy::Replace,
    }
}

/// Apply a strategic merge `patch` to `original`, by the schema of its kind (`None`: every
/// list is replaced, as for a kind without patch metadata).
///
/// # Errors
/// A directive the patch misuses (an unknown `$patch`, a merge-list element without its merge
/// key, a `$setElementOrder` that is not a list), at its pointer in the patch.
pub fn merge(
    original: &mut Value,
    patch: &Value,
    schema: Option<PatchSchema>,
) -> Result<(), PatchError> {
    let root = schema.map(|s| s.root);
    merge_value(original, patch, schema.as_ref(), root, "")
}

fn merge_value(
    original: &mut Value,
    patch: &Value,
    s: Option<&PatchSchema>,
    node: Option<&Value>,
    at: &str,
) -> Result<(), PatchError> {
    match (original, patch) {
        (Value::Object(o), Value::Object(p)) => merge_map(o, p, s, node, at).map(|replace| {
            if let Some(r) = replace {
                *o = r;
            }
        }),
        (original, patch) => {
            *original = strip_directives(patch);
            Ok(())
        }
    }
}

/// Merge map `p` into `o`; `Some(map)` when the patch replaces the map whole.
fn merge_map(
    o: &mut Map<String, Value>,
    p: &Map<String, Value>,
    s: Option<&PatchSchema>,
    node: Option<&Value>,
    at: &str,
) -> Result<Option<Map<String, Value>>, PatchError> {
    if let Some(whole) = map_directive(p, at)? {
        return Ok(Some(whole));
    }
    if let Some(keep) = p.get("$retainKeys") {
        let Some(keep) = keep.as_array() else {
            return Err(error(
                &format!("{at}/$retainKeys"),
                "$retainKeys must be a list of field names",
            ));
        };
        o.retain(|k, _| keep.iter().any(|x| x == k));
    }
    let fields = Fields { s, node, at };
    for (k, v) in p {
        if !k.starts_with('$') {
            fields.merge(o, p, k, v)?;
        }
    }
    fields.directives_alone(o, p)?;
    Ok(None)
}

/// A map's `$patch`: `replace` and `delete` give the whole result; `merge` (or none) merges.
fn map_directive(
    p: &Map<String, Value>,
    at: &str,
) -> Result<Option<Map<String, Value>>, PatchError> {
    match p.get("$patch").map(|v| v.as_str()) {
        None | Some(Some("merge")) => Ok(None),
        Some(Some("replace")) => Ok(Some(strip_map(p))),
        Some(Some("delete")) => Ok(Some(Map::new())),
        Some(other) => {
            let shown = other.map_or_else(|| p["$patch"].to_string(), str::to_string);
            Err(error(
                &format!("{at}/$patch"),
                format!("unknown $patch directive {shown:?}: expected replace, delete or merge"),
            ))
        }
    }
}

/// Where the fields of one map are merged: its schema node and pointer.
struct Fields<'a> {
    s: Option<&'a PatchSchema<'a>>,
    node: Option<&'a Value>,
    at: &'a str,
}

impl Fields<'_> {
    /// Merge one field of the patch: null removes, lists merge by strategy (with their order
    /// and deletion directives), maps merge, anything else replaces.
    fn merge(
        &self,
        o: &mut Map<String, Value>,
        p: &Map<String, Value>,
        k: &str,
        v: &Value,
    ) -> Result<(), PatchError> {
        let at = self.at;
        let here = format!("{at}/{}", crate::k8s::pointer::escape(k));
        let child = self.s.and_then(|s| s.field(self.node, k));
        match v {
            Value::Null => {
                o.remove(k);
            }
            Value::Array(items) => {
                let order = p.get(&format!("$setElementOrder/{k}"));
                let remove = p.get(&format!("$deleteFromPrimitiveList/{k}"));
                let merged = merge_list(o.get(k), items, self.s, child, &here)?;
                let merged = match order {
                    Some(order) => set_order(
                        merged,
                        order,
                        &strategy(child),
                        &format!("{at}/$setElementOrder~1{k}"),
                    )?,
                    None => merged,
                };
                o.insert(k.to_string(), Value::Array(without(merged, remove)));
            }
            Value::Object(_) => {
                let target = o
                    .entry(k.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !target.is_object() {
                    *target = Value::Object(Map::new());
                }
                merge_value(target, v, self.s, child, &here)?;
                if v.get("$patch").and_then(Value::as_str) == Some("delete") {
                    o.remove(k);
                }
            }
            v => {
                o.insert(k.to_string(), v.clone());
            }
        }
        Ok(())
    }

    /// A list only named by a directive still takes it.
    fn directives_alone(
        &self,
        o: &mut Map<String, Value>,
        p: &Map<String, Value>,
    ) -> Result<(), PatchError> {
        for (k, v) in p {
            if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
                if !p.contains_key(field) {
                    if let Some(Value::Array(list)) = o.get(field).cloned() {
                        o.insert(field.to_string(), Value::Array(without(list, Some(v))));
                    }
                }
            }
            if let Some(field) = k.strip_prefix("$setElementOrder/") {
                if !p.contains_key(field) {
                    if let Some(Value::Array(list)) = o.get(field).cloned() {
                        let st = strategy(self.s.and_then(|s| s.field(self.node, field)));
                        let at = format!("{}/{}", self.at, crate::k8s::pointer::escape(k));
                        let ordered = set_order(list, v, &st, &at)?;
                        o.insert(field.to_string(), Value::Array(ordered));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The merged list of field `node` (its schema) from the original list and the patch's.
fn merge_list(
    original: Option<&Value>,
    patch: &[Value],
    s: Option<&PatchSchema>,
    node: Option<&Value>,
    at: &str,
) -> Result<Vec<Value>, PatchError> {
    let base: Vec<Value> = original
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // `- $patch: replace` among the elements: the other elements are the whole list.
    let replace = patch
        .iter()
        .any(|e| e.get("$patch").and_then(Value::as_str) == Some("replace"));
    let elements: Vec<&Value> = patch
        .iter()
        .filter(|e| {
            e.get("$patch").and_then(Value::as_str) != Some("replace")
                || e.as_object().is_some_and(|m| m.len() > 1)
        })
        .collect();
    if replace {
        return Ok(elements.iter().map(|e| strip_directives(e)).collect());
    }
    match strategy(node) {
        ListStrategy::Replace => Ok(patch.iter().map(strip_directives).collect()),
        ListStrategy::Union => {
            let mut out = base;
            for e in patch {
                if !out.contains(e) {
                    out.push(e.clone());
                }
            }
            Ok(out)
        }
        ListStrategy::MergeByKey(key) => {
            let item_schema = s.and_then(|s| s.items(node));
            let mut out = base;
            for (i, e) in elements.iter().enumerate() {
                let here = format!("{at}/{i}");
                let Some(id) = e.get(&key) else {
                    return Err(error(
                        &here,
                        format!("an element of this list needs its merge key {key:?}"),
                    ));
                };
                let found = out.iter().position(|x| x.get(&key) == Some(id));
                let delete = e.get("$patch").and_then(Value::as_str) == Some("delete");
                match (found, delete) {
                    (Some(j), true) => {
                        out.remove(j);
                    }
                    (None, true) => {}
                    (Some(j), false) => merge_value(&mut out[j], e, s, item_schema, &here)?,
                    (None, false) => out.push(strip_directives(e)),
                }
            }
            Ok(out)
        }
    }
}

/// Order a merged list as `$setElementOrder` says; elements it does not name keep their
/// relative order after the named ones.
fn set_order(
    list: Vec<Value>,
    order: &Value,
    st: &ListStrategy,
    at: &str,
) -> Result<Vec<Value>, PatchError> {
    let Some(order) = order.as_array() else {
        return Err(error(at, "$setElementOrder must be a list"));
    };
    let id = |v: &Value| -> Value {
        match st {
            ListStrategy::MergeByKey(k) => v.get(k).cloned().unwrap_or(Value::Null),
            _ => v.clone(),
        }
    };
    let mut rest = list;
    let mut out = Vec::with_capacity(rest.len());
    for want in order {
        if let Some(i) = rest.iter().position(|x| id(x) == id(want)) {
            out.push(rest.remove(i));
        }
    }
    out.extend(rest);
    Ok(out)
}

/// `list` without the values of a `$deleteFromPrimitiveList`.
fn without(list: Vec<Value>, remove: Option<&Value>) -> Vec<Value> {
    match remove.and_then(Value::as_array) {
        Some(r) => list.into_iter().filter(|v| !r.contains(v)).collect(),
        None => list,
    }
}

/// A patch map as stored: directives removed at every level.
fn strip_map(m: &Map<String, Value>) -> Map<String, Value> {
    m.iter()
        .filter(|(k, _)| !k.starts_with('$'))
        .map(|(k, v)| (k.clone(), strip_directives(v)))
        .collect()
}

/// A patch value as stored: directives removed at every level.
fn strip_directives(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(strip_map(m)),
        Value::Array(a) => Value::Array(a.iter().map(strip_directives).collect()),
        v => v.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sts() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "labels": {"app": "web"}, "finalizers": ["a"]},
            "spec": {"template": {"spec": {
                "containers": [
                    {"name": "web", "image": "nginx:1", "ports": [{"containerPort": 80, "name": "http"}],
                     "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                     "args": ["-x"]},
                    {"name": "side", "image": "envoy:1"}
                ],
                "volumes": [{"name": "tmp", "emptyDir": {}}]
            }}}
        })
    }

    fn apply(patch: Value) -> Value {
        let schema = PatchSchema::for_version(KubeVersion::NEWEST, "apps/v1", "StatefulSet");
        assert!(schema.is_some());
        let mut o = sts();
        merge(&mut o, &patch, schema).unwrap();
        o
    }

    fn containers(o: &Value) -> &Value {
        &o["spec"]["template"]["spec"]["containers"]
    }

    #[test]
    fn containers_merge_by_name_and_env_by_name() {
        let o = apply(json!({"spec": {"template": {"spec": {"containers": [
            {"name": "web", "image": "nginx:2", "env": [{"name": "B", "value": "20"}, {"name": "C", "value": "3"}]}
        ]}}}}));
        let c = containers(&o);
        assert_eq!(c.as_array().unwrap().len(), 2, "the sidecar stays");
        assert_eq!(c[0]["image"], "nginx:2");
        assert_eq!(
            c[0]["env"],
            json!([{"name": "A", "value": "1"}, {"name": "B", "value": "20"}, {"name": "C", "value": "3"}])
        );
        assert_eq!(
            c[0]["ports"],
            json!([{"containerPort": 80, "name": "http"}])
        );
    }

    #[test]
    fn ports_merge_by_container_port_and_args_are_replaced() {
        let o = apply(json!({"spec": {"template": {"spec": {"containers": [
            {"name": "web", "args": ["-y"], "ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 9090, "name": "metrics"}]}
        ]}}}}));
        let c = &containers(&o)[0];
        assert_eq!(
            c["args"],
            json!(["-y"]),
            "args has no patch strategy: replaced"
        );
        assert_eq!(
            c["ports"],
            json!([{"containerPort": 80, "name": "http", "protocol": "TCP"}, {"containerPort": 9090, "name": "metrics"}])
        );
    }

    #[test]
    fn delete_and_replace_directives() {
        let o = apply(json!({
            "metadata": {"labels": {"$patch": "replace", "tier": "db"}},
            "spec": {"template": {"spec": {
                "containers": [{"name": "side", "$patch": "delete"}],
                "volumes": [{"$patch": "replace"}, {"name": "data", "emptyDir": {"medium": "Memory"}}]
            }}}
        }));
        assert_eq!(o["metadata"]["labels"], json!({"tier": "db"}));
        assert_eq!(containers(&o).as_array().unwrap().len(), 1);
        assert_eq!(
            o["spec"]["template"]["spec"]["volumes"],
            json!([{"name": "data", "emptyDir": {"medium": "Memory"}}])
        );
    }

    #[test]
    fn null_deletes_a_field_and_a_map_can_be_deleted() {
        let o = apply(
            json!({"metadata": {"labels": null}, "spec": {"template": {"spec": {"containers": [
                {"name": "web", "ports": null}
            ]}}}}),
        );
        assert!(o["metadata"].get("labels").is_none());
        assert!(containers(&o)[0].get("ports").is_none());
    }

    #[test]
    fn set_element_order_and_primitive_lists() {
        let o = apply(json!({
            "metadata": {"finalizers": ["b"], "$deleteFromPrimitiveList/finalizers": ["a"]},
            "spec": {"template": {"spec": {
                "$setElementOrder/containers": [{"name": "side"}, {"name": "web"}],
                "containers": [{"name": "web", "image": "nginx:3"}]
            }}}
        }));
        assert_eq!(
            o["metadata"]["finalizers"],
            json!(["b"]),
            "finalizers merge as a set"
        );
        let names: Vec<&str> = containers(&o)
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["side", "web"]);
        assert_eq!(containers(&o)[1]["image"], "nginx:3");
    }

    #[test]
    fn misuse_is_an_error_at_its_pointer() {
        let schema = PatchSchema::for_version(KubeVersion::NEWEST, "apps/v1", "StatefulSet");
        let mut o = sts();
        let e = merge(
            &mut o,
            &json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}),
            schema,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "/spec/template/spec/containers/0: an element of this list needs its merge key \"name\"");
        let e = merge(&mut o, &json!({"metadata": {"$patch": "drop"}}), schema).unwrap_err();
        assert_eq!(e.to_string(), "/metadata/$patch: unknown $patch directive \"drop\": expected replace, delete or merge");
    }

    #[test]
    fn service_ports_merge_by_port() {
        let schema = PatchSchema::for_version(KubeVersion::NEWEST, "v1", "Service");
        let mut svc =
            json!({"spec": {"ports": [{"port": 80, "name": "web"}], "selector": {"app": "web"}}});
        merge(&mut svc, &json!({"spec": {"ports": [{"port": 80, "nodePort": 30080}, {"port": 443, "name": "tls"}]}}), schema).unwrap();
        assert_eq!(
            svc["spec"]["ports"],
            json!([{"port": 80, "name": "web", "nodePort": 30080}, {"port": 443, "name": "tls"}])
        );
    }
}
