//! Label selectors as Kubernetes has them (k8s.io/apimachinery/pkg/labels): the API form
//! (`matchLabels` and `matchExpressions`) and kubectl's `-l` text (`app=web,tier in (db,cache),
//! !canary`), one matcher for the controller, the Services and `get -l`. Written by hand: the
//! grammar and its error wording are Kubernetes'.

use serde_json::Value;

/// How a requirement compares a label.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Op {
    /// `key in (a, b)`, `key=a`, `key==a`, and `matchLabels`.
    In,
    /// `key notin (a, b)`, `key!=a`: also true when the label is absent.
    NotIn,
    /// `key`.
    Exists,
    /// `!key`.
    DoesNotExist,
}

/// One requirement: a key, an operator, and the values for `In`/`NotIn`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    /// The operator.
    pub op: Op,
    /// The values (sorted).
    pub values: Vec<String>,
}

/// All requirements must hold. No requirements select everything (`labels.Everything()`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector {
    /// The requirements, by key.
    pub requirements: Vec<Requirement>,
}

impl Selector {
    /// A Service's `spec.selector`, a plain map: every entry must be equal.
    pub fn from_map(m: &Value) -> Selector {
        let mut requirements: Vec<Requirement> = m
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| Requirement {
                key: k.clone(),
                op: Op::In,
                values: vec![v.as_str().unwrap_or_default().to_string()],
            })
            .collect();
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Selector { requirements }
    }

    /// A `metav1.LabelSelector` (`matchLabels` and `matchExpressions`), as
    /// `LabelSelectorAsSelector` reads it. `Err` is the API server's message for a bad operator
    /// or value list.
    pub fn from_api(sel: &Value) -> Result<Selector, String> {
        let mut s = Selector::from_map(&sel["matchLabels"]);
        for (i, e) in sel["matchExpressions"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let key = e["key"].as_str().unwrap_or_default().to_string();
            let mut values: Vec<String> = e["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            values.sort();
            let path = format!("matchExpressions[{i}]");
            let op = match e["operator"].as_str().unwrap_or_default() {
                "In" => Op::In,
                "NotIn" => Op::NotIn,
                "Exists" => Op::Exists,
                "DoesNotExist" => Op::DoesNotExist,
                other => {
                    return Err(format!(
                        "{path}.operator: Invalid value: {other:?}: not a valid selector operator"
                    ))
                }
            };
            let need_values = matches!(op, Op::In | Op::NotIn);
            if need_values && values.is_empty() {
                return Err(format!(
                    "{path}.values: Required value: must be specified when `operator` is 'In' or 'NotIn'"
                ));
            }
            if !need_values && !values.is_empty() {
                return Err(format!(
                    "{path}.values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                ));
            }
            s.requirements.push(Requirement { key, op, values });
        }
        s.requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(s)
    }

    /// Whether there are no requirements (selects everything).
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether `labels` (an object, or null) satisfies every requirement.
    pub fn matches(&self, labels: &Value) -> bool {
        let get = |k: &str| labels.get(k).and_then(Value::as_str);
        self.requirements.iter().all(|r| match r.op {
            Op::In => get(&r.key).is_some_and(|v| r.values.iter().any(|x| x == v)),
            Op::NotIn => get(&r.key).is_none_or(|v| !r.values.iter().any(|x| x == v)),
            Op::Exists => get(&r.key).is_some(),
            Op::DoesNotExist => get(&r.key).is_none(),
        })
    }

    /// kubectl's `-l` text. `Err` is kubectl's message after `error: `.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let mut p = Parser {
            s: text.as_bytes(),
            at: 0,
        };
        let mut requirements = Vec::new();
        p.blanks();
        if p.at == p.s.len() {
            return Ok(Selector::default());
        }
        loop {
            requirements.push(p.requirement()?);
            p.blanks();
            match p.peek() {
                None => break,
                Some(b',') => p.at += 1,
                Some(_) => return Err(p.found("',' or end of string")),
            }
        }
        requirements.sort_by(|a: &Requirement, b| a.key.cmp(&b.key));
        Ok(Selector { requirements })
    }
}

