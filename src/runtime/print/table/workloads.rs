//! Printers of the workload kinds: StatefulSets, Pods, ControllerRevisions, Events.

use serde_json::Value;

use super::{age, col, num, or_none, Column, Context, Printer, NAME};
use crate::k8s::apps::{StatefulSetSpec, StatefulSetStatus};
use crate::k8s::core::{Container, Event, Pod, PodSpec};
use crate::k8s::object::meta_str;
use crate::runtime::print::time::{human_duration, parse_rfc3339};

/// `StatefulSet`.
pub(super) const STATEFUL_SET: Printer = Printer {
    columns: stateful_set_columns,
    cells: stateful_set_cells,
};

fn stateful_set_columns(_cx: &Context) -> Vec<Column> {
    vec![
        NAME,
        col("Ready", 0),
        col("Age", 0),
        col("Containers", 1),
        col("Images", 1),
    ]
}

fn stateful_set_cells(o: &Value, cx: &Context) -> Vec<String> {
    // A spec the API server would not have stored reads as defaults.
    let spec = StatefulSetSpec::of(o).unwrap_or_default();
    let status = StatefulSetStatus::of(o);
    let template = PodSpec::of(&o["spec"]["template"]["spec"]);
    let join = |f: for<'c> fn(&'c Container<'c>) -> &'c str| {
        let fields: Vec<&str> = template.containers.iter().map(f).collect();
        fields.join(",")
    };
    vec![
        meta_str(o, "name").to_string(),
        format!("{}/{}", status.ready_replicas, spec.replicas()),
        age(o, cx.now),
        join(|c| c.name),
        join(|c| c.image),
    ]
}

/// `Pod`.
pub(super) const POD: Printer = Printer {
    columns: pod_columns,
    cells: pod_cells,
};

fn pod_columns(_cx: &Context) -> Vec<Column> {
    vec![
        NAME,
        col("Ready", 0),
        col("Status", 0),
        col("Restarts", 0),
        col("Age", 0),
        col("IP", 1),
        col("Node", 1),
        col("Nominated Node", 1),
        col("Readiness Gates", 1),
    ]
}

fn pod_cells(o: &Value, cx: &Context) -> Vec<String> {
    let pod = Pod::of(o);
    let st = &pod.status;
    let ready = st
        .container_statuses
        .iter()
        .chain(&st.init_container_statuses)
        .filter(|c| c.running_ready())
        .count();
    let restarts: i64 = st.container_statuses.iter().map(|c| c.restart_count).sum();
    let gates = pod.spec.readiness_gates.len();
    vec![
        pod.metadata.name.to_string(),
        // Native sidecars count as containers (kubectl 1.29+ printPod).
        format!("{ready}/{}", pod.container_count()),
        status_of(&pod),
        restarts.to_string(),
        age(o, cx.now),
        or_none(pod.ip().unwrap_or("").to_string()),
        or_none(pod.spec.node_name.unwrap_or("").to_string()),
        or_none(st.nominated_node_name.unwrap_or("").to_string()),
        if gates == 0 {
            "<none>".into()
        } else {
            format!("0/{gates}")
        },
    ]
}

/// `ControllerRevision`.
pub(super) const CONTROLLER_REVISION: Printer = Printer {
    columns: controller_revision_columns,
    cells: controller_revision_cells,
};

fn controller_revision_columns(_cx: &Context) -> Vec<Column> {
    vec![
        NAME,
        col("Controller", 0),
        col("Revision", 0),
        col("Age", 0),
    ]
}

fn controller_revision_cells(o: &Value, cx: &Context) -> Vec<String> {
    let name = meta_str(o, "name").to_string();
    let now = cx.now;
    let owner = crate::k8s::object::controller_of(o)
        .map(|r| format!("{}.apps/{}", r.kind.to_lowercase(), r.name))
        .unwrap_or_else(|| "<none>".into());
    vec![name, owner, num(&o["revision"]).to_string(), age(o, now)]
}

/// `Event`.
pub(super) const EVENT: Printer = Printer {
    columns: event_columns,
    cells: event_cells,
};

fn event_columns(_cx: &Context) -> Vec<Column> {
    vec![
        col("Last Seen", 0),
        col("Type", 0),
        col("Reason", 0),
        col("Object", 0),
        col("Message", 0),
    ]
}

fn event_cells(o: &Value, cx: &Context) -> Vec<String> {
    let e = Event::of(o);
    let last = e
        .last_timestamp
        .and_then(parse_rfc3339)
        .map_or("<unknown>".into(), |t| human_duration(cx.now - t));
    let io = &e.involved_object;
    vec![
        last,
        e.type_.to_string(),
        e.reason.to_string(),
        format!("{}/{}", io.kind.to_lowercase(), io.name),
        e.message.to_string(),
    ]
}

/// The pod STATUS column (`printPod`), for the states the runtime produces.
pub fn pod_status(p: &Value) -> String {
    status_of(&Pod::of(p))
}

/// [`pod_status`] of a decoded pod.
fn status_of(pod: &Pod<'_>) -> String {
    let st = &pod.status;
    let mut reason = st.phase.unwrap_or("").to_string();
    if let Some(r) = st.reason.filter(|r| !r.is_empty()) {
        reason = r.to_string();
    }
    let mut has_running = false;
    for c in st.container_statuses.iter().rev() {
        if let Some(w) = c
            .state
            .waiting
            .as_ref()
            .and_then(|w| w.reason)
            .filter(|r| !r.is_empty())
        {
            reason = w.to_string();
        } else if let Some(t) = &c.state.terminated {
            reason = match t.reason.filter(|r| !r.is_empty()) {
                Some(r) => r.to_string(),
                None if t.signal != 0 => format!("Signal:{}", t.signal),
                None => format!("ExitCode:{}", t.exit_code),
            };
        } else if c.running_ready() {
            has_running = true;
        }
    }
    if reason == "Completed" && has_running {
        reason = if pod.ready() { "Running" } else { "NotReady" }.into();
    }
    if pod.terminating() {
        if st.reason == Some("NodeLost") {
            reason = "Unknown".into();
        } else if !matches!(st.phase, Some("Succeeded" | "Failed")) {
            reason = "Terminating".into();
        }
    }
    reason
}
