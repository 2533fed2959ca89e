//! Printers of configuration and access: Namespaces, ServiceAccounts, ConfigMaps,
//! PodDisruptionBudgets, RBAC, and any other kind.

use serde_json::Value;

use super::{age, col, num, Column, Context, Printer, NAME};
use crate::k8s::object::meta_str;

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
    let name = meta_str(o, "name").to_string();
    let spec = &o["spec"];
    let now = cx.now;
    let or_na = |v: &Value| match v {
        Value::Null => "N/A".to_string(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    vec![
        name,
        or_na(&spec["minAvailable"]),
        or_na(&spec["maxUnavailable"]),
        num(&o["status"]["disruptionsAllowed"]).to_string(),
        age(o, now),
    ]
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
    let name = meta_str(o, "name").to_string();
    let now = cx.now;
    let subjects = |kind: &str, ns: bool| {
        o["subjects"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|s| s["kind"] == kind)
                    .map(|s| {
                        let n = s["name"].as_str().unwrap_or("");
                        if ns {
                            format!("{}/{n}", s["namespace"].as_str().unwrap_or(""))
                        } else {
                            n.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    vec![
        name,
        format!(
            "{}/{}",
            o["roleRef"]["kind"].as_str().unwrap_or(""),
            o["roleRef"]["name"].as_str().unwrap_or("")
        ),
        age(o, now),
        subjects("User", false),
        subjects("Group", false),
        subjects("ServiceAccount", true),
    ]
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
