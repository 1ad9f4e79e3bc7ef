//! `type`, `enum` and `const`: which values a schema admits at all.

#[allow(unused_imports)]
use super::*;

impl Differ<'_> {
    pub(super) fn types(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
    ) {
        let all: BTreeSet<&str> = TYPES.iter().copied().collect();
        let (a, b) = (type_set(o), type_set(n));
        if a == b {
            return;
        }
        let (sa, sb) = (
            a.clone().unwrap_or_else(|| all.clone()),
            b.clone().unwrap_or_else(|| all.clone()),
        );
        let rule = match (subset(&sa, &sb), subset(&sb, &sa)) {
            (true, true) => return,
            (true, false) => Rule::TypeExtended,
            (false, true) => Rule::TypeNarrowed,
            (false, false) => Rule::TypeChanged,
        };
        self.push(
            rule,
            &ptr(path, "type"),
            ipath,
            o.get("type"),
            n.get("type"),
        );
    }

    pub(super) fn enums(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
    ) {
        let p = ptr(path, "enum");
        match (
            o.get("enum").and_then(Value::as_array),
            n.get("enum").and_then(Value::as_array),
        ) {
            (None, Some(_)) => self.push(Rule::EnumAdded, &p, ipath, None, n.get("enum")),
            (Some(_), None) => self.push(Rule::EnumRemoved, &p, ipath, o.get("enum"), None),
            (Some(a), Some(b)) => {
                let added = b.iter().any(|v| !a.contains(v));
                let removed = a.iter().any(|v| !b.contains(v));
                let rule = match (added, removed) {
                    (true, false) => Rule::EnumExtended,
                    (false, true) => Rule::EnumNarrowed,
                    (true, true) => Rule::EnumChanged,
                    (false, false) => return,
                };
                self.push(rule, &p, ipath, o.get("enum"), n.get("enum"));
            }
            (None, None) => {}
        }
    }
}
