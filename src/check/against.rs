//! `stsc check --against`: compare the objects a spec produces with the ones already deployed
//! (or built before) and report what the API server will refuse on update, and what a scale-down
//! leaves behind. Pure: old objects and a compilation in, findings out.

use serde_json::Value;

use crate::compile::locate::locate;
use crate::compile::{Compiled, Manifest};
use crate::diag::Finding;
use crate::k8s::pointer::display_path;
use crate::k8s::version::KubeVersion;
use crate::k8s::{defaults, update};

/// Kind, namespace and name; an object without a namespace is in `default`, where
/// `kubectl apply` puts it.
fn identity(o: &Value) -> (String, String, String) {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let ns = o["metadata"]["namespace"].as_str().unwrap_or("default");
    (s(&o["kind"]), ns.to_string(), s(&o["metadata"]["name"]))
}

/// Findings for every new StatefulSet and Service that exists in `old` under the same kind,
/// namespace and name.
pub fn against(old: &[Value], compiled: &Compiled, v: KubeVersion) -> Vec<Finding> {
    let mut out = Vec::new();
    for m in &compiled.manifests {
        let id = identity(&m.object);
        let Some(prev) = old.iter().find(|o| identity(o) == id) else {
            continue;
        };
        match id.0.as_str() {
            "StatefulSet" => statefulset(prev, m, compiled, v, &mut out),
            "Service" => service(prev, m, compiled, &mut out),
            _ => {}
        }
    }
    out
}

fn statefulset(
    prev: &Value,
    m: &Manifest,
    compiled: &Compiled,
    v: KubeVersion,
    out: &mut Vec<Finding>,
) {
    let app = &compiled.apps[m.app];
    let name = m.object["metadata"]["name"].as_str().unwrap_or_default();
    let (mut old, mut new) = (prev.clone(), m.object.clone());
    defaults::statefulset(&mut old, v);
    defaults::statefulset(&mut new, v);
    defaults::comparable(&mut old);
    defaults::comparable(&mut new);
    let detail = update::statefulset_forbidden_changes(&old, &new, v);
    for c in &detail {
        let span = locate(app, &m.object, &c.pointer, c.new.as_ref());
        let selector = c.pointer.starts_with("/spec/selector");
        let rule = if selector {
            "immutable-selector"
        } else {
            "immutable-field"
        };
        let message = format!(
            "StatefulSet {name:?}: spec: Forbidden: {} (changed {})",
            update::statefulset_forbidden_detail(v),
            c.describe()
        );
        let orphan = format!("kubectl delete statefulset {name} --cascade=orphan");
        // A few names stand for all of them: the replica count may be two billion.
        let pods: Vec<String> = ordinals(&old)
            .take(5)
            .map(|o| format!("{name}-{o}"))
            .collect();
        let all = ordinals(&old).end - ordinals(&old).start;
        let more = if all > 5 {
            format!(" (and {} more)", all - 5)
        } else {
            String::new()
        };
        let help = if selector {
            format!(
                "the running pods would not match the new selector: `{orphan}`, `kubectl delete pod {}`, then apply; the new pods take the same names and reattach the same claims",
                pods.join(" ") + &more
            )
        } else if c.pointer.ends_with("/resources/requests/storage")
            && c.old.is_some()
            && c.new.is_some()
        {
            let claim = claim_name_at(&new, &c.pointer).unwrap_or_else(|| "CLAIM".into());
            let claims: Vec<String> = pods.iter().map(|p| format!("{claim}-{p}")).collect();
            let size = c.new.as_ref().and_then(Value::as_str).unwrap_or_default();
            format!(
                "claim templates never change existing claims: resize {} first (each like `kubectl patch pvc {} -p '{{\"spec\":{{\"resources\":{{\"requests\":{{\"storage\":\"{size}\"}}}}}}}}'`, the StorageClass needs allowVolumeExpansion), then `{orphan}` and apply; pods and claims are kept and adopted",
                claims.join(", ") + &more,
                claims.first().map_or("CLAIM", String::as_str)
            )
        } else if type_meta_change(&c.pointer) {
            let had = if c.old.is_some() { "true" } else { "false" };
            format!(
                "the live claim template {} apiVersion and kind: `typeMeta: {had}` on the storage entry keeps it so (or `{orphan}` and apply again)",
                if c.old.is_some() { "has" } else { "lacks" }
            )
        } else {
            format!(
                "`{orphan}` and apply again: the pods and claims stay and the new StatefulSet adopts them (Argo CD: sync option Replace=true)"
            )
        };
        out.push(Finding::error(rule, &app.file, span, message).with_help(help));
    }
    scale_down(&old, &new, m, compiled, v, out);
}

/// The claim template name owning a pointer under `/spec/volumeClaimTemplates/N`.
/// Whether a change is a claim template's `apiVersion` or `kind` (the spec's `typeMeta`).
fn type_meta_change(pointer: &str) -> bool {
    pointer.starts_with("/spec/volumeClaimTemplates/")
        && (pointer.ends_with("/apiVersion") || pointer.ends_with("/kind"))
        && pointer.matches('/').count() == 4
}

