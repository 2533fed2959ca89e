//! `kubectl get` tables, in two halves as in Kubernetes (`docs/research/kubectl-and-api.md` §1): the
//! server half turns objects into a `Table` (column definitions and cells, `printers.go`), the
//! client half lays tables out (`tableprinter.go`: tabwriter widths, kind prefixes, blank lines).
//! [`crate::runtime::api::table`] turns the server half into `meta.k8s.io/v1` `Table` objects.

mod config;
mod network;
mod storage;
mod workloads;

use serde_json::{json, Value};

use crate::k8s::resources::Resource;
use crate::k8s::version::KubeVersion;
use crate::runtime::print::time::{human_duration, parse_rfc3339};
pub use workloads::pod_status;

/// One column definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Header as the server names it (`Access Modes`); printed upper-cased.
    pub name: &'static str,
    /// 0: always shown; 1: only with `-o wide`.
    pub priority: u8,
    /// `name` for the name column (kubectl prefixes it with the kind).
    pub format: &'static str,
}

/// One row: its cells and the object it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<'a> {
    /// Finished cells.
    pub cells: Vec<String>,
    /// The object.
    pub object: &'a Value,
}

/// A table for one resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct Table<'a> {
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows, in the server's order.
    pub rows: Vec<Row<'a>>,
}

pub(super) const fn col(name: &'static str, priority: u8) -> Column {
    Column {
        name,
        priority,
        format: "",
    }
}

pub(super) const NAME: Column = Column {
    name: "Name",
    priority: 0,
    format: "name",
};

pub(super) fn age(o: &Value, now: i64) -> String {
    match o["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(parse_rfc3339)
    {
        Some(t) => human_duration(now - t),
        None => "<unknown>".into(),
    }
}

pub(super) fn or_none(s: String) -> String {
    if s.is_empty() {
        "<none>".into()
    } else {
        s
    }
}

pub(super) fn num(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

pub(super) fn labels_selector(v: &Value) -> String {
    let mut pairs: Vec<String> = v
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    pairs.sort();
    pairs.join(",")
}

/// What a printer knows besides the object.
pub(super) struct Context {
    /// Now, for ages.
    now: i64,
    /// The version shows VolumeAttributesClass columns.
    vac: bool,
}

/// One kind's printer: its columns, and the cells of an object under them (`printers.go` pairs
/// a column list with a print function the same way).
pub(super) struct Printer {
    columns: fn(&Context) -> Vec<Column>,
    cells: fn(&Value, &Context) -> Vec<String>,
}

/// The printer of a resource type.
fn printer(r: &Resource) -> Printer {
    use crate::k8s::resources as k;
    match *r {
        k::STATEFUL_SET => workloads::STATEFUL_SET,
        k::POD => workloads::POD,
        k::CONTROLLER_REVISION => workloads::CONTROLLER_REVISION,
        k::EVENT | k::EVENT_V1 => workloads::EVENT,
        k::PERSISTENT_VOLUME => storage::PERSISTENT_VOLUME,
        k::PERSISTENT_VOLUME_CLAIM => storage::PERSISTENT_VOLUME_CLAIM,
        k::STORAGE_CLASS => storage::STORAGE_CLASS,
        k::SERVICE => network::SERVICE,
        k::ENDPOINTS => network::ENDPOINTS,
        k::NETWORK_POLICY => network::NETWORK_POLICY,
        k::NAMESPACE => config::NAMESPACE,
        k::SERVICE_ACCOUNT => config::SERVICE_ACCOUNT,
        k::CONFIG_MAP => config::CONFIG_MAP,
        k::SECRET => config::SECRET,
        k::ENDPOINT_SLICE => network::ENDPOINT_SLICE,
        k::POD_DISRUPTION_BUDGET => config::POD_DISRUPTION_BUDGET,
        k::CLUSTER_ROLE | k::ROLE => config::ROLE,
        k::CLUSTER_ROLE_BINDING | k::ROLE_BINDING => config::ROLE_BINDING,
        _ => config::OTHER,
    }
}

/// Build the table of one resource type (the server half).
pub fn table<'a>(r: &Resource, objects: &[&'a Value], now: i64, version: KubeVersion) -> Table<'a> {
    let cx = Context {
        now,
        vac: version.volume_attributes_class(),
    };
    let printer = printer(r);
    let rows = objects
        .iter()
        .map(|o| Row {
            cells: (printer.cells)(o, &cx),
            object: o,
        })
        .collect();
    Table {
        columns: (printer.columns)(&cx),
        rows,
    }
}

