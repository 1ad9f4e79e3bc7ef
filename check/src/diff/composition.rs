//! Composition: `allOf`, `anyOf`, `oneOf` (disjointness of members) and `not`.

#[allow(unused_imports)]
use super::*;

impl Differ<'_> {
    pub(super) fn combinators(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        around: &Around,
    ) {
        const KINDS: [&str; 3] = ["allOf", "anyOf", "oneOf"];
        let kinds = |m: &Map<String, Value>| -> Vec<&'static str> {
            KINDS.into_iter().filter(|k| m.contains_key(*k)).collect()
        };
        // One combinator replaced by another.
        if let ([a], [b]) = (kinds(o).as_slice(), kinds(n).as_slice()) {
            let sum = |k: &str| k == "anyOf" || k == "oneOf";
            if a != b && sum(a) && sum(b) {
                self.sum_swap(path, ipath, o, n, a, b, around);
                return;
            }
            if a != b {
                let rule = if *a == "oneOf" && *b == "anyOf" {
                    Rule::CombinedTypeExtended
                } else {
                    Rule::CombinedTypeChanged
                };
                self.push(rule, &ptr(path, b), ipath, o.get(*a), n.get(*b));
                return;
            }
        }
        // Otherwise each keyword is a constraint of its own, unless its members evaluate
        // what an `unevaluatedProperties`/`unevaluatedItems` there judges.
        let judged = [judged(o, around, 0), judged(n, around, 1)];
        for k in KINDS {
            match (o.get(k), n.get(k)) {
                (None, None) => {}
                (a @ None, b @ Some(_)) | (a @ Some(_), b @ None)
                    if {
                        let holder = |v: Option<&Value>| {
                            v.map(|v| Value::Object(Map::from_iter([(k.to_owned(), v.clone())])))
                        };
                        self.shifts(&judged, holder(a).as_ref(), holder(b).as_ref())
                    } =>
                {
                    self.push(Rule::Unclassified, &ptr(path, k), ipath, a, b)
                }
                (None, Some(v)) => {
                    self.push(Rule::CombinedTypeAdded, &ptr(path, k), ipath, None, Some(v))
                }
                (Some(v), None) => self.push(
                    Rule::CombinedTypeRemoved,
                    &ptr(path, k),
                    ipath,
                    Some(v),
                    None,
                ),
                (Some(_), Some(_)) => self.members(path, ipath, o, n, k, around),
            }
        }
    }

    /// `oneOf` ↔ `anyOf`: the members are compared as `anyOf` members on both sides, and
    /// the swap itself counts only where the `oneOf` side's members may overlap (a `oneOf`
    /// of pairwise disjoint members is their `anyOf`).
    #[allow(clippy::too_many_arguments)]
    fn sum_swap(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        a: &str,
        b: &str,
        around: &Around,
    ) {
        let as_any_of = |m: &Map<String, Value>, k: &str| {
            let mut m = m.clone();
            if let Some(v) = m.remove(k) {
                m.insert("anyOf".into(), v);
            }
            m
        };
        let (o2, n2) = (as_any_of(o, a), as_any_of(n, b));
        self.members(path, ipath, &o2, &n2, "anyOf", around);
        let apart = |set: &SchemaSet, m: &Map<String, Value>, k: &str| {
            let xs = m
                .get(k)
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            (0..xs.len()).all(|i| (i + 1..xs.len()).all(|j| disjoint(set, &xs[i], set, &xs[j], 0)))
        };
        if a == "oneOf" {
            // The old `oneOf` may have refused what matched two members: now accepted.
            if !apart(self.old_set, o, a) {
                self.push(
                    Rule::CombinedTypeExtended,
                    &ptr(path, b),
                    ipath,
                    o.get(a),
                    n.get(b),
                );
            }
        } else if !apart(self.new_set, n, b) {
            // The new `oneOf` refuses what matches two of its members.
            self.push(
                Rule::CombinedTypeChanged,
                &ptr(path, b),
                ipath,
                o.get(a),
                n.get(b),
            );
        }
    }

    /// A schema wrapped into a union that still contains it (`string` → `oneOf: [number,
    /// string]`), or a union unwrapped to a schema one member contains: a widening
    /// (narrowing) when the schema is within a member and, for `oneOf`, disjoint from the
    /// others. Whether it applied (then nothing else is compared here).
    pub(super) fn wrapped(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
    ) -> bool {
        const SUMS: [&str; 2] = ["anyOf", "oneOf"];
        let has_combinator = |m: &Map<String, Value>| {
            ["allOf", "anyOf", "oneOf"]
                .iter()
                .any(|k| m.contains_key(*k))
        };
        // Only a union there, beside annotations and definitions.
        let only_union = |m: &Map<String, Value>| -> Option<&'static str> {
            let k = SUMS.into_iter().find(|k| m.contains_key(*k))?;
            let idle = |key: &str| {
                key == k
                    || matches!(key, "$schema" | "$defs" | "definitions")
                    || ANNOTATIONS.iter().any(|(a, _)| *a == key)
                    || (key.starts_with("x-") && key != "x-encoding")
            };
            (m.keys().all(|key| idle(key))
                && !m.contains_key(if k == "anyOf" { "oneOf" } else { "anyOf" }))
            .then_some(k)
        };
        let (widens, k, plain, union) = match (
            has_combinator(o),
            only_union(n),
            only_union(o),
            has_combinator(n),
        ) {
            (false, Some(k), _, _) => (true, k, o, n),
            (_, _, Some(k), false) => (false, k, n, o),
            _ => return false,
        };
        let members = union
            .get(k)
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let plain_value = Value::Object(plain.clone());
        // The plain side is old when it widens, new when it narrows.
        let (plain_set, union_set) = if widens {
            (self.old_set, self.new_set)
        } else {
            (self.new_set, self.old_set)
        };
        let within = members
            .iter()
            .position(|m| self.accepts_all(&plain_value, m, !widens));
        let Some(at) = within else {
            return false;
        };
        if k == "oneOf"
            && !members
                .iter()
                .enumerate()
                .all(|(j, m)| j == at || disjoint(plain_set, &plain_value, union_set, m, 0))
        {
            return false;
        }
        let (rule, old, new) = if widens {
            (Rule::SumTypeExtended, None, n.get(k))
        } else {
            (Rule::SumTypeNarrowed, o.get(k), None)
        };
        self.push(rule, &ptr(path, k), ipath, old, new);
        true
    }

    /// Member lists of different lengths of a union: a widening where every old member is
    /// within a new one, a narrowing where every new member is within an old one (as
    /// `anyOf`; a `oneOf` needs the members of the wider side pairwise disjoint too).
    /// Whether it could tell.
    #[allow(clippy::too_many_arguments)]
    fn members_within(
        &mut self,
        p: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        k: &str,
        a: &[Value],
        b: &[Value],
    ) -> bool {
        if k == "allOf" {
            return false;
        }
        let old_in_new = a
            .iter()
            .all(|x| b.iter().any(|y| self.accepts_all(x, y, false)));
        let new_in_old = b
            .iter()
            .all(|y| a.iter().any(|x| self.accepts_all(y, x, true)));
        let apart = |set: &SchemaSet, xs: &[Value]| {
            (0..xs.len()).all(|i| (i + 1..xs.len()).all(|j| disjoint(set, &xs[i], set, &xs[j], 0)))
        };
        let one_of = k == "oneOf";
        let rule = match (old_in_new, new_in_old) {
            (true, true) if !one_of || (apart(self.old_set, a) && apart(self.new_set, b)) => {
                return true
            }
            (true, false) if !one_of || apart(self.new_set, b) => Rule::SumTypeExtended,
            (false, true) if !one_of || apart(self.old_set, a) => Rule::SumTypeNarrowed,
            _ => return false,
        };
        self.push(rule, p, ipath, o.get(k), n.get(k));
        true
    }

    /// The members of one combinator present on both sides.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn members(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        k: &str,
        around: &Around,
    ) {
        let empty = Vec::new();
        let a = o.get(k).and_then(Value::as_array).unwrap_or(&empty);
        let b = n.get(k).and_then(Value::as_array).unwrap_or(&empty);
        let only_old: Vec<usize> = (0..a.len())
            .filter(|i| has_ref(&a[*i]) || !b.contains(&a[*i]))
            .collect();
        let only_new: Vec<usize> = (0..b.len())
            .filter(|i| has_ref(&b[*i]) || !a.contains(&b[*i]))
            .collect();
        let p = ptr(path, k);
        let product = k == "allOf";
        let before = self.out.len();
        let beside = |d: &Self, i: Option<usize>, j: Option<usize>| {
            let mut into = Around::default();
            if let Some(i) = i {
                d.member_around(o, around, 0, k, i, &mut into);
            }
            if let Some(j) = j {
                d.member_around(n, around, 1, k, j, &mut into);
            }
            into
        };
        // An `allOf` member added or removed where an `unevaluatedProperties` counts the names
        // it evaluates: a member changed from or to `{}`, so that those names are classified.
        let names_count = product && {
            let all = beside(self, Some(a.len()), Some(b.len()));
            all.unevaluated.iter().any(Option::is_some)
        };
        let empty_schema = Value::Object(Map::new());
        if only_old.len() == only_new.len() {
            // Same shape: compare the differing members pairwise, in order.
            for (i, j) in only_old.iter().zip(&only_new) {
                self.around = beside(self, Some(*i), Some(*j));
                self.schema(&ptr(&p, j), ipath.clone(), &a[*i], &b[*j]);
            }
        } else if names_count && (only_old.is_empty() || only_new.is_empty()) {
            // The other side's context counts all of its members.
            for i in &only_old {
                self.around = beside(self, Some(*i), Some(b.len()));
                self.schema(&ptr(&p, i), ipath.clone(), &a[*i], &empty_schema);
            }
            for j in &only_new {
                self.around = beside(self, Some(a.len()), Some(*j));
                self.schema(&ptr(&p, j), ipath.clone(), &empty_schema, &b[*j]);
            }
        } else if product && {
            let judged = [judged(o, around, 0), judged(n, around, 1)];
            only_old
                .iter()
                .any(|i| self.shifts(&judged, Some(&a[*i]), None))
                || only_new
                    .iter()
                    .any(|j| self.shifts(&judged, None, Some(&b[*j])))
        } {
            // Members that evaluate what an `unevaluatedItems` judges.
            self.push(Rule::Unclassified, &p, ipath, o.get(k), n.get(k));
        } else if only_old.is_empty() {
            self.push(
                if product {
                    Rule::ProductTypeExtended
                } else {
                    Rule::SumTypeExtended
                },
                &p,
                ipath,
                o.get(k),
                n.get(k),
            );
        } else if only_new.is_empty() {
            self.push(
                if product {
                    Rule::ProductTypeNarrowed
                } else {
                    Rule::SumTypeNarrowed
                },
                &p,
                ipath,
                o.get(k),
                n.get(k),
            );
        } else {
            if !self.members_within(&p, ipath, o, n, k, a, b) {
                self.push(Rule::Unclassified, &p, ipath, o.get(k), n.get(k));
            }
            return;
        }
        // `oneOf` is an `anyOf` only while no document matches two members: a document may
        // otherwise come to match two (rejected) or stop matching a second one (accepted).
        if k == "oneOf"
            && self.out[before..]
                .iter()
                .any(|c| c.rule.effect() != Effect::None)
        {
            let (so, sn) = (self.old_set, self.new_set);
            let apart = |set: &SchemaSet,
                         xs: &[Value],
                         changed: &[usize],
                         others: &dyn Fn(usize) -> bool| {
                changed.iter().all(|&i| {
                    (0..xs.len())
                        .filter(|&j| j != i && others(j))
                        .all(|j| disjoint(set, &xs[i], set, &xs[j], 0))
                })
            };
            let fine = if only_old.len() == only_new.len() {
                // Each changed member apart from every other member, before and after.
                apart(so, a, &only_old, &|_| true) && apart(sn, b, &only_new, &|_| true)
            } else if only_old.is_empty() {
                // Each added member apart from the kept ones.
                apart(sn, b, &only_new, &|j| !only_new.contains(&j))
            } else {
                // Each removed member apart from the kept ones.
                apart(so, a, &only_old, &|j| !only_old.contains(&j))
            };
            if !fine {
                self.push(Rule::OneOfMembersNotDisjoint, &p, ipath, o.get(k), n.get(k));
            }
        }
    }

    pub(super) fn not(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
    ) {
        let p = ptr(path, "not");
        match (o.get("not"), n.get("not")) {
            (None, Some(v)) => self.push(Rule::NotTypeAdded, &p, ipath, None, Some(v)),
            (Some(v), None) => self.push(Rule::NotTypeRemoved, &p, ipath, Some(v), None),
            (Some(a), Some(b)) if a != b || has_ref(a) => {
                let effects: BTreeSet<Effect> = self
                    .compare(a, b)
                    .iter()
                    .map(|c| c.rule.effect())
                    .filter(|e| *e != Effect::None)
                    .collect();
                let rule = match effects.iter().copied().collect::<Vec<_>>().as_slice() {
                    [] => return,
                    [Effect::Widens] => Rule::NotTypeNarrowed,
                    [Effect::Narrows] => Rule::NotTypeExtended,
                    _ => Rule::Unclassified,
                };
                self.push(rule, &p, ipath, Some(a), Some(b));
            }
            _ => {}
        }
    }
}
