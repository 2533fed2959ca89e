//! A yes/no answer to "does this object satisfy its kind's schema?", read straight off the
//! schema document with nothing compiled.
//!
//! Compiling a kind's validator costs far more than checking one object with it (the pod
//! template alone is hundreds of subschemas), and most objects are valid. So validity is decided
//! here first, over the few keywords the bundle uses, and the compiled validator is built only to
//! explain an object this does not call valid. It never has the last word on an invalid object:
//! "valid" is the only answer trusted, and any keyword it does not know makes it abstain.

use serde_json::Value;

/// Deepest schema nesting followed (the bundle's references are finite; hostile objects are
/// bounded by the YAML loader's depth limit anyway).
const MAX_DEPTH: usize = 128;

/// Looks up a definition by name (what `#/$defs/NAME` points at).
pub(crate) type Defs<'a> = &'a dyn Fn(&str) -> Option<&'a Value>;

/// `Some(true)`: valid. `Some(false)`: not valid. `None`: a construct not handled here.
pub(crate) fn valid<'a>(schema: &'a Value, defs: Defs<'a>, inst: &Value) -> Option<bool> {
    check(schema, defs, inst, 0)
}

fn check<'a>(schema: &'a Value, root: Defs<'a>, inst: &Value, depth: usize) -> Option<bool> {
    if depth > MAX_DEPTH {
        return None;
    }
    let s = match schema {
        Value::Object(s) => s,
        Value::Bool(b) => return Some(*b),
        _ => return None,
    };
    let cx = Cx { root, depth };
    for (k, sub) in s {
        let ok = match k.as_str() {
            "$ref" => cx.reference(sub, inst)?,
            "type" => type_ok(sub, inst)?,
            "enum" => enum_ok(sub, inst)?,
            "required" => required_ok(sub, inst)?,
            "properties" => cx.properties(sub, inst)?,
            "additionalProperties" => cx.additional(s, sub, inst)?,
            "items" => cx.items(sub, inst)?,
            "oneOf" => cx.one_of(sub, inst)?,
            // Annotations: they constrain nothing (formats are not asserted, as in the
            // compiled validator).
            "format" | "$defs" | "description" | "title" => true,
            k if k.starts_with("x-kubernetes-") => true,
            _ => return None,
        };
        if !ok {
            return Some(false);
        }
    }
    Some(true)
}

/// The definitions and the depth of the subschema being checked.
struct Cx<'a> {
    root: Defs<'a>,
    depth: usize,
}

impl<'a> Cx<'a> {
    fn sub(&self, schema: &'a Value, inst: &Value) -> Option<bool> {
        check(schema, self.root, inst, self.depth + 1)
    }

    /// `$ref` to a definition (`#/$defs/NAME`).
    fn reference(&self, sub: &'a Value, inst: &Value) -> Option<bool> {
        let name = sub.as_str()?.strip_prefix("#/$defs/")?;
        if name.contains(['~', '/']) {
            return None;
        }
        self.sub((self.root)(name)?, inst)
    }

    fn properties(&self, sub: &'a Value, inst: &Value) -> Option<bool> {
        let Value::Object(m) = inst else {
            return Some(true);
        };
        let props = sub.as_object()?;
        for (name, v) in m {
            if let Some(p) = props.get(name) {
                if !self.sub(p, v)? {
                    return Some(false);
                }
            }
        }
        Some(true)
    }

    /// `additionalProperties`: the members `properties` (a sibling in `s`) does not name.
    fn additional(
        &self,
        s: &'a serde_json::Map<String, Value>,
        sub: &'a Value,
        inst: &Value,
    ) -> Option<bool> {
        let Value::Object(m) = inst else {
            return Some(true);
        };
        let props = match s.get("properties") {
            None => None,
            Some(p) => Some(p.as_object()?),
        };
        for (name, v) in m {
            if props.is_some_and(|p| p.contains_key(name)) {
                continue;
            }
            if !self.sub(sub, v)? {
                return Some(false);
            }
        }
        Some(true)
    }

    fn items(&self, sub: &'a Value, inst: &Value) -> Option<bool> {
        match (sub, inst) {
            (Value::Object(_) | Value::Bool(_), Value::Array(a)) => {
                for v in a {
                    if !self.sub(sub, v)? {
                        return Some(false);
                    }
                }
                Some(true)
            }
            (_, Value::Array(_)) => None,
            _ => Some(true),
        }
    }

    fn one_of(&self, sub: &'a Value, inst: &Value) -> Option<bool> {
        let mut n = 0;
        for alt in sub.as_array()? {
            n += usize::from(self.sub(alt, inst)?);
        }
        Some(n == 1)
    }
}

fn type_ok(sub: &Value, inst: &Value) -> Option<bool> {
    match sub {
        Value::String(t) => is_type(t, inst),
        Value::Array(ts) => {
            let mut any = false;
            for t in ts {
                any |= is_type(t.as_str()?, inst)?;
            }
            Some(any)
        }
        _ => None,
    }
}

/// The bundle's enums are strings; anything else is left to the validator.
fn enum_ok(sub: &Value, inst: &Value) -> Option<bool> {
    let opts = sub.as_array()?;
    if !opts.iter().all(Value::is_string) {
        return None;
    }
    Some(opts.contains(inst))
}

fn required_ok(sub: &Value, inst: &Value) -> Option<bool> {
    let Value::Object(m) = inst else {
        return Some(true);
    };
    let mut all = true;
    for n in sub.as_array()? {
        all &= m.contains_key(n.as_str()?);
    }
    Some(all)
}

fn is_type(t: &str, v: &Value) -> Option<bool> {
    Some(match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        // 1.0 counts as an integer for the validator; leave such cases to it.
        "integer" => match v {
            Value::Number(n) if n.is_f64() => return None,
            Value::Number(_) => true,
            _ => false,
        },
        _ => return None,
    })
}
