//! Printers of configuration and access: Namespaces, ServiceAccounts, ConfigMaps,
//! PodDisruptionBudgets, RBAC, and any other kind.

use serde::Deserialize;
use serde_json::Value;

use super::{age, col, Column, Context, Printer, NAME};
use crate::k8s::object::{meta_str, view, IntOrString};

/// `Namespace`.
pub(super) const NAMESPACE: Printer = Printer {
    columns: namespace_columns,
    cells: namespace_cells,
};

fn namespace_columns(_cx: &Context) -> Vec<Column> {
    vec![NAME, col("Status", 0), col("Age", 0)]
}

fn namespace_cells(o: &Value, cx: &Context) -> Vec<String> {
    let name = meta_str(o, "name").to_string();
    let now = cx.now;
    vec![
        name,
        o["status"]["phase"]
            .as_str()
            .unwrap_or("Active")
            .to_string(),
        age(o, now),
    ]
}

/// `ServiceAccount`.
pub(super) const SERVICE_ACCOUNT: Printer = Printer {
    columns: service_account_columns,
    cells: service_account_cells,
};

fn service_account_columns(_cx: &Context) -> Vec<Column> {
    vec![NAME, col("Secrets", 0), col("Age", 0)]
}

fn service_account_cells(o: &Value, cx: &Context) -> Vec<String> {
    let name = meta_str(o, "name").to_string();
    let now = cx.now;
    vec![
        name,
        o["secrets"].as_array().map_or(0, Vec::len).to_string(),
        age(o, now),
    ]
}

/// `ConfigMap`.
pub(super) const CONFIG_MAP: Printer = Printer {
    columns: config_map_columns,
    cells: config_map_cells,
};

fn config_map_columns(_cx: &Context) -> Vec<Column> {
    vec![NAME, col("Data", 0), col("Age", 0)]
}

fn config_map_cells(o: &Value, cx: &Context) -> Vec<String> {
    let name = meta_str(o, "name").to_string();
    let now = cx.now;
    let n = |k: &str| o[k].as_object().map_or(0, serde_json::Map::len);
    vec![name, (n("data") + n("binaryData")).to_string(), age(o, now)]
}

/// `Secret`.
pub(super) const SECRET: Printer = Printer {
    columns: secret_columns,
    cells: secret_cells,
};

fn secret_columns(_cx: &Context) -> Vec<Column> {
    vec![NAME, col("Type", 0), col("Data", 0), col("Age", 0)]
}

fn secret_cells(o: &Value, cx: &Context) -> Vec<String> {
    let name = meta_str(o, "name").to_string();
    let kind = o["type"].as_str().unwrap_or("Opaque").to_string();
    let n = o["data"].as_object().map_or(0, serde_json::Map::len);
    vec![name, kind, n.to_string(), age(o, cx.now)]
}

/// `PodDisruptionBudget`.
pub(super) const POD_DISRUPTION_BUDGET: Printer = Printer {
    columns: pod_disruption_budget_columns,
    cells: pod_disruption_budget_cells,
};

fn pod_disruption_budget_columns(_cx: &Context) -> Vec<Column> {
    vec![
        NAME,
        col("Min Available", 0),
        col("Max Unavailable", 0),
        col("Allowed Disruptions", 0),
        col("Age", 0),
    ]
}

fn pod_disruption_budget_cells(o: &Value, cx: &Context) -> Vec<String> {
    let pdb: PodDisruptionBudget = view(o);
    let or_na = |v: &Option<IntOrString>| match v {
        None => "N/A".to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        Some(IntOrString::Int(n)) => n.to_string(),
    };
    vec![
        meta_str(o, "name").to_string(),
        or_na(&pdb.spec.min_available),
        or_na(&pdb.spec.max_unavailable),
        pdb.status.disruptions_allowed.to_string(),
        age(o, cx.now),
    ]
}

/// The PodDisruptionBudget fields printed (`policy/v1`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PodDisruptionBudget {
    spec: BudgetSpec,
    status: BudgetStatus,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct BudgetSpec {
    min_available: Option<IntOrString>,
    max_unavailable: Option<IntOrString>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct BudgetStatus {
    disruptions_allowed: i32,
}

/// `ClusterRole` and `Role`.
pub(super) const ROLE: Printer = Printer {
    columns: role_columns,
    cells: role_cells,
};

fn role_columns(_cx: &Context) -> Vec<Column> {
    vec![NAME, col("Created At", 0)]
}

fn role_cells(o: &Value, _cx: &Context) -> Vec<String> {
    let name = meta_str(o, "name").to_string();
    vec![
        name,
        o["metadata"]["creationTimestamp"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    ]
}

/// `ClusterRoleBinding` and `RoleBinding`.
pub(super) const ROLE_BINDING: Printer = Printer {
    columns: role_binding_columns,
    cells: role_binding_cells,
};

fn role_binding_columns(_cx: &Context) -> Vec<Column> {
    vec![
        NAME,
        col("Role", 0),
        col("Age", 0),
        col("Users", 1),
        col("Groups", 1),
        col("ServiceAccounts", 1),
    ]
}

fn role_binding_cells(o: &Value, cx: &Context) -> Vec<String> {
    let binding: RoleBinding = view(o);
    let subjects = |kind: &str| {
        let names: Vec<String> = binding
            .subjects
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| match kind {
                "ServiceAccount" => format!("{}/{}", s.namespace, s.name),
                _ => s.name.to_string(),
            })
            .collect();
        names.join(", ")
    };
    let role = &binding.role_ref;
    vec![
        meta_str(o, "name").to_string(),
        format!("{}/{}", role.kind, role.name),
        age(o, cx.now),
        subjects("User"),
        subjects("Group"),
        subjects("ServiceAccount"),
    ]
}

/// The (Cluster)RoleBinding fields printed (`rbac.authorization.k8s.io/v1`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct RoleBinding<'a> {
    #[serde(borrow)]
    role_ref: Named<'a>,
    #[serde(borrow)]
    subjects: Vec<Named<'a>>,
}

/// A role reference or a subject: a kind and a name (a ServiceAccount's namespace too).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Named<'a> {
    kind: &'a str,
    name: &'a str,
    namespace: &'a str,
}

/// Any other kind: its name and age.
pub(super) const OTHER: Printer = Printer {
    columns: other_columns,
    cells: other_cells,
};

fn other_columns(_cx: &Context) -> Vec<Column> {
    vec![NAME, col("Age", 0)]
}

fn other_cells(o: &Value, cx: &Context) -> Vec<String> {
    let name = meta_str(o, "name").to_string();
    let now = cx.now;
    vec![name, age(o, now)]
}