/// kubectl's message for a key or value that is not a valid label key or value.
fn refused(text: &str, problems: Vec<String>) -> Result<(), String> {
    match problems.first() {
        Some(p) => Err(format!(
            "unable to parse requirement: <nil>: Invalid value: {text:?}: {p}"
        )),
        None => Ok(()),
    }
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn blanks(&mut self) {
        while self.peek().is_some_and(|c| c == b' ' || c == b'\t') {
            self.at += 1;
        }
    }

    /// A key or value: up to a blank, an operator character or a separator.
    fn word(&mut self) -> String {
        let start = self.at;
        while self.peek().is_some_and(|c| !b" \t,()=!".contains(&c)) {
            self.at += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.at]).into_owned()
    }

    fn found(&self, expected: &str) -> String {
        let rest = String::from_utf8_lossy(&self.s[self.at..]);
        let token: String = rest.chars().take_while(|c| *c != ' ').collect();
        format!("unable to parse requirement: found '{token}', expected: {expected}")
    }

    fn key(&mut self) -> Result<String, String> {
        self.blanks();
        let k = self.word();
        refused(&k, crate::k8s::names::qualified_name(&k))?;
        Ok(k)
    }

    fn requirement(&mut self) -> Result<Requirement, String> {
        self.blanks();
        if self.peek() == Some(b'!') {
            self.at += 1;
            let key = self.key()?;
            return Ok(Requirement {
                key,
                op: Op::DoesNotExist,
                values: Vec::new(),
            });
        }
        let key = self.key()?;
        self.blanks();
        let rest = &self.s[self.at..];
        let (op, skip) = if rest.starts_with(b"==") {
            (Some(Op::In), 2)
        } else if rest.starts_with(b"!=") {
            (Some(Op::NotIn), 2)
        } else if rest.starts_with(b"=") {
            (Some(Op::In), 1)
        } else {
            (None, 0)
        };
        if let Some(op) = op {
            self.at += skip;
            self.blanks();
            let v = self.word();
            refused(&v, crate::k8s::names::label_value(&v))?;
            return Ok(Requirement {
                key,
                op,
                values: vec![v],
            });
        }
        let word_start = self.at;
        let w = self.word();
        let op = match w.as_str() {
            "in" => Op::In,
            "notin" => Op::NotIn,
            "" => {
                return Ok(Requirement {
                    key,
                    op: Op::Exists,
                    values: Vec::new(),
                })
            }
            _ => {
                self.at = word_start;
                return Err(self.found("'=', '!=', '==', 'in', notin'"));
            }
        };
        self.blanks();
        if self.peek() != Some(b'(') {
            return Err(self.found("'('"));
        }
        self.at += 1;
        let mut values = Vec::new();
        loop {
            self.blanks();
            values.push(self.word());
            self.blanks();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b')') => {
                    self.at += 1;
                    break;
                }
                _ => return Err(self.found("',' or ')'")),
            }
        }
        values.sort();
        Ok(Requirement { key, op, values })
    }
}

impl std::fmt::Display for Selector {
    /// The text form (`app=web,tier in (cache,db),!canary`), requirements in key order as
    /// `labels.Selector.String()` writes them; one value of `In`/`NotIn` is written `=`/`!=`
    /// (this type does not keep whether it came from `matchLabels`; both mean the same).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            let (key, values) = (&r.key, r.values.join(","));
            match (&r.op, r.values.len()) {
                (Op::Exists, _) => write!(f, "{key}")?,
                (Op::DoesNotExist, _) => write!(f, "!{key}")?,
                (Op::In, 1) => write!(f, "{key}={values}")?,
                (Op::NotIn, 1) => write!(f, "{key}!={values}")?,
                (Op::In, _) => write!(f, "{key} in ({values})")?,
                (Op::NotIn, _) => write!(f, "{key} notin ({values})")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Selector;
    use serde_json::json;

    #[test]
    fn kubectl_text_selects_as_kubectl_does() {
        let web = json!({"app": "web", "tier": "db"});
        let cache = json!({"app": "web", "tier": "cache", "canary": "true"});
        let cases = [
            ("app=web", true, true),
            ("app==web,tier=db", true, false),
            ("tier!=db", false, true),
            ("tier in (db, cache)", true, true),
            ("tier notin (cache)", true, false),
            ("canary", false, true),
            ("!canary", true, false),
            ("app=web, !canary", true, false),
            ("missing notin (x)", true, true),
            ("", true, true),
        ];
        for (text, a, b) in cases {
            let s = Selector::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!((s.matches(&web), s.matches(&cache)), (a, b), "{text}");
        }
    }

    #[test]
    fn malformed_text_gets_kubectls_message() {
        assert_eq!(
            Selector::parse("tier in db").unwrap_err(),
            "unable to parse requirement: found 'db', expected: '('"
        );
        assert_eq!(
            Selector::parse("a=b c").unwrap_err(),
            "unable to parse requirement: found 'c', expected: ',' or end of string"
        );
        assert!(Selector::parse("=x")
            .unwrap_err()
            .contains("name part must be non-empty"));
    }

    #[test]
    fn match_expressions_work_and_bad_ones_are_refused() {
        let s = Selector::from_api(&json!({"matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["db"]},
                                 {"key": "canary", "operator": "DoesNotExist"}]}))
        .unwrap();
        assert!(s.matches(&json!({"app": "web", "tier": "db"})));
        assert!(!s.matches(&json!({"app": "web", "tier": "db", "canary": "1"})));
        assert!(
            Selector::from_api(&json!({"matchExpressions": [{"key": "a", "operator": "In"}]}))
                .unwrap_err()
                .contains("Required value")
        );
        assert!(Selector::from_api(
            &json!({"matchExpressions": [{"key": "a", "operator": "Near"}]})
        )
        .unwrap_err()
        .contains("not a valid selector operator"));
    }

    #[test]
    fn a_selector_prints_as_kubectl_reads_it() {
        let text = "tier in (db,cache),app=web,!canary,track,env notin (a,b),x!=y";
        let s = Selector::parse(text).unwrap();
        assert_eq!(Selector::parse(&s.to_string()).unwrap(), s);
        let api = serde_json::json!({"matchLabels": {"app": "nginx"}});
        assert_eq!(Selector::from_api(&api).unwrap().to_string(), "app=nginx");
    }
}
