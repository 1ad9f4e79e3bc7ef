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

/// Replaces everything that cannot appear in an identifier with `_`, then applies `case`.
fn clean(name: &str, case: fn(&str) -> String) -> String {
    let spaced: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    let mut out = case(&spaced);
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
}
