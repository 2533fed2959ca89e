//! The two-way strategic merge patch from one object to another (apimachinery's
//! `CreateTwoWayMergePatch`): maps by key (`null` removes), lists merged by key element by
//! element (`$patch: delete` for the ones that go, `$setElementOrder` when the order changes),
//! primitive merge lists by `$deleteFromPrimitiveList`, other lists whole. `import` writes the
//! changes a spec cannot say as these patches; [`super::merge`] applied to `from` gives `to`.

use serde_json::{json, Map, Value};

use super::strategic::{strategy, ListStrategy, PatchSchema};

/// The patch that turns `from` into `to`, or `None` when they are equal.
pub fn two_way(from: &Value, to: &Value, schema: Option<PatchSchema>) -> Option<Value> {
    let root = schema.as_ref().map(PatchSchema::root);
    diff_value(from, to, schema.as_ref(), root)
}

fn diff_value(
    from: &Value,
    to: &Value,
    s: Option<&PatchSchema>,
    node: Option<&Value>,
) -> Option<Value> {
    if from == to {
        return None;
    }
    match (from, to) {
        (Value::Object(f), Value::Object(t)) => Some(Value::Object(diff_map(f, t, s, node))),
        _ => Some(to.clone()),
    }
}

fn diff_map(
    f: &Map<String, Value>,
    t: &Map<String, Value>,
    s: Option<&PatchSchema>,
    node: Option<&Value>,
) -> Map<String, Value> {
    let mut p = Map::new();
    for (k, tv) in t {
        let child = s.and_then(|s| s.field(node, k));
        let fv = f.get(k);
        if fv == Some(tv) {
            continue;
        }
        match (fv, tv) {
            (fv, Value::Array(ta)) if fv.is_none_or(Value::is_array) => {
                let fa = fv
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                for (key, v) in diff_list(k, fa, ta, s, child) {
                    p.insert(key, v);
                }
            }
            (Some(fv), tv) => {
                if let Some(d) = diff_value(fv, tv, s, child) {
                    p.insert(k.clone(), d);
                }
            }
            (None, tv) => {
                p.insert(k.clone(), tv.clone());
            }
        }
    }
    for k in f.keys().filter(|k| !t.contains_key(*k)) {
        p.insert(k.clone(), Value::Null);
    }
    p
}

/// The entries of the parent's patch for list field `k`: the list itself and its directives.
fn diff_list(
    k: &str,
    f: &[Value],
    t: &[Value],
    s: Option<&PatchSchema>,
    node: Option<&Value>,
) -> Vec<(String, Value)> {
    let replace = || vec![(k.to_string(), Value::Array(t.to_vec()))];
    match strategy(node) {
        ListStrategy::Replace => replace(),
        ListStrategy::MergeByKey(key) => match (keyed(f, &key), keyed(t, &key)) {
            (Some(fk), Some(tk)) => {
                merge_by_key(k, f, t, (&fk, &tk), &key, s, s.and_then(|s| s.items(node)))
            }
            _ => {
                let mut whole = t.to_vec();
                whole.push(json!({ "$patch": "replace" }));
                vec![(k.to_string(), Value::Array(whole))]
            }
        },
        ListStrategy::Union => union(k, f, t),
    }
}

/// The merge key of every element, when each has one and no two share it.
fn keyed(list: &[Value], key: &str) -> Option<Vec<Value>> {
    let ids: Vec<Value> = list
        .iter()
        .map(|e| e.get(key).cloned())
        .collect::<Option<_>>()?;
    let unique = ids.iter().enumerate().all(|(i, x)| !ids[..i].contains(x));
    unique.then_some(ids)
}

