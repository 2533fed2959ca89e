//! `stsc diff`: what a server-side dry run would change, as `kubectl diff` shows it. Pure: the
//! live object and the dry run's result in, a unified diff out.

use serde_json::Value;

use crate::yaml::write::{to_string, Dialect};

/// Fields the server sets and a diff leaves out (kubectl diff drops `managedFields`; the rest
/// change on every write or belong to the controllers, not to the spec).
const SERVER_SET: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "generation",
    "uid",
    "creationTimestamp",
    "selfLink",
];

/// The object as a diff compares it: no server-set metadata, no status.
pub fn comparable(o: &Value) -> Value {
    let mut o = o.clone();
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        for f in SERVER_SET {
            m.remove(*f);
        }
    }
    if let Some(m) = o.as_object_mut() {
        m.remove("status");
    }
    o
}

/// `apps.v1.StatefulSet.default.web`: kubectl diff's file name for an object.
pub fn file_name(o: &Value) -> String {
    let api_version = o["apiVersion"].as_str().unwrap_or("v1").replace('/', ".");
    let ns = o["metadata"]["namespace"].as_str().unwrap_or("");
    let name = o["metadata"]["name"].as_str().unwrap_or("");
    let kind = o["kind"].as_str().unwrap_or("");
    if ns.is_empty() {
        format!("{api_version}.{kind}.{name}")
    } else {
        format!("{api_version}.{kind}.{ns}.{name}")
    }
}

/// The unified diff from `live` (None: not yet created) to `merged`, or None when nothing changes.
pub fn unified(live: Option<&Value>, merged: &Value) -> Option<String> {
    let before = live.map_or(String::new(), |l| {
        to_string(&comparable(l), Dialect::Kubectl)
    });
    let after = to_string(&comparable(merged), Dialect::Kubectl);
    if before == after {
        return None;
    }
    let name = file_name(merged);
    let diff = similar::TextDiff::from_lines(&before, &after);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("live/{name}"), &format!("merged/{name}"))
        .to_string();
    Some(format!("diff -u -N live/{name} merged/{name}\n{text}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(image: &str, rv: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
               "metadata": {"name": "web", "namespace": "default", "resourceVersion": rv,
                            "managedFields": [{"manager": "stsc"}]},
               "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "c", "image": image}]}}},
               "status": {"replicas": 2}})
    }

    #[test]
    fn an_image_change_is_one_line_and_server_fields_are_left_out() {
        let d = unified(Some(&set("nginx:1", "5")), &set("nginx:2", "6")).unwrap();
        assert_eq!(
            d,
            "diff -u -N live/apps.v1.StatefulSet.default.web merged/apps.v1.StatefulSet.default.web
--- live/apps.v1.StatefulSet.default.web
+++ merged/apps.v1.StatefulSet.default.web
@@ -8,5 +8,5 @@
   template:
     spec:
       containers:
-      - image: nginx:1
+      - image: nginx:2
         name: c
"
        );
    }

    #[test]
    fn nothing_to_change_is_no_diff() {
        assert_eq!(unified(Some(&set("a", "1")), &set("a", "2")), None);
    }

    #[test]
    fn a_new_object_is_all_additions() {
        let d = unified(None, &set("a", "1")).unwrap();
        assert!(d.contains("@@ -0,0 +1,"), "{d}");
        let removed = d
            .lines()
            .filter(|l| l.starts_with('-') && !l.starts_with("---"));
        assert_eq!(removed.count(), 0, "{d}");
    }
}
