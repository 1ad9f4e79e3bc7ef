//! Numeric rules beyond bounds: `multipleOf`.

#[allow(unused_imports)]
use super::*;

impl Differ<'_> {
    pub(super) fn multiple_of(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
    ) {
        let p = ptr(path, "multipleOf");
        let get = |m: &Map<String, Value>| m.get("multipleOf").and_then(Value::as_f64);
        let divides = |a: f64, b: f64| a != 0.0 && ((b / a) - (b / a).round()).abs() < 1e-9;
        let rule = match (get(o), get(n)) {
            (None, Some(_)) => Rule::MultipleOfAdded,
            (Some(_), None) => Rule::MultipleOfRemoved,
            (Some(a), Some(b)) if a == b => return,
            (Some(a), Some(b)) if divides(a, b) => Rule::MultipleOfExpanded,
            (Some(a), Some(b)) if divides(b, a) => Rule::MultipleOfReduced,
            (Some(_), Some(_)) => Rule::MultipleOfChanged,
            (None, None) => return,
        };
        self.push(rule, &p, ipath, o.get("multipleOf"), n.get("multipleOf"));
    }
}
