//! Kubernetes resource quantities (`1Gi`, `500m`, `1e3`): parsed exactly, compared by value,
//! written in the API server's canonical form (k8s.io/apimachinery/pkg/api/resource).
//!
//! A value is kept as an integer count of nano-units, which holds every quantity a manifest
//! meets exactly (up to 10^29 base units; larger ones saturate). Written by hand: no crate
//! implements Kubernetes' suffix rules and canonical form.

use std::cmp::Ordering;

use serde_json::Value;

/// The suffix family a quantity was written in; the canonical form keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `Ki`, `Mi`, ... `Ei`.
    BinarySi,
    /// `n`, `u`, `m`, none, `k`, `M`, ... `E`.
    DecimalSi,
    /// `1e3`, `5E-3`.
    DecimalExponent,
}

/// A parsed quantity.
#[derive(Debug, Clone, Copy)]
pub struct Quantity {
    nanos: i128,
    format: Format,
}

const NANO: i128 = 1_000_000_000;

const DECIMAL: &[(&str, i32)] = &[
    ("n", -9),
    ("u", -6),
    ("m", -3),
    ("", 0),
    ("k", 3),
    ("M", 6),
    ("G", 9),
    ("T", 12),
    ("P", 15),
    ("E", 18),
];

const BINARY: &[(&str, u32)] = &[
    ("Ki", 10),
    ("Mi", 20),
    ("Gi", 30),
    ("Ti", 40),
    ("Pi", 50),
    ("Ei", 60),
];

impl Quantity {
    /// Parse as the API server does: `[+-]` digits with an optional fraction, then a suffix.
    pub fn parse(s: &str) -> Option<Quantity> {
        let (negative, rest) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let num_len = rest
            .bytes()
            .take_while(|c| c.is_ascii_digit() || *c == b'.')
            .count();
        let (num, suffix) = rest.split_at(num_len);
        let (int, frac) = num.split_once('.').unwrap_or((num, ""));
        if int.is_empty() && frac.is_empty() || frac.contains('.') {
            return None;
        }
        let (format, exp10, exp2) = suffix_of(suffix)?;
        // digits × 10^(exp10 + 9 - len(frac)) × 2^exp2, rounded up to a whole nano-unit.
        let digits: String = format!("{int}{frac}");
        let digits = digits.trim_start_matches('0');
        let mut n: i128 = 0;
        for c in digits.bytes().take(38) {
            n = n.saturating_mul(10).saturating_add(i128::from(c - b'0'));
        }
        let dropped = digits.len().saturating_sub(38) as i32;
        let scale = exp10 + 9 - frac.len() as i32 + dropped;
        let mut nanos = scale10(n, scale);
        nanos = nanos.saturating_mul(1i128.checked_shl(exp2).unwrap_or(i128::MAX));
        Some(Quantity {
            nanos: if negative { -nanos } else { nanos },
            format,
        })
    }

    /// A quantity from a manifest value: a string, or a JSON number (`cpu: 1`).
    pub fn from_value(v: &Value) -> Option<Quantity> {
        match v {
            Value::String(s) => Quantity::parse(s),
            Value::Number(n) => Quantity::parse(&n.to_string()),
            _ => None,
        }
    }

    /// Whether the value is below zero.
    pub fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    /// Whether the value is a whole number of base units.
    pub fn is_integer(&self) -> bool {
        self.nanos % NANO == 0
    }

    /// The API server's canonical text (`2000m` → `2`, `1024Mi` → `1Gi`, `1.5Gi` → `1536Mi`).
    pub fn canonical(&self) -> String {
        let sign = if self.nanos < 0 { "-" } else { "" };
        let n = self.nanos.unsigned_abs();
        if self.format == Format::BinarySi && self.is_integer() && n >= 1024 * NANO as u128 {
            let units = n / NANO as u128;
            let (suffix, shift) = BINARY
                .iter()
                .rev()
                .find(|(_, s)| units.trailing_zeros() >= *s)
                .map_or(("", 0), |(x, s)| (*x, *s));
            return format!("{sign}{}{suffix}", units >> shift);
        }
        // Decimal: the largest power-of-1000 suffix that leaves a whole mantissa.
        let (mut mant, mut exp) = (n, -9i32);
        while exp < 18 && mant != 0 && mant % 1000 == 0 {
            mant /= 1000;
            exp += 3;
        }
        if n == 0 {
            exp = 0;
        }
        if self.format == Format::DecimalExponent {
            return if exp == 0 {
                format!("{sign}{mant}")
            } else {
                format!("{sign}{mant}e{exp}")
            };
        }
        let suffix = DECIMAL.iter().find(|(_, e)| *e == exp).map_or("", |x| x.0);
        format!("{sign}{mant}{suffix}")
    }
}

fn suffix_of(s: &str) -> Option<(Format, i32, u32)> {
    if let Some((_, e)) = DECIMAL.iter().find(|(x, _)| *x == s) {
        return Some((Format::DecimalSi, *e, 0));
    }
    if let Some((_, b)) = BINARY.iter().find(|(x, _)| *x == s) {
        return Some((Format::BinarySi, 0, *b));
    }
    let exp = s.strip_prefix(['e', 'E'])?;
    let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((
        Format::DecimalExponent,
        exp.parse::<i32>().ok()?.clamp(-60, 60),
        0,
    ))
}

/// `n × 10^scale`, rounding a fraction up (the API server rounds to nano-units upwards).
fn scale10(n: i128, scale: i32) -> i128 {
    if scale >= 0 {
        (0..scale).fold(n, |acc, _| acc.saturating_mul(10))
    } else {
        let div = (0..-scale).try_fold(1i128, |acc, _| acc.checked_mul(10));
        match div {
            Some(d) => n / d + i128::from(n % d != 0),
            None => i128::from(n != 0),
        }
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

#[cfg(test)]
mod tests {
    use super::Quantity;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn equal_values_in_other_suffixes_compare_equal() {
        assert_eq!(q("1Gi"), q("1024Mi"));
        assert_eq!(q("1.5Gi"), q("1536Mi"));
        assert_eq!(q("2"), q("2000m"));
        assert_eq!(q("1e3"), q("1k"));
        assert!(q("500m") < q("1"));
        assert!(q("1G") < q("1Gi"));
    }

    #[test]
    fn canonical_forms_are_the_api_servers() {
        // k8s.io/apimachinery/pkg/api/resource quantity_test.go (TestQuantityCanonicalize).
        for (input, want) in [
            ("2000m", "2"),
            ("1024Mi", "1Gi"),
            ("1.5Gi", "1536Mi"),
            ("0.5", "500m"),
            ("1.5", "1500m"),
            ("100", "100"),
            ("1000", "1k"),
            ("512Ki", "512Ki"),
            ("1000Ki", "1000Ki"),
            ("100Mi", "100Mi"),
            ("0", "0"),
            ("1e3", "1e3"),
            ("1.5e3", "1500"),
            ("-1", "-1"),
            ("0.1m", "100u"),
        ] {
            assert_eq!(q(input).canonical(), want, "{input}");
        }
    }

    #[test]
    fn malformed_quantities_are_refused() {
        for s in ["", "Gi", "1GB", "1..2", ".", "1e", "+", "1 Gi", "abc"] {
            assert!(Quantity::parse(s).is_none(), "{s}");
        }
        assert!(q("1").is_integer() && !q("1500m").is_integer());
    }
}
