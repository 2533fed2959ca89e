//! Machine formats for findings: JSON, SARIF 2.1.0, GitHub workflow commands, JUnit XML.
//!
//! Pure functions from findings to text; byte-stable for the same input (no times, no paths
//! other than the ones the user gave).

use serde_json::{json, Value};

use crate::diag::catalog::RULES;
use crate::diag::{Finding, Severity};

fn line_col(f: &Finding) -> (usize, usize) {
    f.span.map_or((1, 1), |s| (s.line, s.col))
}

/// Counts of (errors, warnings).
pub fn counts(findings: &[Finding]) -> (usize, usize) {
    let e = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    (e, findings.len() - e)
}

/// `{"findings": [...], "summary": {...}}`.
pub fn json(findings: &[Finding], files: &[String]) -> String {
    let (errors, warnings) = counts(findings);
    let items: Vec<Value> = findings
        .iter()
        .map(|f| {
            let (line, column) = line_col(f);
            json!({
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "file": f.file,
                "line": line,
                "column": column,
                "message": f.message,
                "help": f.help,
            })
        })
        .collect();
    let v = json!({
        "findings": items,
        "summary": {"files": files.len(), "errors": errors, "warnings": warnings},
    });
    format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// SARIF 2.1.0, with every rule in `tool.driver.rules` (what GitHub code scanning reads).
pub fn sarif(findings: &[Finding]) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": format!("{} {}", r.summary, r.help)},
                "help": {"text": r.help},
                "defaultConfiguration": {"level": sarif_level(r.level)},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let (line, col) = line_col(f);
            let mut text = f.message.clone();
            if let Some(h) = &f.help {
                text = format!("{text} (help: {h})");
            }
            json!({
                "ruleId": f.rule,
                "ruleIndex": RULES.iter().position(|r| r.id == f.rule).unwrap_or(0),
                "level": sarif_level(f.severity),
                "message": {"text": text},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri(&f.file)},
                    "region": {"startLine": line, "startColumn": col},
                }}],
            })
        })
        .collect();
    let v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "stsc",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
}

/// A path as a SARIF `uri`: relative paths stay relative, with `/` separators and every byte
/// outside RFC 3986's unreserved set percent-encoded (`specs/my%20app.yaml`); absolute paths
/// become `file://` URIs.
pub fn uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    let mut out = String::with_capacity(p.len());
    if p.starts_with('/') {
        out.push_str("file://");
    }
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Escape workflow-command data (`%`, CR, LF); other control characters are shown escaped,
/// never passed to the terminal.
fn gh_data(s: &str) -> String {
    crate::diag::visible(&s.replace('%', "%25"))
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape workflow-command properties (also `:` and `,`).
fn gh_prop(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub workflow commands, errors first (GitHub shows ten of each per step), then a summary.
pub fn github(findings: &[Finding]) -> String {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let mut out = String::new();
    for f in sorted {
        let (line, col) = line_col(f);
        let mut msg = f.message.clone();
        if let Some(h) = &f.help {
            msg = format!("{msg}\nhelp: {h}");
        }
        out.push_str(&format!(
            "::{} file={},line={line},col={col},title={}::{}\n",
            f.severity.as_str(),
            gh_prop(&f.file),
            gh_prop(&format!("stsc {}", f.rule)),
            gh_data(&msg)
        ));
    }
    let (e, w) = counts(findings);
    out.push_str(&format!("stsc: {e} error(s), {w} warning(s)\n"));
    out
}

fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\n' => o.push_str("&#10;"),
            '\r' => o.push_str("&#13;"),
            '\t' => o.push('\t'),
            // XML 1.0 has no way to write other control characters, even as references.
            c if (c as u32) < 0x20 || matches!(c, '\u{fffe}' | '\u{ffff}') => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

/// JUnit XML: one suite per file, one case per finding (or one passing case for a clean file).
/// `time="0"` everywhere so the file is byte-stable.
pub fn junit(findings: &[Finding], files: &[String]) -> String {
    let mut suites = String::new();
    let mut total = 0;
    let mut failures = 0;
    for file in files {
        let mine: Vec<&Finding> = findings.iter().filter(|f| &f.file == file).collect();
        let mut cases = String::new();
        let mut names = std::collections::HashSet::new();
        let mut fails = 0;
        if mine.is_empty() {
            cases.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"valid\" time=\"0\"/>\n",
                xml(file)
            ));
        }
        for f in &mine {
            let (line, col) = line_col(f);
            let mut name = format!("{} at {line}:{col}", f.rule);
            let mut n = 2;
            while !names.insert(name.clone()) {
                name = format!("{} at {line}:{col} #{n}", f.rule);
                n += 1;
            }
            let body = format!("{}:{line}:{col}: {}", f.file, f.message);
            match f.severity {
                Severity::Error => {
                    fails += 1;
                    cases.push_str(&format!(
                        "    <testcase classname=\"{}\" name=\"{}\" time=\"0\">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
                        xml(file), xml(&name), xml(f.rule), xml(&f.message), xml(&body)
                    ));
                }
                Severity::Warning => cases.push_str(&format!(
                    "    <testcase classname=\"{}\" name=\"{}\" time=\"0\">\n      <system-out>warning: {}</system-out>\n    </testcase>\n",
                    xml(file), xml(&name), xml(&body)
                )),
            }
        }
        let count = mine.len().max(1);
        total += count;
        failures += fails;
        suites.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{count}\" failures=\"{fails}\" errors=\"0\" time=\"0\">\n{cases}  </testsuite>\n",
            xml(file)
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"stsc\" tests=\"{total}\" failures=\"{failures}\" errors=\"0\" time=\"0\">\n{suites}</testsuites>\n"
    )
}
