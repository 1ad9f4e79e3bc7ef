//! Objects: properties in open, closed and partially open content models, `required`, `dependentRequired`, keyed subschemas.

#[allow(unused_imports)]
use super::*;

impl Differ<'_> {
    /// The content model that applies to `name` where `m` (side 0: old, 1: new) does not
    /// declare it: `additionalProperties`, else the `unevaluatedProperties` of `m` or of an
    /// enclosing schema, unless another subschema at the same place evaluates the name.
    pub(super) fn name_model<'m>(
        &self,
        m: &'m Map<String, Value>,
        around: &'m Around,
        side: usize,
        name: &str,
    ) -> Model<'m> {
        if let Some(v) = m.get("additionalProperties") {
            return model_of(v);
        }
        let set = if side == 0 {
            self.old_set
        } else {
            self.new_set
        };
        let mut names = Names::default();
        in_place(set, m, true, &mut names, 0, None);
        let unevaluated = match (m.get("unevaluatedProperties"), &around.unevaluated[side]) {
            (Some(v), _) => v,
            (None, Some(v)) => {
                names.extend(&around.names[side]);
                v
            }
            (None, None) => return Model::Open,
        };
        names.model_for(name, model_of(unevaluated))
    }

    /// What applies beside member `index` of combinator `k` of `holder` (on `side`).
    pub(super) fn member_around(
        &self,
        holder: &Map<String, Value>,
        around: &Around,
        side: usize,
        k: &str,
        index: usize,
        into: &mut Around,
    ) {
        into.items[side] = judged(holder, around, side)[1];
        if holder.contains_key("additionalProperties") {
            // Every name is evaluated by the holder.
            return;
        }
        let set = if side == 0 {
            self.old_set
        } else {
            self.new_set
        };
        let mut names = Names::default();
        let unevaluated = match holder.get("unevaluatedProperties") {
            Some(v) => v.clone(),
            None => match &around.unevaluated[side] {
                Some(v) => {
                    names.extend(&around.names[side]);
                    v.clone()
                }
                None => return,
            },
        };
        names
            .sure
            .extend(object_at(holder, "properties").keys().cloned());
        in_place(set, holder, true, &mut names, 0, Some((k, index)));
        into.unevaluated[side] = Some(unevaluated);
        into.names[side] = names;
    }

    pub(super) fn properties(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        around: &Around,
    ) {
        let op = object_at(o, "properties");
        let np = object_at(n, "properties");
        let req = |m: &Map<String, Value>| -> BTreeSet<String> {
            m.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        let (oreq, nreq) = (req(o), req(n));
        let base = ptr(path, "properties");
        let child = |name: &str| ipath.as_ref().map(|p| ptr(p, name));
        // Removed properties whose rule already accounts for their leaving `required`.
        let mut absorbed = BTreeSet::new();
        for (name, os) in op {
            let p = ptr(&base, name);
            match np.get(name) {
                Some(ns) => self.schema(&p, child(name), os, ns),
                None => {
                    let dropped_required = oreq.contains(name) && !nreq.contains(name);
                    let rule = self.removed_property(o, n, around, name, os, dropped_required);
                    if rule != Rule::PropertyWithFalseRemovedFromClosedContentModel {
                        absorbed.insert(name.clone());
                    }
                    self.push(rule, &p, &child(name), Some(os), None);
                }
            }
        }
        for (name, ns) in np {
            if op.contains_key(name) {
                continue;
            }
            let p = ptr(&base, name);
            let required = nreq.contains(name);
            // A pattern of the old side governed the name; the same pattern still applies
            // beside the new property, which can then only narrow.
            match (patterns_for(o, name), patterns_for(n, name)) {
                (Some(old), _) if old.is_empty() => {}
                (Some(old), Some(new)) if old == new => {
                    let within = old.iter().all(|t| self.accepts_all(t, ns, false));
                    if !within || required {
                        self.push(
                            Rule::PropertyAddedNarrowsPartiallyOpenContentModel,
                            &p,
                            &child(name),
                            None,
                            Some(ns),
                        );
                    }
                    continue;
                }
                _ => {
                    self.push(Rule::Unclassified, &p, &child(name), None, Some(ns));
                    continue;
                }
            }
            let Some(rule) = self.added_property(path, ipath, o, around, (name, ns), required)
            else {
                continue;
            };
            if rule == Rule::RequiredAttributeAdded {
                self.push(
                    rule,
                    &ptr(path, "required"),
                    &child(name),
                    None,
                    Some(&Value::String(name.clone())),
                );
                continue;
            }
            self.push(rule, &p, &child(name), None, Some(ns));
        }
        let rp = ptr(path, "required");
        for name in nreq.difference(&oreq) {
            if op.contains_key(name) || !np.contains_key(name) {
                let rule = if np.get(name).and_then(|s| s.get("default")).is_some() {
                    Rule::RequiredAttributeWithDefaultAdded
                } else {
                    Rule::RequiredAttributeAdded
                };
                self.push(
                    rule,
                    &rp,
                    &child(name),
                    None,
                    Some(&Value::String(name.clone())),
                );
            }
        }
        for name in oreq.difference(&nreq) {
            if !absorbed.contains(name) {
                self.push(
                    Rule::RequiredAttributeRemoved,
                    &rp,
                    &child(name),
                    Some(&Value::String(name.clone())),
                    None,
                );
            }
        }
    }

    /// The rule for a property the new side no longer declares: what governs the name
    /// now (a pattern, or the content model), and whether it was required.
    fn removed_property(
        &mut self,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        around: &Around,
        name: &str,
        os: &Value,
        dropped_required: bool,
    ) -> Rule {
        // A `patternProperties` pattern of the new side governs the name: what
        // it accepts there (with the old side's patterns, which applied beside
        // the property too).
        let patterns = match (patterns_for(o, name), patterns_for(n, name)) {
            (_, Some(new)) if new.is_empty() => None,
            (Some(old), Some(new)) if old == new => {
                Some(Rule::PropertyRemovedIsCoveredByPartiallyOpenContentModel)
            }
            (_, Some(new)) => Some(match new.as_slice() {
                [t] if self.accepts_all(os, t, false) => {
                    Rule::PropertyRemovedIsCoveredByPartiallyOpenContentModel
                }
                _ => Rule::Unclassified,
            }),
            (_, None) => Some(Rule::Unclassified),
        };
        match patterns {
            Some(rule) => rule,
            None => match self.name_model(n, around, 1, name) {
                Model::Unknown => Rule::Unclassified,
                Model::Open => Rule::PropertyRemovedFromOpenContentModel,
                // Forbidden before and after; a `required` that made the old
                // object unsatisfiable is reported on its own.
                Model::Closed if *os == Value::Bool(false) => {
                    Rule::PropertyWithFalseRemovedFromClosedContentModel
                }
                Model::Closed if dropped_required => {
                    Rule::RequiredPropertyRemovedFromClosedContentModel
                }
                Model::Closed => Rule::PropertyRemovedFromClosedContentModel,
                Model::Partial(s) if self.accepts_all(os, s, false) => {
                    Rule::PropertyRemovedIsCoveredByPartiallyOpenContentModel
                }
                Model::Partial(_) => Rule::PropertyRemovedNotCoveredByPartiallyOpenContentModel,
            },
        }
    }

    /// The rule for a property the new side declares, against the old side's content
    /// model (`None`: the same values as before, nothing to report). A `required` beside
    /// a covered property is reported here too.
    fn added_property(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        around: &Around,
        (name, ns): (&str, &Value),
        required: bool,
    ) -> Option<Rule> {
        let with_default = ns.get("default").is_some();
        Some(match self.name_model(o, around, 0, name) {
            Model::Unknown => Rule::Unclassified,
            Model::Closed => match (required, with_default) {
                (true, false) => Rule::RequiredPropertyAddedToClosedContentModel,
                (true, true) => Rule::RequiredPropertyWithDefaultAddedToClosedContentModel,
                (false, _) => Rule::OptionalPropertyAddedToClosedContentModel,
            },
            Model::Open => match (required, with_default) {
                (true, false) => Rule::RequiredPropertyAddedToOpenContentModel,
                (true, true) => Rule::RequiredPropertyWithDefaultAddedToOpenContentModel,
                (false, _) if is_empty_schema(ns) => {
                    Rule::PropertyWithEmptySchemaAddedToOpenContentModel
                }
                (false, _) => Rule::OptionalPropertyAddedToOpenContentModel,
            },
            Model::Partial(s) => {
                // Compared both ways: the registry's "covered" is the old values
                // within the new property's (old data under the name still valid).
                let covers = self.accepts_all(s, ns, false);
                let within = self.accepts_all(ns, s, true);
                match (covers, within) {
                    // The same values: only `required` can change anything.
                    (true, true) if required => Rule::RequiredAttributeAdded,
                    (true, true) => return None,
                    (true, false) if required => {
                        self.push(
                            Rule::RequiredAttributeAdded,
                            &ptr(path, "required"),
                            &ipath.as_ref().map(|p| ptr(p, name)),
                            None,
                            Some(&Value::String(name.to_owned())),
                        );
                        Rule::PropertyAddedIsCoveredByPartiallyOpenContentModel
                    }
                    (true, false) => Rule::PropertyAddedIsCoveredByPartiallyOpenContentModel,
                    (false, true) => Rule::PropertyAddedNarrowsPartiallyOpenContentModel,
                    (false, false) => Rule::PropertyAddedNotCoveredByPartiallyOpenContentModel,
                }
            }
        })
    }

    /// `additionalProperties`-like keywords: open, closed (`false`) or a schema.
    pub(super) fn open_model(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        key: &str,
        rules: [Rule; 4],
    ) {
        let [added, removed, extended, narrowed] = rules;
        let p = ptr(path, key);
        // A side without `key` falls back to `unevaluatedProperties`/`unevaluatedItems` (see
        // `model`); without it on both sides, that keyword's own comparison decides.
        let fallback = match key {
            "additionalProperties" => Some("unevaluatedProperties"),
            "items" => Some("unevaluatedItems"),
            _ => None,
        };
        if fallback.is_some() && !o.contains_key(key) && !n.contains_key(key) {
            return;
        }
        let (a, b) = (governing(o, key, fallback), governing(n, key, fallback));
        // `unevaluatedProperties` leaves alone the names other subschemas evaluate there,
        // `additionalProperties` does not: one rule cannot say what the swap does to them.
        // The same for `items` and `unevaluatedItems`, which leaves alone the positions other
        // subschemas there evaluate, and those `contains` matches.
        if key == "items" {
            for (m, set) in [(o, self.old_set), (n, self.new_set)] {
                let falls_back = !m.contains_key(key) && m.contains_key("unevaluatedItems");
                if falls_back && (m.contains_key("contains") || in_place_evaluates(set, m)[1]) {
                    self.push(Rule::Unclassified, &p, ipath, o.get(key), n.get(key));
                    return;
                }
            }
        }
        if key == "additionalProperties" {
            for (m, set) in [(o, self.old_set), (n, self.new_set)] {
                let mut names = Names::default();
                in_place(set, m, true, &mut names, 0, None);
                let falls_back = !m.contains_key(key) && m.contains_key("unevaluatedProperties");
                if falls_back && !names.is_empty() {
                    self.push(Rule::Unclassified, &p, ipath, o.get(key), n.get(key));
                    return;
                }
            }
        }
        let state = |v: Option<&Value>| match v {
            None | Some(Value::Bool(true)) => 0,
            Some(Value::Bool(false)) => 1,
            Some(v) if is_empty_schema(v) => 0,
            Some(_) => 2,
        };
        let rule = match (state(a), state(b)) {
            (0, 0) | (1, 1) => return,
            (0, 1) | (2, 1) => narrowed,
            (1, 0) | (1, 2) => extended,
            (0, 2) => added,
            (2, 0) => removed,
            _ => {
                if let (Some(a), Some(b)) = (a, b) {
                    self.schema(&p, ipath.as_ref().map(|p| format!("{p}/*")), a, b);
                }
                return;
            }
        };
        self.push(rule, &p, ipath, a, b);
    }

    pub(super) fn dependent_required(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
    ) {
        let a = object_at(o, "dependentRequired");
        let b = object_at(n, "dependentRequired");
        let base = ptr(path, "dependentRequired");
        for (k, v) in a {
            match b.get(k) {
                None => self.push(
                    Rule::DependentRequiredRemoved,
                    &ptr(&base, k),
                    ipath,
                    Some(v),
                    None,
                ),
                Some(w) if w != v => {
                    let set = |x: &Value| -> BTreeSet<String> {
                        x.as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    };
                    let (sa, sb) = (set(v), set(w));
                    let rule = if sa.is_subset(&sb) {
                        Rule::DependentRequiredExtended
                    } else if sb.is_subset(&sa) {
                        Rule::DependentRequiredNarrowed
                    } else {
                        Rule::DependentRequiredChanged
                    };
                    self.push(rule, &ptr(&base, k), ipath, Some(v), Some(w));
                }
                _ => {}
            }
        }
        for (k, w) in b {
            if !a.contains_key(k) {
                self.push(
                    Rule::DependentRequiredAdded,
                    &ptr(&base, k),
                    ipath,
                    None,
                    Some(w),
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn keyed_schemas(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        key: &str,
        added: Rule,
        removed: Rule,
    ) {
        let a = object_at(o, key);
        let b = object_at(n, key);
        let base = ptr(path, key);
        for (k, v) in a {
            match b.get(k) {
                None => self.push(removed, &ptr(&base, k), ipath, Some(v), None),
                Some(w) => self.schema(&ptr(&base, k), ipath.clone(), v, w),
            }
        }
        for (k, w) in b {
            if !a.contains_key(k) {
                self.push(added, &ptr(&base, k), ipath, None, Some(w));
            }
        }
    }
}

/// The `patternProperties` schemas of `m` whose pattern matches `name`: `Some(empty)` when
/// none does (or `m` has none), `None` when a pattern cannot be compiled (then it is not
/// known which apply).
fn patterns_for(m: &Map<String, Value>, name: &str) -> Option<Vec<Value>> {
    let mut out = Vec::new();
    for (pattern, schema) in object_at(m, "patternProperties") {
        let re = regex_lite::Regex::new(pattern).ok()?;
        if re.is_match(name) {
            out.push(schema.clone());
        }
    }
    Some(out)
}
