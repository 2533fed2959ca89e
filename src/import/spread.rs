//! Recognising the spec's `spread` in a pod's affinity: the last anti-affinity term against the
//! app's own pods over nodes or zones, as [`crate::spec::kube::affinity`] writes it.

use serde_json::{json, Value};

/// The affinity without the term `spread` generates, and the `spread` that generates it.
pub fn split(affinity: &Value, selector: &Value) -> (Value, Option<Value>) {
    let anti = &affinity["podAntiAffinity"];
    let term =
        |key: &str| json!({ "labelSelector": { "matchLabels": selector }, "topologyKey": key });
    for (across, key) in [
        ("node", "kubernetes.io/hostname"),
        ("zone", "topology.kubernetes.io/zone"),
    ] {
        let preferred = anti["preferredDuringSchedulingIgnoredDuringExecution"].as_array();
        if let Some(last) = preferred.and_then(|l| l.last()) {
            let weight = last["weight"].as_i64().unwrap_or(0);
            if last == &json!({ "weight": weight, "podAffinityTerm": term(key) }) {
                let mut spread = json!({ "across": across });
                if weight != 1 {
                    spread["weight"] = json!(weight);
                }
                let rest =
                    without_last(affinity, "preferredDuringSchedulingIgnoredDuringExecution");
                return (rest, Some(spread));
            }
        }
        let required = anti["requiredDuringSchedulingIgnoredDuringExecution"].as_array();
        if required.and_then(|l| l.last()) == Some(&term(key)) {
            let rest = without_last(affinity, "requiredDuringSchedulingIgnoredDuringExecution");
            return (rest, Some(json!({ "across": across, "required": true })));
        }
    }
    (affinity.clone(), None)
}

/// `affinity` with the last term of `podAntiAffinity.<list>` removed, and what that empties.
fn without_last(affinity: &Value, list: &str) -> Value {
    let mut a = affinity.clone();
    let anti = &mut a["podAntiAffinity"];
    if let Some(l) = anti[list].as_array_mut() {
        l.pop();
        if l.is_empty() {
            anti.as_object_mut().map(|m| m.remove(list));
        }
    }
    if anti.as_object().is_some_and(|m| m.is_empty()) {
        a.as_object_mut().map(|m| m.remove("podAntiAffinity"));
    }
    if a.as_object().is_some_and(|m| m.is_empty()) {
        return Value::Null;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preferred_term_over_nodes_is_spread_and_other_terms_stay() {
        let sel = json!({"app": "db"});
        let node = json!({"nodeAffinity": {"x": 1}});
        let mut a = node.clone();
        a["podAntiAffinity"] = json!({"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 1, "podAffinityTerm": {"labelSelector": {"matchLabels": sel}, "topologyKey": "kubernetes.io/hostname"}}]});
        assert_eq!(split(&a, &sel), (node, Some(json!({"across": "node"}))));
    }

    #[test]
    fn a_term_over_other_pods_is_not_spread() {
        let a = json!({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {"app": "other"}}, "topologyKey": "topology.kubernetes.io/zone"}]}});
        assert_eq!(split(&a, &json!({"app": "db"})), (a.clone(), None));
    }
}
