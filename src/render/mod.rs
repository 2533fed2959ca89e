//! Rendering: minijinja templates → YAML text → parsed values, one object per template call.
//!
//! The environment is strict (undefined values are errors), auto-escaping is off, and a formatter
//! writes every `{{ value }}` as a JSON scalar or flow collection, which is valid YAML and cannot
//! add a key, an object or change a type whatever the value holds. `| q` does the same explicitly.
//! Rendered text is parsed back at once; errors name the template and its line.

use std::path::Path;

use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};

use crate::source::SourceFile;
use crate::yaml;

/// Templates compiled into the binary: (file name, text).
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "serviceaccount.yaml.j2",
        include_str!("../../templates/serviceaccount.yaml.j2"),
    ),
    (
        "clusterrole.yaml.j2",
        include_str!("../../templates/clusterrole.yaml.j2"),
    ),
    (
        "clusterrolebinding.yaml.j2",
        include_str!("../../templates/clusterrolebinding.yaml.j2"),
    ),
    (
        "storageclass.yaml.j2",
        include_str!("../../templates/storageclass.yaml.j2"),
    ),
    (
        "service.yaml.j2",
        include_str!("../../templates/service.yaml.j2"),
    ),
    (
        "statefulset.yaml.j2",
        include_str!("../../templates/statefulset.yaml.j2"),
    ),
    (
        "configmap.yaml.j2",
        include_str!("../../templates/configmap.yaml.j2"),
    ),
    (
        "poddisruptionbudget.yaml.j2",
        include_str!("../../templates/poddisruptionbudget.yaml.j2"),
    ),
    (
        "networkpolicy.yaml.j2",
        include_str!("../../templates/networkpolicy.yaml.j2"),
    ),
    ("role.yaml.j2", include_str!("../../templates/role.yaml.j2")),
    (
        "rolebinding.yaml.j2",
        include_str!("../../templates/rolebinding.yaml.j2"),
    ),
];

/// Instructions a template may execute per render: bounds a runaway user template.
const FUEL: u64 = 1_000_000;

/// A template could not be loaded or rendered, or rendered something that is not one YAML object.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// A template directory could not be read.
    #[error("cannot read templates from {dir}: {message}")]
    Io {
        /// The directory.
        dir: String,
        /// The I/O error.
        message: String,
    },
    /// Syntax or runtime error inside a template.
    #[error("{template}:{line}: {message}")]
    Template {
        /// Template file name.
        template: String,
        /// Line in the template (0 when unknown).
        line: usize,
        /// What went wrong.
        message: String,
    },
    /// The rendered text is not a single YAML mapping.
    #[error("{template}: rendered text line {line}: {message}")]
    Output {
        /// Template file name.
        template: String,
        /// Line in the rendered text.
        line: usize,
        /// What went wrong.
        message: String,
    },
}

impl RenderError {
    fn from_minijinja(e: &minijinja::Error, fallback: &str) -> Self {
        let mut message = e.kind().to_string();
        if let Some(d) = e.detail() {
            message = format!("{message}: {d}");
        }
        RenderError::Template {
            template: e.name().unwrap_or(fallback).to_string(),
            line: e.line().unwrap_or(0),
            message,
        }
    }
}

/// Quote a value as a YAML scalar or flow collection (JSON syntax).
fn quote(value: &Value) -> Result<String, minijinja::Error> {
    serde_json::to_string(value)
        .map_err(|e| minijinja::Error::new(ErrorKind::BadSerialization, e.to_string()))
}

/// The template environment: embedded templates, with a user's directory in front.
pub struct Renderer {
    env: Environment<'static>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").finish_non_exhaustive()
    }
}

