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
        // Otherwise each keyword is a constraint of its own.
        for k in KINDS {
            match (o.get(k), n.get(k)) {
                (None, None) => {}
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
            self.push(Rule::Unclassified, &p, ipath, o.get(k), n.get(k));
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
