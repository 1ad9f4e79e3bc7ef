//! All name conversion: schema names to Rust type, field and variant identifiers.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust keywords that need `r#` as field names (and cannot be raw: `self`, `Self`, `crate`, `super`).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

const NOT_RAW: &[&str] = &["self", "Self", "crate", "super", "_"];

/// An ASCII identifier for any name, then `case` applied: ASCII letters and digits stay,
/// other ASCII characters (`-`, `.`, spaces, …) become word breaks, and every other
/// character is spelt by its code point (`x²` → `x_u00b2`), so that names stay apart and
/// no identifier trips rustc's lints on uncommon or confusable characters. A result that
/// is empty or starts with a digit gets a leading `_`.
fn clean(name: &str, case: fn(&str) -> String) -> String {
    let mut spaced = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            spaced.push(c);
        } else if c.is_ascii() {
            spaced.push('_');
        } else {
            spaced.push_str(&format!("_u{:04x}_", u32::from(c)));
        }
    }
    let mut out = case(&spaced);
    out.retain(|c| c.is_ascii_alphanumeric() || c == '_');
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// `order.confirmed` → `OrderConfirmed`, `shipping_address` → `ShippingAddress`.
pub fn type_name(name: &str) -> String {
    let mut out = clean(name, |s| s.to_upper_camel_case());
    if NOT_RAW.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// [`field_name`] with punctuation spelt out (`-1` → `minus_1`, `+1` → `plus_1`), for a
/// property whose plain field name another property already took.
pub fn spelled_field_name(name: &str) -> (String, bool) {
    let mut spelled = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        let word = match c {
            '+' => "plus",
            '-' => "minus",
            '.' => "dot",
            '@' => "at",
            '#' => "hash",
            '$' => "dollar",
            '/' => "slash",
            ':' => "colon",
            '*' => "star",
            '%' => "percent",
            '&' => "and",
            '!' => "bang",
            '=' => "eq",
            '~' => "tilde",
            '?' => "question",
            '<' => "lt",
            '>' => "gt",
            _ => {
                spelled.push(c);
                continue;
            }
        };
        spelled.push('_');
        spelled.push_str(word);
        spelled.push('_');
    }
    field_name(&spelled)
}

/// A JSON property name as a Rust field name, plus whether it must be written raw (`r#type`).
pub fn field_name(name: &str) -> (String, bool) {
    let mut out = clean(name, |s| s.to_snake_case());
    if NOT_RAW.contains(&out.as_str()) {
        out.push('_');
    }
    let raw = KEYWORDS.contains(&out.as_str());
    (out, raw)
}

/// The struct name of one major version of an event: `order.confirmed` v1 → `OrderConfirmedV1`.
pub fn event_struct(event_type: &str, major: u32) -> String {
    format!("{}V{major}", type_name(event_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(type_name("pvz.parcel.arrived"), "PvzParcelArrived");
        assert_eq!(
            type_name("delivery.parcel.routed_to_pvz"),
            "DeliveryParcelRoutedToPvz"
        );
        assert_eq!(type_name("in-transit"), "InTransit");
        assert_eq!(type_name("100%"), "_100");
        assert_eq!(type_name("self"), "Self_");
        assert_eq!(field_name("type"), ("type".into(), true));
        assert_eq!(field_name("orderId"), ("order_id".into(), false));
        assert_eq!(field_name("self"), ("self_".into(), false));
        assert_eq!(event_struct("order.confirmed", 2), "OrderConfirmedV2");
    }

    /// Whether `s` is an identifier rustc accepts as written (`r#` aside).
    fn is_ident(s: &str) -> bool {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
            && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
            && s != "_"
    }

    #[test]
    fn hostile_names_become_valid_identifiers() {
        let hostile = [
            "x²",
            "1abc",
            "type",
            "self",
            "Self",
            "super",
            "crate",
            "_",
            "",
            "__",
            "цена",
            "価格",
            "a-b",
            "a_b",
            "é",
            "e\u{301}",
            "\u{202e}abc",
            "a b\tc",
            "💥",
            "r#type",
            "0",
            "-",
        ];
        for name in hostile {
            let ty = type_name(name);
            let (field, _) = field_name(name);
            assert!(is_ident(&ty), "{name:?} → type {ty:?}");
            assert!(
                is_ident(&field) && field != "self",
                "{name:?} → field {field:?}"
            );
            assert!(!NOT_RAW.contains(&ty.as_str()), "{name:?} → {ty:?}");
            assert!(!NOT_RAW.contains(&field.as_str()), "{name:?} → {field:?}");
        }
        assert_eq!(field_name("x²"), ("x_u00b2".into(), false));
        assert_eq!(type_name("x²"), "XU00b2");
        assert_eq!(field_name("1abc"), ("_1abc".into(), false));
        assert_ne!(type_name("é"), type_name("e\u{301}"));
        assert_ne!(field_name("цена"), field_name("价格"));
    }
}