fn merge_by_key(
    k: &str,
    f: &[Value],
    t: &[Value],
    (fk, tk): (&[Value], &[Value]),
    key: &str,
    s: Option<&PatchSchema>,
    items: Option<&Value>,
) -> Vec<(String, Value)> {
    let mut elements = Vec::new();
    for (te, id) in t.iter().zip(tk) {
        match fk.iter().position(|x| x == id) {
            Some(j) => {
                if let Some(Value::Object(mut d)) = diff_value(&f[j], te, s, items) {
                    d.insert(key.to_string(), id.clone());
                    elements.push(Value::Object(d));
                }
            }
            None => elements.push(te.clone()),
        }
    }
    for id in fk.iter().filter(|id| !tk.contains(id)) {
        elements.push(json!({ key: id, "$patch": "delete" }));
    }
    // Merging keeps the original's order and appends new elements.
    let mut merged: Vec<&Value> = fk.iter().filter(|id| tk.contains(id)).collect();
    merged.extend(tk.iter().filter(|id| !fk.contains(id)));
    let mut out = Vec::new();
    if !elements.is_empty() {
        out.push((k.to_string(), Value::Array(elements)));
    }
    if merged.iter().copied().ne(tk.iter()) {
        let order = tk.iter().map(|id| json!({ key: id })).collect();
        out.push((format!("$setElementOrder/{k}"), Value::Array(order)));
    }
    out
}

/// A primitive list merged as a set: additions, removals, and the order when it changes.
fn union(k: &str, f: &[Value], t: &[Value]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let added: Vec<Value> = t.iter().filter(|x| !f.contains(x)).cloned().collect();
    let removed: Vec<Value> = f.iter().filter(|x| !t.contains(x)).cloned().collect();
    if !added.is_empty() {
        out.push((k.to_string(), Value::Array(added.clone())));
    }
    if !removed.is_empty() {
        out.push((
            format!("$deleteFromPrimitiveList/{k}"),
            Value::Array(removed),
        ));
    }
    let mut merged: Vec<&Value> = f.iter().filter(|x| t.contains(x)).collect();
    merged.extend(added.iter());
    if merged.iter().copied().ne(t.iter()) {
        out.push((format!("$setElementOrder/{k}"), Value::Array(t.to_vec())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::version::KubeVersion;

    fn roundtrip(from: Value, to: Value) -> Value {
        let schema = PatchSchema::for_version(KubeVersion::NEWEST, "apps/v1", "StatefulSet");
        let patch = two_way(&from, &to, schema).expect("they differ");
        let mut got = from;
        super::super::merge(&mut got, &patch, schema).unwrap();
        assert_eq!(got, to, "patch {patch:#}");
        patch
    }

    #[test]
    fn equal_objects_need_no_patch() {
        let o = json!({"spec": {"replicas": 1}});
        assert_eq!(two_way(&o, &o, None), None);
    }

    #[test]
    fn containers_merge_by_name_and_a_removed_field_is_null() {
        let from = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "a", "image": "x", "tty": true}, {"name": "b", "image": "y"}]}}}});
        let to = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "a", "image": "x", "stdin": true}, {"name": "b", "image": "y"}]}}}});
        let patch = roundtrip(from, to);
        assert_eq!(
            patch,
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "a", "stdin": true, "tty": null}]}}}})
        );
    }

    #[test]
    fn a_new_order_is_set_and_a_gone_element_is_deleted() {
        let mounts = |l: &[&str]| -> Value {
            l.iter()
                .map(|p| json!({"name": "v", "mountPath": p}))
                .collect()
        };
        let c = |m: Value| json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "volumeMounts": m}]}}}});
        let patch = roundtrip(c(mounts(&["/a", "/b", "/c"])), c(mounts(&["/c", "/a"])));
        let list = &patch["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(
            list["volumeMounts"],
            json!([{"mountPath": "/b", "$patch": "delete"}])
        );
        assert_eq!(
            list["$setElementOrder/volumeMounts"],
            json!([{"mountPath": "/c"}, {"mountPath": "/a"}])
        );
    }

    #[test]
    fn a_merge_list_whose_elements_lack_their_key_is_replaced_whole() {
        let c = |ports: Value| json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "ports": ports}]}}}});
        roundtrip(
            c(json!([{"containerPort": 80}, {"containerPort": 80, "protocol": "UDP"}])),
            c(json!([{"containerPort": 81}])),
        );
    }

    #[test]
    fn primitive_merge_lists_add_remove_and_reorder() {
        let m = |f: Value| json!({"metadata": {"finalizers": f}});
        roundtrip(m(json!(["a", "b", "c"])), m(json!(["d", "a", "c"])));
    }
}
