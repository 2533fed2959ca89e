//! Plain scalars as the YAML 1.2 core schema reads them (null, booleans, integers, floats,
//! strings), with a leading-zero number refused or read as YAML 1.1's octal by policy.

use serde_json::{Number, Value};

use super::Numbers;

pub(super) fn null_or_bool(s: &str) -> Option<Value> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => Some(Value::Null),
        "true" | "True" | "TRUE" => Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => Some(Value::Bool(false)),
        _ => None,
    }
}

/// Resolve a plain scalar by the YAML 1.2 core schema.
pub(super) fn resolve_plain(s: &str) -> Result<Value, String> {
    resolve_number(s, Numbers::Unambiguous)
}

/// [`resolve_plain`] with the reading of leading zeros chosen by the caller.
pub(super) fn resolve_number(s: &str, numbers: Numbers) -> Result<Value, String> {
    if let Some(v) = null_or_bool(s) {
        return Ok(v);
    }
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => {
            return Err(format!("the number {s} cannot be represented in JSON"))
        }
        _ => {}
    }
    let b = s.as_bytes();
    let digits =
        |t: &[u8], radix: u32| !t.is_empty() && t.iter().all(|c| (*c as char).is_digit(radix));
    if let Some(h) = s.strip_prefix("0x") {
        if digits(h.as_bytes(), 16) {
            return Ok(
                u64::from_str_radix(h, 16).map_or_else(|_| Value::String(s.into()), Value::from)
            );
        }
    }
    if let Some(o) = s.strip_prefix("0o") {
        if digits(o.as_bytes(), 8) {
            return Ok(
                u64::from_str_radix(o, 8).map_or_else(|_| Value::String(s.into()), Value::from)
            );
        }
    }
    let unsigned = if matches!(b.first(), Some(b'-' | b'+')) {
        &b[1..]
    } else {
        b
    };
    if digits(unsigned, 10) {
        if unsigned.len() > 1 && unsigned[0] == b'0' {
            // YAML 1.1 (kubectl, Helm, PyYAML) reads 0755 as octal 493, YAML 1.2 as 755.
            let octal = std::str::from_utf8(&unsigned[1..]).unwrap_or_default();
            if numbers == Numbers::Yaml11 && digits(&unsigned[1..], 8) {
                let n = i64::from_str_radix(octal, 8).map_err(|e| format!("{s}: {e}"))?;
                return Ok(Value::from(if b[0] == b'-' { -n } else { n }));
            }
            return Err(format!(
                "{s} is a number with a leading zero: YAML 1.1 readers (kubectl, Helm) take it as octal, YAML 1.2 readers as decimal; write 0o{octal} for octal, {} for decimal, or quote it for a string",
                s.trim_start_matches(['-', '+']).trim_start_matches('0')
            ));
        }
        if let Ok(i) = s.parse::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = s.parse::<u64>() {
            return Ok(Value::from(u));
        }
        // Too large for 64 bits: keep it a float, range checks downstream name it.
        if let Some(n) = s.parse::<f64>().ok().and_then(Number::from_f64) {
            return Ok(Value::Number(n));
        }
    }
    if is_float(unsigned) {
        if let Some(n) = s.parse::<f64>().ok().and_then(Number::from_f64) {
            return Ok(Value::Number(n));
        }
    }
    Ok(Value::String(s.to_string()))
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` without the sign.
fn is_float(b: &[u8]) -> bool {
    let mut i = 0;
    let int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int;
    let mut frac = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac;
    }
    if int == 0 && frac == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let e = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if e == 0 {
            return false;
        }
        i += e;
    }
    i == b.len()
}