fn claim_name_at(set: &Value, pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix("/spec/volumeClaimTemplates/")?;
    let i: usize = rest.split('/').next()?.parse().ok()?;
    set["spec"]["volumeClaimTemplates"][i]["metadata"]["name"]
        .as_str()
        .map(str::to_string)
}

fn ordinals(set: &Value) -> std::ops::Range<i64> {
    let start = set["spec"]["ordinals"]["start"].as_i64().unwrap_or(0);
    let replicas = set["spec"]["replicas"].as_i64().unwrap_or(1).max(0);
    start..start + replicas
}

fn scale_down(
    old: &Value,
    new: &Value,
    m: &Manifest,
    compiled: &Compiled,
    v: KubeVersion,
    out: &mut Vec<Finding>,
) {
    let app = &compiled.apps[m.app];
    let name = new["metadata"]["name"].as_str().unwrap_or_default();
    let (was, now) = (ordinals(old), ordinals(new));
    // The condemned ordinals are the old range less the new one: at most two ranges, never a
    // list as long as the replica count (int32 allows two billion).
    let condemned = [
        was.start..was.end.min(now.start),
        was.start.max(now.end)..was.end,
    ];
    let count: i64 = condemned.iter().map(|r| (r.end - r.start).max(0)).sum();
    if count == 0 {
        return;
    }
    let claims: Vec<&str> = new["spec"]["volumeClaimTemplates"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["metadata"]["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    if claims.is_empty() {
        return;
    }
    let (pods, names, claim_total) = condemned_names(name, &claims, &condemned, count);
    let delete = defaults::pvc_retention_enabled(v)
        && new["spec"]["persistentVolumeClaimRetentionPolicy"]["whenScaled"] == "Delete";
    let (verb, tail) = if delete {
        ("deletes", " (whenScaled: Delete): their data is lost")
    } else {
        ("leaves", " behind (whenScaled: Retain)")
    };
    let message = format!(
        "StatefulSet {name:?}: replicas {} → {} removes pod{} {} and {verb} PersistentVolumeClaim{} {}{tail}",
        was.end - was.start,
        now.end - now.start,
        plural(count as usize),
        pods,
        plural(claim_total as usize),
        names
    );
    let help = if delete {
        "a later scale-up creates new, empty claims; back the data up first if it matters"
    } else {
        "the claims and their volumes stay (and are billed); a later scale-up re-attaches their old data to the new pods. Delete them by hand if that data must not come back"
    };
    let span = locate(app, &m.object, "/spec/replicas", None);
    out.push(Finding::warning("scale-down-claims", &app.file, span, message).with_help(help));
}

/// The first condemned pods and claims by name (`web-3, web-4`, `data-web-3 and 4 more`), and
/// how many claims there are in all.
fn condemned_names(
    name: &str,
    claims: &[&str],
    condemned: &[std::ops::Range<i64>; 2],
    count: i64,
) -> (String, String, i64) {
    const SHOWN: usize = 5;
    let first: Vec<i64> = condemned
        .iter()
        .flat_map(|r| r.clone())
        .take(SHOWN)
        .collect();
    let more = |shown: usize, total: i64| -> String {
        if total > shown as i64 {
            format!(" and {} more", total - shown as i64)
        } else {
            String::new()
        }
    };
    let shown_names: Vec<String> = first
        .iter()
        .flat_map(|o| claims.iter().map(move |c| format!("{c}-{name}-{o}")))
        .take(SHOWN)
        .collect();
    let claim_total = count * claims.len() as i64;
    let names = format!(
        "{}{}",
        shown_names.join(", "),
        more(shown_names.len(), claim_total)
    );
    let pods_shown: Vec<String> = first.iter().map(|o| format!("{name}-{o}")).collect();
    let pods = format!("{}{}", pods_shown.join(", "), more(pods_shown.len(), count));
    (pods, names, claim_total)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn service(prev: &Value, m: &Manifest, compiled: &Compiled, out: &mut Vec<Finding>) {
    let app = &compiled.apps[m.app];
    let name = m.object["metadata"]["name"].as_str().unwrap_or_default();
    for c in update::service_changes(prev, &m.object) {
        // The spec names the Service; its address has no spec line of its own.
        let span = locate(
            app,
            &m.object,
            "/metadata/name",
            m.object.pointer("/metadata/name"),
        );
        let message = format!("Service {name:?}: {}", c.message);
        let f = if c.refused {
            Finding::error("immutable-field", &app.file, span, message).with_help(format!(
                "a Service cannot gain or lose its cluster IP in place: `kubectl delete service {name}` and apply again"
            ))
        } else {
            Finding::warning("service-stays-headless", &app.file, span, message).with_help(format!(
                "to give it a cluster IP, `kubectl delete service {name}` and apply again ({})",
                display_path(&c.pointer)
            ))
        };
        out.push(f);
    }
}