impl Renderer {
    /// Build the environment. Files `*.j2` in `user_dir` replace embedded ones of the same name
    /// (and may add templates for `include`).
    ///
    /// # Errors
    /// The directory cannot be read, or a template does not compile.
    pub fn new(user_dir: Option<&Path>) -> Result<Self, RenderError> {
        let mut env = Environment::new();
        // Detailed "undefined value" errors in release builds too (minijinja enables them only
        // under debug_assertions by default).
        env.set_debug(true);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| RenderError::from_minijinja(&e, "<syntax>"))?;
        env.set_syntax(syntax);
        env.set_fuel(Some(FUEL));
        env.set_formatter(|out, _state, value| {
            if value.is_safe() {
                write!(out, "{value}")?;
            } else {
                out.write_str(&quote(value)?)?;
            }
            Ok(())
        });
        env.add_filter("q", |v: Value| -> Result<Value, minijinja::Error> {
            Ok(Value::from_safe_string(quote(&v)?))
        });
        // A mapping key from a variable: a plain word as it is, anything else quoted.
        env.add_filter("key", |v: Value| -> Result<Value, minijinja::Error> {
            let plain = v.as_str().filter(|s| {
                s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                    && s.bytes().all(|b| b.is_ascii_alphanumeric())
            });
            match plain {
                Some(s) => Ok(Value::from_safe_string(s.to_string())),
                None => Ok(Value::from_safe_string(quote(&v)?)),
            }
        });
        let mut user = Vec::new();
        if let Some(dir) = user_dir {
            let io = |e: std::io::Error| RenderError::Io {
                dir: dir.display().to_string(),
                message: e.to_string(),
            };
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .map_err(io)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(io)?;
            entries.sort_by_key(|e| e.file_name());
            for entry in entries {
                let name = entry.file_name().to_string_lossy().into_owned();
                if !name.ends_with(".j2") {
                    continue;
                }
                let text = std::fs::read_to_string(entry.path()).map_err(io)?;
                user.push((name, text));
            }
        }
        // Embedded templates compile on first use: an app uses five or six of the eleven, and
        // compiling all of them was a sixth of a one-spec build. A user template of the same
        // name is added below and found before the loader is asked.
        env.set_loader(|name| {
            Ok(EMBEDDED
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, text)| text.to_string()))
        });
        for (name, text) in user {
            let shown = user_dir.map_or(name.clone(), |d| d.join(&name).display().to_string());
            env.add_template_owned(name, text).map_err(|e| {
                let mut err = RenderError::from_minijinja(&e, &shown);
                if let RenderError::Template { template, .. } = &mut err {
                    *template = shown.clone();
                }
                err
            })?;
        }
        Ok(Renderer { env })
    }

    /// Render one template with a context into text.
    ///
    /// # Errors
    /// Template errors.
    pub fn render_text(&self, template: &str, ctx: Value) -> Result<String, RenderError> {
        let tmpl = self
            .env
            .get_template(template)
            .map_err(|e| RenderError::from_minijinja(&e, template))?;
        tmpl.render(ctx)
            .map_err(|e| RenderError::from_minijinja(&e, template))
    }

    /// Render one template with a context and parse the result back into one object.
    ///
    /// # Errors
    /// Template errors, and output that is not exactly one YAML mapping.
    pub fn render(&self, template: &str, ctx: Value) -> Result<serde_json::Value, RenderError> {
        let text = self.render_text(template, ctx)?;
        // Almost every rendered object is in the subset the fast reader takes; anything else,
        // and every error, goes through the full loader.
        if let Some(v @ serde_json::Value::Object(_)) = yaml::load_rendered(&text) {
            return Ok(v);
        }
        let src = SourceFile::new(template, text);
        let out = |line: usize, message: String| RenderError::Output {
            template: template.to_string(),
            line,
            message,
        };
        let mut docs = yaml::load_values(&src).map_err(|e| out(e.span.line, e.message))?;
        docs.retain(|d| !d.value.is_null());
        if docs.len() != 1 {
            return Err(out(
                1,
                format!("expected one YAML object, got {}", docs.len()),
            ));
        }
        let doc = docs.remove(0);
        if !doc.value.is_object() {
            return Err(out(doc.span.line, "expected a YAML mapping".to_string()));
        }
        Ok(doc.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_values_stay_scalars() {
        let r = Renderer::new(None).unwrap();
        let evil = "x\"\nkind: Secret\n---\n{{ a }} # &a *a - null true";
        let ctx = minijinja::context! {
            app => minijinja::context! {
                serviceAccount => minijinja::context! { name => evil, automountServiceAccountToken => () },
                namespace => "true",
                metaLabels => (),
            }
        };
        let v = r.render("serviceaccount.yaml.j2", ctx).unwrap();
        assert_eq!(v["kind"], "ServiceAccount");
        assert_eq!(v["metadata"]["name"], evil);
        assert_eq!(v["metadata"]["namespace"], "true");
    }

    #[test]
    fn undefined_is_an_error_with_template_and_line() {
        let r = Renderer::new(None).unwrap();
        let e = r
            .render(
                "serviceaccount.yaml.j2",
                minijinja::context! { app => minijinja::context!{} },
            )
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "serviceaccount.yaml.j2:5: undefined value: `app.serviceAccount` is undefined"
        );
    }
}
