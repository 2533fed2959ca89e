//! Findings: the one model of "something is wrong with this input", and how people read them.
//!
//! Every layer that checks user input (YAML loading, spec checks, template rendering, schema and
//! API-server validation) reports [`Finding`]s; the command line decides how to show them. This
//! module must not decide exit codes or print.

pub mod catalog;
pub mod formats;

use std::fmt::Write as _;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};

use crate::source::{SourceFile, Span};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; does not fail the build unless `--strict`.
    Warning,
    /// The input is invalid; nothing is written.
    Error,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem in one input file.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Stable rule id (`unknown-field`, `k8s-schema`, ...).
    pub rule: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// File name as the user gave it.
    pub file: String,
    /// Where in the file, if known.
    pub span: Option<Span>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The file's text, for snippets.
    pub source: Option<Arc<str>>,
}

impl Finding {
    /// An error at a span of a file.
    pub fn error(
        rule: &'static str,
        src: &SourceFile,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            severity: Severity::Error,
            file: src.name().to_string(),
            span: Some(span),
            message: message.into(),
            help: None,
            source: Some(src.shared_text()),
        }
    }

    /// A warning at a span of a file.
    pub fn warning(
        rule: &'static str,
        src: &SourceFile,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(rule, src, span, message)
        }
    }

    /// An error about a whole file.
    pub fn file_error(rule: &'static str, file: &str, message: impl Into<String>) -> Self {
        Finding {
            rule,
            severity: Severity::Error,
            file: file.to_string(),
            span: None,
            message: message.into(),
            help: None,
            source: None,
        }
    }

    /// Attach a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `file:line:col` (or just `file`).
    pub fn location(&self) -> String {
        match self.span {
            Some(s) => format!("{}:{}:{}", self.file, s.line, s.col),
            None => self.file.clone(),
        }
    }

    /// The one-line form: `path:line:col: error[RULE]: message`.
    pub fn headline(&self) -> String {
        format!(
            "{}: {}[{}]: {}",
            self.location(),
            self.severity.as_str(),
            self.rule,
            self.message
        )
    }
}

/// Render findings for people: one headline each, then the source snippet when `snippets` is on
/// (a terminal), then the help line.
pub fn render_text(findings: &[Finding], snippets: bool, color: bool) -> String {
    let mut out = String::new();
    for f in findings {
        let _ = writeln!(out, "{}", visible(&f.headline()));
        if snippets {
            if let (Some(span), Some(text)) = (f.span, &f.source) {
                out.push_str(&snippet(f, span, text.clone(), color));
                continue;
            }
        }
        if let Some(h) = &f.help {
            let _ = writeln!(out, "  = help: {}", visible(h));
        }
    }
    out
}

/// `s` with control characters other than line breaks shown as `\u{1b}`: a spec's text never
/// drives the terminal (an ESC in a value would otherwise reach it raw).
pub fn visible(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\r' {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn snippet(f: &Finding, span: Span, text: Arc<str>, color: bool) -> String {
    let mut d = MietteDiagnostic::new(visible(&f.message))
        .with_code(f.rule)
        .with_severity(match f.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
        .with_label(LabeledSpan::at(
            span.start..span.start + span.len().min(text.len().saturating_sub(span.start)),
            "here",
        ));
    if let Some(h) = &f.help {
        d = d.with_help(h.clone());
    }
    let report = miette::Report::new(d).with_source_code(NamedSource::new(f.file.clone(), text));
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut s = String::new();
    let _ = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .render_report(&mut s, report.as_ref());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headline_has_location_severity_and_rule() {
        let src = SourceFile::new("a.yaml", "replicas: -1\n");
        let f = Finding::error(
            "out-of-range",
            &src,
            Span {
                start: 10,
                end: 12,
                line: 1,
                col: 11,
            },
            "replicas: must be greater than or equal to 0",
        );
        assert_eq!(
            f.headline(),
            "a.yaml:1:11: error[out-of-range]: replicas: must be greater than or equal to 0"
        );
        let text = render_text(&[f], true, false);
        assert!(text.contains("replicas: -1"), "{text}");
    }
}
