//! stsc compiles a compact spec of a stateful app into validated Kubernetes manifests.
//!
//! Data flow: spec file → [`spec::load`] (typed apps with source spans) → [`compile::Compiler`]
//! (defaults → [`render`] minijinja templates → text parsed straight back into values →
//! [`validate`]: strict Kubernetes JSON Schema of the target version, then API-server rules) →
//! [`output`] (YAML stream, JSON `List`, or one file per object with a `kustomization.yaml`).
//! Every problem is a [`diag::Finding`] that names the file, line and column of the spec value
//! that caused it.
//!
//! Modules: [`source`] and [`yaml`] (positions), [`spec`] (the format: the app, its pod fields
//! and the objects around it; [`spec::kube`] turns compact forms into Kubernetes values,
//! [`spec::checks`] checks what objects cannot show), [`render`], [`validate`] (schema, API
//! rules, the pod rules, [`validate::pod_security`]: the Pod Security Standards), [`compile`],
//! [`locate`] (which spec line a generated field comes from), [`patch`] (strategic merge from
//! the schemas' patch markers, and the two-way diff that writes such patches), [`import`]
//! (manifests back to specs, the round trip proven by building them), [`output`] and [`yamlout`] (the one YAML writer and its
//! quoting), [`diag`], Kubernetes knowledge shared by all ([`version`] and its feature gates,
//! [`quantity`], [`selector`]), [`guard`] (`check --against`), [`runtime`], and [`cli`] (the
//! command line; the only place that prints).

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

pub mod apiserver;
pub mod cli;
pub mod compile;
pub mod diag;
pub mod guard;
pub mod import;
pub mod locate;
pub mod manifests;
pub mod output;
pub mod patch;
pub mod quantity;
pub mod render;
pub mod report;
pub mod rules;
pub mod runtime;
pub mod selector;
pub mod source;
pub mod spec;
pub mod validate;
pub mod version;
pub mod yaml;
pub mod yamlout;

#[cfg(test)]
mod testrng;

pub use compile::{Compiled, Compiler, Manifest};
pub use diag::{Finding, Severity};
pub use validate::KubeVersion;

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
