//! Arrays: `items` and tuples, `contains` with its counts, and the comparison of one subschema.

#[allow(unused_imports)]
use super::*;

impl Differ<'_> {
    /// The content model of the positions after `prefixItems` of `m` (side 0: old, 1: new):
    /// unknown where `unevaluatedItems` gives it and `contains` or another subschema there
    /// (`allOf`, a conditional, …) may evaluate positions.
    pub(super) fn positions_model<'m>(&self, m: &'m Map<String, Value>, side: usize) -> Model<'m> {
        let set = if side == 0 {
            self.old_set
        } else {
            self.new_set
        };
        if !m.contains_key("items")
            && m.contains_key("unevaluatedItems")
            && (m.contains_key("contains") || in_place_evaluates(set, m)[1])
        {
            return Model::Unknown;
        }
        model(m, "items")
    }

    /// A keyword holding one subschema: added, removed, or compared.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn sub(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        child: Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
        key: &str,
        added: Rule,
        removed: Rule,
    ) {
        let p = ptr(path, key);
        match (o.get(key), n.get(key)) {
            (None, Some(v)) if !is_empty_schema(v) => self.push(added, &p, ipath, None, Some(v)),
            (Some(v), None) if !is_empty_schema(v) => self.push(removed, &p, ipath, Some(v), None),
            (Some(a), Some(b)) => self.schema(&p, child, a, b),
            _ => {}
        }
    }

    /// `contains`. Under `maxContains` a change of the subschema either way breaks: more
    /// matches can exceed the cap, fewer can fall short of `minContains` (1 by default).
    pub(super) fn contains(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
    ) {
        let capped = o.contains_key("maxContains") || n.contains_key("maxContains");
        if let (true, Some(a), Some(b)) = (capped, o.get("contains"), n.get("contains")) {
            if (a != b || has_ref(a))
                && self
                    .compare(a, b)
                    .iter()
                    .any(|c| c.rule.effect() != Effect::None)
            {
                let p = ptr(path, "contains");
                self.push(
                    Rule::ContainsChangedUnderMaxContains,
                    &p,
                    ipath,
                    Some(a),
                    Some(b),
                );
                return;
            }
        }
        // Even `contains: {}` asks for an element.
        let p = ptr(path, "contains");
        match (o.get("contains"), n.get("contains")) {
            (None, Some(v)) => self.push(Rule::ContainsAdded, &p, ipath, None, Some(v)),
            (Some(v), None) => self.push(Rule::ContainsRemoved, &p, ipath, Some(v), None),
            (Some(a), Some(b)) => self.schema(&p, None, a, b),
            (None, None) => {}
        }
    }

    pub(super) fn items(
        &mut self,
        path: &str,
        ipath: &Option<String>,
        o: &Map<String, Value>,
        n: &Map<String, Value>,
    ) {
        let empty = Vec::new();
        let a = o
            .get("prefixItems")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        let b = n
            .get("prefixItems")
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        let item = |i: usize| ipath.as_ref().map(|p| format!("{p}/{i}"));
        // Where only one side has `items`, the other side's `unevaluatedItems` (if any)
        // governs the same elements.
        let falls_back = |x: &Map<String, Value>, y: &Map<String, Value>| {
            x.contains_key("items")
                && !y.contains_key("items")
                && y.contains_key("unevaluatedItems")
        };
        if a.is_empty() && b.is_empty() && !falls_back(o, n) && !falls_back(n, o) {
            self.sub(
                path,
                ipath,
                ipath.as_ref().map(|p| format!("{p}/0")),
                o,
                n,
                "items",
                Rule::SchemaAdded,
                Rule::SchemaRemoved,
            );
            return;
        }
        let base = ptr(path, "prefixItems");
        for i in 0..a.len().max(b.len()) {
            let p = ptr(&base, i);
            match (a.get(i), b.get(i)) {
                (Some(x), Some(y)) => self.schema(&p, item(i), x, y),
                (None, Some(y)) => {
                    let rule = match self.positions_model(o, 0) {
                        Model::Open if is_empty_schema(y) => {
                            Rule::ItemWithEmptySchemaAddedToOpenContentModel
                        }
                        Model::Open => Rule::ItemAddedToOpenContentModel,
                        Model::Closed => Rule::ItemAddedToClosedContentModel,
                        Model::Partial(s) if self.accepts_all(y, s, true) => {
                            Rule::ItemAddedIsCoveredByPartiallyOpenContentModel
                        }
                        Model::Partial(_) => Rule::ItemAddedNotCoveredByPartiallyOpenContentModel,
                        Model::Unknown => Rule::Unclassified,
                    };
                    self.push(rule, &p, &item(i), None, Some(y));
                }
                (Some(x), None) => {
                    let rule = match self.positions_model(n, 1) {
                        Model::Open => Rule::ItemRemovedFromOpenContentModel,
                        Model::Closed if *x == Value::Bool(false) => {
                            Rule::ItemWithFalseRemovedFromClosedContentModel
                        }
                        Model::Closed => Rule::ItemRemovedFromClosedContentModel,
                        Model::Partial(s) if self.accepts_all(x, s, false) => {
                            Rule::ItemRemovedIsCoveredByPartiallyOpenContentModel
                        }
                        Model::Partial(_) => Rule::ItemRemovedNotCoveredByPartiallyOpenContentModel,
                        Model::Unknown => Rule::Unclassified,
                    };
                    self.push(rule, &p, &item(i), Some(x), None);
                }
                (None, None) => {}
            }
        }
        self.open_model(
            path,
            ipath,
            o,
            n,
            "items",
            [
                Rule::AdditionalItemsAdded,
                Rule::AdditionalItemsRemoved,
                Rule::AdditionalItemsExtended,
                Rule::AdditionalItemsNarrowed,
            ],
        );
    }
}
