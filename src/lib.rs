//! stsc compiles a compact spec of a stateful app into validated Kubernetes manifests.
//!
//! Data flow: spec file → `spec::load` (typed apps with source spans) → `compile::Compiler`
//! (defaults → [`render`] minijinja templates → text parsed straight back into values →
//! `validate`: strict Kubernetes JSON Schema of the target version, then API-server rules) →
//! [`output`] (YAML stream, JSON `List`, or one file per object with a `kustomization.yaml`).
//! Every problem is a [`diag::Finding`] that names the file, line and column of the spec value
//! that caused it.
//!
//! Modules, in the order of the pipeline: [`source`] (files and spans) and [`yaml`] (the spanned
//! loader, and [`yaml::write`], the one YAML writer with its quoting policies); `spec` (the
//! format: the app, its pod fields and the objects around it; compact forms become Kubernetes
//! values in `spec::kube`, and `spec::checks` checks what objects cannot show); [`render`]
//! (the minijinja templates); `patch` (strategic merge from the schemas' patch markers, and the
//! two-way diff that writes such patches); `validate` (the version's strict schema, the API
//! server's rules, the Pod Security Standards); `compile` (the pipeline itself, and
//! `compile::locate`: which spec line a generated field comes from); [`output`] (YAML stream,
//! JSON `List`, directories, drift); `check` (`check --against`: what the API server would
//! refuse of an update); [`diag`] (findings, their catalogue and their report formats);
//! [`import`] (manifests back to specs, the round trip proven by building them); [`k8s`]
//! (Kubernetes knowledge shared by all: versions and their feature gates, kinds, names,
//! quantities, selectors, defaults and update rules); [`runtime`] (the embedded API server,
//! controllers, store and printers); and [`cli`] (the command line; the only place that prints).

//! # Example
//!
//! ```
//! use std::sync::Arc;
//! use stsc::{render::Renderer, source::SourceFile, Compiler, KubeVersion};
//!
//! let spec = Arc::new(SourceFile::new("app.yaml", "name: web\nimage: nginx:1.27\n"));
//! let compiler = Compiler::new(Renderer::new(None).unwrap(), KubeVersion::NEWEST);
//! let out = compiler.compile(&[spec]);
//! assert!(!out.has_errors());
//! let kinds: Vec<_> = out.manifests.iter().map(|m| m.object["kind"].as_str().unwrap()).collect();
//! assert_eq!(kinds, ["Service", "StatefulSet"]);
//! let yaml = stsc::output::to_yaml(&out.manifests).unwrap();
//! assert!(yaml.contains("serviceName: web"));
//! ```

pub(crate) mod check;
pub mod cli;
#[cfg(feature = "cluster")]
pub mod cluster;
pub(crate) mod compile;
pub mod diag;
pub mod import;
pub(crate) mod input;
pub mod k8s;
pub mod output;
pub(crate) mod patch;
pub mod render;
pub mod runtime;
pub mod serve;
pub mod source;
pub(crate) mod spec;
pub(crate) mod validate;
pub mod yaml;

#[cfg(test)]
mod testrng;

pub use compile::{Compiled, Compiler, Manifest};
pub use diag::{Finding, Severity};
pub use k8s::version::KubeVersion;

/// The JSON Schema (draft-07) of the spec format, as committed in `schemas/stsc-spec.schema.json`.
///
/// Fields written as Kubernetes writes them point at the Kubernetes definitions of the newest
/// bundled version, copied in, so that editors complete probes, security contexts, affinity...
pub fn spec_schema() -> String {
    let settings = schemars::generate::SchemaSettings::draft07();
    let schema = settings
        .into_generator()
        .into_root_schema_for::<spec::AppSpec>();
    let mut v = serde_json::to_value(&schema).unwrap_or_default();
    validate::embed_kubernetes_definitions(&mut v);
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