/// How the client half prints.
#[derive(Debug, Clone, Copy, Default)]
pub struct PrintOptions {
    /// `-o wide`.
    pub wide: bool,
    /// `--show-labels`.
    pub show_labels: bool,
    /// Prefix names with the kind (several types were asked for).
    pub with_kind: bool,
    /// `-A`: a NAMESPACE column first, for namespaced types.
    pub all_namespaces: bool,
}

/// Lay out tables as kubectl does: a block per type, blank lines between non-empty blocks.
pub fn print(blocks: &[(&Resource, Table<'_>)], opts: PrintOptions) -> String {
    let mut out = String::new();
    for (r, t) in blocks {
        if t.rows.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let visible: Vec<usize> = (0..t.columns.len())
            .filter(|&i| opts.wide || t.columns[i].priority == 0)
            .collect();
        let mut lines: Vec<Vec<String>> = Vec::new();
        let ns_col = opts.all_namespaces && r.namespaced;
        let mut header: Vec<String> = Vec::new();
        if ns_col {
            header.push("NAMESPACE".into());
        }
        header.extend(visible.iter().map(|&i| t.columns[i].name.to_uppercase()));
        if opts.show_labels {
            header.push("LABELS".into());
        }
        lines.push(header);
        for row in &t.rows {
            let mut cells: Vec<String> = Vec::new();
            if ns_col {
                cells.push(
                    row.object["metadata"]["namespace"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                );
            }
            cells.extend(visible.iter().map(|&i| {
                let c = row.cells.get(i).cloned().unwrap_or_default();
                if opts.with_kind && t.columns[i].format == "name" {
                    format!("{}/{c}", r.prefix())
                } else {
                    c
                }
            }));
            if opts.show_labels {
                cells.push(or_none(labels_selector(&row.object["metadata"]["labels"])));
            }
            lines.push(cells);
        }
        out.push_str(&tabwrite(&lines));
    }
    out
}

/// Go tabwriter with minwidth 6, padding 3: every column but the last is padded to
/// max(6, widest cell + 3); the last is not padded.
pub fn tabwrite(lines: &[Vec<String>]) -> String {
    let ncols = lines.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; ncols];
    for l in lines {
        for (i, c) in l.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for l in lines {
        for (i, c) in l.iter().enumerate() {
            out.push_str(c);
            if i + 1 < l.len() {
                let w = (widths[i] + 3).max(6);
                out.extend(std::iter::repeat_n(' ', w - c.chars().count()));
            }
        }
        out.push('\n');
    }
    out
}

/// A `meta.k8s.io/v1` `Table` object (what `stsc serve` answers to `as=Table`).
pub fn to_table_object(t: &Table<'_>) -> Value {
    json!({
        "apiVersion": "meta.k8s.io/v1",
        "kind": "Table",
        "metadata": {},
        "columnDefinitions": t.columns.iter().map(|c| json!({
            "name": c.name, "type": "string", "format": c.format, "description": "", "priority": c.priority,
        })).collect::<Vec<_>>(),
        "rows": t.rows.iter().map(|r| json!({"cells": r.cells, "object": r.object})).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::resources::by_kind;

    #[test]
    fn seed_statefulset_block_lays_out_like_kubectl() {
        let sts = json!({"kind": "StatefulSet", "metadata": {"name": "web", "creationTimestamp": "2026-11-23T00:00:00Z"},
            "spec": {"replicas": 2}, "status": {"readyReplicas": 2}});
        let r = by_kind("StatefulSet").unwrap();
        let now = parse_rfc3339("2026-11-23T00:13:00Z").unwrap();
        let t = table(r, &[&sts], now, KubeVersion::NEWEST);
        assert_eq!(
            print(
                &[(r, t)],
                PrintOptions {
                    with_kind: true,
                    ..Default::default()
                }
            ),
            "NAME                   READY   AGE\nstatefulset.apps/web   2/2     13m\n"
        );
    }

    #[test]
    fn endpoints_cell_caps_at_three() {
        let ep = json!({"kind": "Endpoints", "metadata": {"name": "nginx"}, "subsets": [{"addresses": [
            {"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "10.0.0.3"}, {"ip": "10.0.0.4"}], "ports": [{"port": 80}]}]});
        let r = by_kind("Endpoints").unwrap();
        let t = table(r, &[&ep], 0, KubeVersion::NEWEST);
        assert_eq!(
            t.rows[0].cells[1],
            "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more..."
        );
    }
}
