//! `$ref`: following references in each version, and whether one schema accepts all another does.

#[allow(unused_imports)]
use super::*;

impl Differ<'_> {
    /// Follows `$ref`s while nothing that validates sits beside them, keeping the
    /// annotations met on the way (the outermost wins). A `$ref` with such siblings becomes an
    /// `allOf` member: `$ref` applies in place, like `allOf`.
    pub(super) fn deref<'v>(set: &'v SchemaSet, mut v: &'v Value) -> (Value, Option<String>) {
        let mut first = None;
        let mut overlay = Map::new();
        // The loader's depth limit; a loop (the loader refuses it in converted schemas)
        // stops at the first target seen twice.
        let mut seen: Vec<&str> = Vec::new();
        for _ in 0..events_codegen::schema::MAX_REF_DEPTH {
            if has_live_siblings(v) {
                break;
            }
            let Some(uri) = v.get("$ref").and_then(Value::as_str) else {
                break;
            };
            if seen.contains(&uri) {
                break;
            }
            seen.push(uri);
            for (k, a) in v.as_object().into_iter().flatten() {
                if k != "$ref" && !overlay.contains_key(k) {
                    overlay.insert(k.clone(), a.clone());
                }
            }
            first.get_or_insert_with(|| uri.to_owned());
            match set.target(uri) {
                Some(t) => v = t,
                None => break,
            }
        }
        let mut v = if has_live_siblings(v) {
            ref_as_all_of(v)
        } else {
            v.clone()
        };
        if let Value::Object(m) = &mut v {
            m.remove("$ref");
            m.extend(overlay);
        }
        (v, first)
    }

    /// Whether every document `a` accepts, `b` accepts too (within what the engine can tell).
    /// `a` is from the old version and `b` from the new one, or the reverse when `a_is_new`:
    /// each `$ref` resolves in its own version.
    pub(super) fn accepts_all(&self, a: &Value, b: &Value, a_is_new: bool) -> bool {
        if is_empty_schema(b) || (a == b && !has_ref(a)) {
            return true;
        }
        // Nested too deep (a recursive schema compared with a changed one): cannot tell.
        if self.nested >= MAX_NESTED {
            return false;
        }
        let (old_set, new_set) = if a_is_new {
            (self.new_set, self.old_set)
        } else {
            (self.old_set, self.new_set)
        };
        let mut sub = Differ {
            old_set,
            new_set,
            seen: HashSet::new(),
            nested: self.nested + 1,
            around: Around::default(),
            out: Vec::new(),
        };
        sub.schema("", None, a, b);
        sub.out
            .iter()
            .all(|c| matches!(c.rule.effect(), Effect::None | Effect::Widens))
    }

    /// The changes from `a` to `b`, compared on their own (not reported). A `$ref` pair the
    /// enclosing comparison has already compared is compared again: what its changes do here
    /// (under `not`, under `maxContains`) differs from what they did there. Nested too deep (a
    /// recursive schema), it is unclassified.
    pub(super) fn compare(&self, a: &Value, b: &Value) -> Vec<Change> {
        if self.nested >= MAX_NESTED {
            return vec![Change {
                rule: Rule::Unclassified,
                path: String::new(),
                instance_path: None,
                old: Some(a.clone()),
                new: Some(b.clone()),
            }];
        }
        let mut sub = Differ {
            old_set: self.old_set,
            new_set: self.new_set,
            seen: HashSet::new(),
            nested: self.nested + 1,
            around: Around::default(),
            out: Vec::new(),
        };
        sub.schema("", None, a, b);
        sub.out
    }
}
