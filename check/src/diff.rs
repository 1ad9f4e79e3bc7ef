//! Schema evolution: compare two versions of one event schema and classify every
//! difference with a named rule.
//!
//! Each rule has a fixed [`Effect`] on the set of documents the schema accepts: it widens
//! the set (new readers still read old data: backward compatible), narrows it (old readers
//! still read new data: forward compatible), leaves it alone (annotations), or breaks both.
//! Whether a change is allowed then follows from the compatibility [`Mode`]. The same
//! change can be a different rule in an open and a closed content model. What the engine
//! does not understand is [`Rule::Unclassified`] and fails closed.

use std::collections::{BTreeSet, HashSet};

use serde_json::{Map, Value};

use crate::validate::compose;
use events_codegen::schema::SchemaSet;

/// What a change does to the set of accepted documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    /// Accepts the same documents (annotations).
    None,
    /// Accepts more documents: backward compatible, forward breaking.
    Widens,
    /// Accepts fewer documents: forward compatible, backward breaking.
    Narrows,
    /// Neither a superset nor a subset: breaking both ways.
    Breaks,
}

impl Effect {
    /// Short label.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::None => "none",
            Effect::Widens => "widens",
            Effect::Narrows => "narrows",
            Effect::Breaks => "breaks",
        }
    }
}

/// A compatibility mode, as in Confluent Schema Registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// No checks.
    None,
    /// New readers read data of the previous version.
    Backward,
    /// Readers of the previous version read new data.
    Forward,
    /// Both.
    Full,
    /// Backward against every kept version.
    BackwardTransitive,
    /// Forward against every kept version.
    ForwardTransitive,
    /// Full against every kept version.
    FullTransitive,
}

impl Mode {
    /// All modes, by name.
    pub const ALL: [(&'static str, Mode); 7] = [
        ("none", Mode::None),
        ("backward", Mode::Backward),
        ("forward", Mode::Forward),
        ("full", Mode::Full),
        ("backward_transitive", Mode::BackwardTransitive),
        ("forward_transitive", Mode::ForwardTransitive),
        ("full_transitive", Mode::FullTransitive),
    ];

    /// Parses `backward`, `full_transitive`, … (case-insensitive, `-` or `_`).
    pub fn parse(s: &str) -> Option<Mode> {
        let s = s.to_ascii_lowercase().replace('-', "_");
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, m)| *m)
    }

    /// The name.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("none", |(n, _)| n)
    }

    /// Whether every kept version is checked, not only the previous one.
    pub fn transitive(self) -> bool {
        matches!(
            self,
            Mode::BackwardTransitive | Mode::ForwardTransitive | Mode::FullTransitive
        )
    }

    /// Whether a change with this effect is allowed.
    pub fn allows(self, effect: Effect) -> bool {
        match self {
            Mode::None => true,
            Mode::Backward | Mode::BackwardTransitive => {
                matches!(effect, Effect::None | Effect::Widens)
            }
            Mode::Forward | Mode::ForwardTransitive => {
                matches!(effect, Effect::None | Effect::Narrows)
            }
            Mode::Full | Mode::FullTransitive => effect == Effect::None,
        }
    }
}

macro_rules! rules {
    ($($variant:ident = $name:literal, $effect:ident, $doc:literal;)*) => {
        /// A named kind of difference between two schemas.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $(#[doc = $doc] $variant,)*
            /// A difference the engine cannot classify: review by hand (fails closed).
            Unclassified,
        }

        impl Rule {
            /// Every rule, in catalogue order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)* Rule::Unclassified];

            /// The stable name (kebab-case), used in reports and in accepted-break entries.
            pub fn name(self) -> &'static str {
                match self { $(Rule::$variant => $name,)* Rule::Unclassified => "unclassified" }
            }

            /// What the change does to the accepted documents. `Unclassified` counts as breaking.
            pub fn effect(self) -> Effect {
                match self { $(Rule::$variant => Effect::$effect,)* Rule::Unclassified => Effect::Breaks }
            }

            /// One line on the rule.
            pub fn description(self) -> &'static str {
                match self { $(Rule::$variant => $doc,)* Rule::Unclassified => "a difference the checker cannot classify: review by hand" }
            }

            /// Looks a rule up by name.
            pub fn from_name(name: &str) -> Option<Rule> {
                Self::ALL.iter().copied().find(|r| r.name() == name)
            }
        }
    };
}

rules! {
    DescriptionChanged = "description-changed", None, "`description` changed";
    TitleChanged = "title-changed", None, "`title` changed";
    DefaultChanged = "default-changed", None, "`default` changed (an annotation: validation ignores it)";
    ExamplesChanged = "examples-changed", None, "`examples` changed";
    CommentChanged = "comment-changed", None, "`$comment` changed";
    DeprecatedChanged = "deprecated-changed", None, "`deprecated` changed";
    ReadOnlyChanged = "read-only-changed", None, "`readOnly` or `writeOnly` changed";
    SchemaAdded = "schema-added", Narrows, "a subschema appeared where anything was accepted";
    SchemaRemoved = "schema-removed", Widens, "a subschema was removed, so anything is accepted there";
    TypeExtended = "type-extended", Widens, "more JSON types accepted (e.g. integer → number, T → T or null)";
    TypeNarrowed = "type-narrowed", Narrows, "fewer JSON types accepted (e.g. number → integer)";
    TypeChanged = "type-changed", Breaks, "the JSON type changed to an unrelated one";
    MaxLengthAdded = "max-length-added", Narrows, "`maxLength` added";
    MaxLengthRemoved = "max-length-removed", Widens, "`maxLength` removed";
    MaxLengthIncreased = "max-length-increased", Widens, "`maxLength` increased";
    MaxLengthDecreased = "max-length-decreased", Narrows, "`maxLength` decreased";
    MinLengthAdded = "min-length-added", Narrows, "`minLength` added";
    MinLengthRemoved = "min-length-removed", Widens, "`minLength` removed";
    MinLengthIncreased = "min-length-increased", Narrows, "`minLength` increased";
    MinLengthDecreased = "min-length-decreased", Widens, "`minLength` decreased";
    PatternAdded = "pattern-added", Narrows, "`pattern` added";
    PatternRemoved = "pattern-removed", Widens, "`pattern` removed";
    PatternChanged = "pattern-changed", Breaks, "`pattern` changed";
    FormatAdded = "format-added", Narrows, "`format` added (asserted by the validator)";
    FormatRemoved = "format-removed", Widens, "`format` removed";
    FormatChanged = "format-changed", Breaks, "`format` changed";
    ContentChanged = "content-changed", Breaks, "`contentEncoding`, `contentMediaType` or `contentSchema` changed";
    EncodingChanged = "encoding-changed", Breaks, "`x-encoding` changed: the value's wire form differs";
    MaximumAdded = "maximum-added", Narrows, "`maximum` added";
    MaximumRemoved = "maximum-removed", Widens, "`maximum` removed";
    MaximumIncreased = "maximum-increased", Widens, "`maximum` increased";
    MaximumDecreased = "maximum-decreased", Narrows, "`maximum` decreased";
    MinimumAdded = "minimum-added", Narrows, "`minimum` added";
    MinimumRemoved = "minimum-removed", Widens, "`minimum` removed";
    MinimumIncreased = "minimum-increased", Narrows, "`minimum` increased";
    MinimumDecreased = "minimum-decreased", Widens, "`minimum` decreased";
    ExclusiveMaximumAdded = "exclusive-maximum-added", Narrows, "`exclusiveMaximum` added";
    ExclusiveMaximumRemoved = "exclusive-maximum-removed", Widens, "`exclusiveMaximum` removed";
    ExclusiveMaximumIncreased = "exclusive-maximum-increased", Widens, "`exclusiveMaximum` increased";
    ExclusiveMaximumDecreased = "exclusive-maximum-decreased", Narrows, "`exclusiveMaximum` decreased";
    ExclusiveMinimumAdded = "exclusive-minimum-added", Narrows, "`exclusiveMinimum` added";
    ExclusiveMinimumRemoved = "exclusive-minimum-removed", Widens, "`exclusiveMinimum` removed";
    ExclusiveMinimumIncreased = "exclusive-minimum-increased", Narrows, "`exclusiveMinimum` increased";
    ExclusiveMinimumDecreased = "exclusive-minimum-decreased", Widens, "`exclusiveMinimum` decreased";
    MultipleOfAdded = "multiple-of-added", Narrows, "`multipleOf` added";
    MultipleOfRemoved = "multiple-of-removed", Widens, "`multipleOf` removed";
    MultipleOfExpanded = "multiple-of-expanded", Narrows, "`multipleOf` became a multiple of the old value";
    MultipleOfReduced = "multiple-of-reduced", Widens, "`multipleOf` became a divisor of the old value";
    MultipleOfChanged = "multiple-of-changed", Breaks, "`multipleOf` changed to an unrelated value";
    RequiredAttributeAdded = "required-added", Narrows, "an existing property became required";
    RequiredAttributeWithDefaultAdded = "required-with-default-added", Narrows, "an existing property with a `default` became required (validation ignores the default)";
    RequiredAttributeRemoved = "required-removed", Widens, "a property is no longer required";
    MaxPropertiesAdded = "max-properties-added", Narrows, "`maxProperties` added";
    MaxPropertiesRemoved = "max-properties-removed", Widens, "`maxProperties` removed";
    MaxPropertiesIncreased = "max-properties-increased", Widens, "`maxProperties` increased";
    MaxPropertiesDecreased = "max-properties-decreased", Narrows, "`maxProperties` decreased";
    MinPropertiesAdded = "min-properties-added", Narrows, "`minProperties` added";
    MinPropertiesRemoved = "min-properties-removed", Widens, "`minProperties` removed";
    MinPropertiesIncreased = "min-properties-increased", Narrows, "`minProperties` increased";
    MinPropertiesDecreased = "min-properties-decreased", Widens, "`minProperties` decreased";
    AdditionalPropertiesAdded = "additional-properties-added", Narrows, "an open object now limits extra properties to a schema";
    AdditionalPropertiesRemoved = "additional-properties-removed", Widens, "an object that limited extra properties to a schema is open again";
    AdditionalPropertiesExtended = "additional-properties-extended", Widens, "a closed object now allows extra properties";
    AdditionalPropertiesNarrowed = "additional-properties-narrowed", Narrows, "an object that allowed extra properties is closed";
    UnevaluatedPropertiesAdded = "unevaluated-properties-added", Narrows, "`unevaluatedProperties` limits an open object";
    UnevaluatedPropertiesRemoved = "unevaluated-properties-removed", Widens, "`unevaluatedProperties` removed";
    UnevaluatedPropertiesExtended = "unevaluated-properties-extended", Widens, "`unevaluatedProperties: false` relaxed";
    UnevaluatedPropertiesNarrowed = "unevaluated-properties-narrowed", Narrows, "`unevaluatedProperties` tightened to `false`";
    DependentRequiredAdded = "dependent-required-added", Narrows, "a `dependentRequired` entry added";
    DependentRequiredRemoved = "dependent-required-removed", Widens, "a `dependentRequired` entry removed";
    DependentRequiredExtended = "dependent-required-extended", Narrows, "a `dependentRequired` entry requires more properties";
    DependentRequiredNarrowed = "dependent-required-narrowed", Widens, "a `dependentRequired` entry requires fewer properties";
    DependentRequiredChanged = "dependent-required-changed", Breaks, "a `dependentRequired` entry requires other properties";
    DependentSchemaAdded = "dependent-schema-added", Narrows, "a `dependentSchemas` entry added";
    DependentSchemaRemoved = "dependent-schema-removed", Widens, "a `dependentSchemas` entry removed";
    PropertyNamesAdded = "property-names-added", Narrows, "`propertyNames` added";
    PropertyNamesRemoved = "property-names-removed", Widens, "`propertyNames` removed";
    RequiredPropertyAddedToOpenContentModel = "required-property-added-to-open-content-model", Narrows, "a required property added to an open object";
    RequiredPropertyWithDefaultAddedToOpenContentModel = "required-property-with-default-added-to-open-content-model", Narrows, "a required property with a default added to an open object";
    OptionalPropertyAddedToOpenContentModel = "optional-property-added-to-open-content-model", Narrows, "an optional property added to an open object: old data may carry that name with another type";
    PropertyWithEmptySchemaAddedToOpenContentModel = "property-with-empty-schema-added-to-open-content-model", None, "a property accepting anything added to an open object";
    RequiredPropertyAddedToClosedContentModel = "required-property-added-to-closed-content-model", Breaks, "a required property added to a closed object";
    RequiredPropertyWithDefaultAddedToClosedContentModel = "required-property-with-default-added-to-closed-content-model", Breaks, "a required property with a default added to a closed object";
    OptionalPropertyAddedToClosedContentModel = "optional-property-added-to-closed-content-model", Widens, "an optional property added to a closed object";
    PropertyRemovedFromOpenContentModel = "property-removed-from-open-content-model", Widens, "a property removed from an open object: any value is accepted under its name";
    PropertyWithFalseRemovedFromClosedContentModel = "property-with-false-removed-from-closed-content-model", None, "a forbidden (`false`) property removed from a closed object";
    PropertyRemovedFromClosedContentModel = "property-removed-from-closed-content-model", Narrows, "an optional property removed from a closed object: data carrying it is rejected";
    RequiredPropertyRemovedFromClosedContentModel = "required-property-removed-from-closed-content-model", Breaks, "a required property removed from a closed object: old data carries it, which the new schema rejects, and new data lacks it, which old readers reject";
    PropertyRemovedIsCoveredByPartiallyOpenContentModel = "property-removed-is-covered-by-partially-open-content-model", Widens, "a property removed; `additionalProperties` still accepts its values";
    PropertyRemovedNotCoveredByPartiallyOpenContentModel = "property-removed-not-covered-by-partially-open-content-model", Breaks, "a property removed; `additionalProperties` rejects some of its values";
    PropertyAddedIsCoveredByPartiallyOpenContentModel = "property-added-is-covered-by-partially-open-content-model", Narrows, "a property added whose values `additionalProperties` accepted before";
    PropertyAddedNotCoveredByPartiallyOpenContentModel = "property-added-not-covered-by-partially-open-content-model", Breaks, "a property added whose values `additionalProperties` rejected before";
    MaxItemsAdded = "max-items-added", Narrows, "`maxItems` added";
    MaxItemsRemoved = "max-items-removed", Widens, "`maxItems` removed";
    MaxItemsIncreased = "max-items-increased", Widens, "`maxItems` increased";
    MaxItemsDecreased = "max-items-decreased", Narrows, "`maxItems` decreased";
    MinItemsAdded = "min-items-added", Narrows, "`minItems` added";
    MinItemsRemoved = "min-items-removed", Widens, "`minItems` removed";
    MinItemsIncreased = "min-items-increased", Narrows, "`minItems` increased";
    MinItemsDecreased = "min-items-decreased", Widens, "`minItems` decreased";
    MaxContainsAdded = "max-contains-added", Narrows, "`maxContains` added";
    MaxContainsRemoved = "max-contains-removed", Widens, "`maxContains` removed";
    MaxContainsIncreased = "max-contains-increased", Widens, "`maxContains` increased";
    MaxContainsDecreased = "max-contains-decreased", Narrows, "`maxContains` decreased";
    MinContainsAdded = "min-contains-added", Narrows, "`minContains` above 1 added (without it, `contains` needs one match; 0 is `min-contains-decreased`)";
    MinContainsRemoved = "min-contains-removed", Widens, "`minContains` above 1 removed (0 removed is `min-contains-increased`)";
    MinContainsIncreased = "min-contains-increased", Narrows, "`minContains` increased";
    MinContainsDecreased = "min-contains-decreased", Widens, "`minContains` decreased";
    ContainsAdded = "contains-added", Narrows, "`contains` added";
    ContainsRemoved = "contains-removed", Widens, "`contains` removed";
    ContainsChangedUnderMaxContains = "contains-changed-under-max-contains", Breaks, "the `contains` subschema changed under `maxContains`: more matches can exceed the cap, fewer can fall short of `minContains`";
    UniqueItemsAdded = "unique-items-added", Narrows, "`uniqueItems` turned on";
    UniqueItemsRemoved = "unique-items-removed", Widens, "`uniqueItems` turned off";
    AdditionalItemsAdded = "additional-items-added", Narrows, "items after the tuple now limited to a schema";
    AdditionalItemsRemoved = "additional-items-removed", Widens, "items after the tuple no longer limited";
    AdditionalItemsExtended = "additional-items-extended", Widens, "items after the tuple allowed again";
    AdditionalItemsNarrowed = "additional-items-narrowed", Narrows, "items after the tuple forbidden";
    UnevaluatedItemsAdded = "unevaluated-items-added", Narrows, "`unevaluatedItems` added";
    UnevaluatedItemsRemoved = "unevaluated-items-removed", Widens, "`unevaluatedItems` removed";
    UnevaluatedItemsExtended = "unevaluated-items-extended", Widens, "`unevaluatedItems: false` relaxed";
    UnevaluatedItemsNarrowed = "unevaluated-items-narrowed", Narrows, "`unevaluatedItems` tightened to `false`";
    ItemAddedToOpenContentModel = "item-added-to-open-content-model", Narrows, "a tuple position added where extra items were open";
    ItemWithEmptySchemaAddedToOpenContentModel = "item-with-empty-schema-added-to-open-content-model", None, "a tuple position accepting anything added";
    ItemAddedToClosedContentModel = "item-added-to-closed-content-model", Widens, "a tuple position added where extra items were forbidden";
    ItemRemovedFromOpenContentModel = "item-removed-from-open-content-model", Widens, "a tuple position removed; extra items are open";
    ItemWithFalseRemovedFromClosedContentModel = "item-with-false-removed-from-closed-content-model", None, "a forbidden tuple position removed";
    ItemRemovedFromClosedContentModel = "item-removed-from-closed-content-model", Narrows, "a tuple position removed; extra items are forbidden";
    ItemRemovedIsCoveredByPartiallyOpenContentModel = "item-removed-is-covered-by-partially-open-content-model", Widens, "a tuple position removed; the extra-items schema accepts its values";
    ItemRemovedNotCoveredByPartiallyOpenContentModel = "item-removed-not-covered-by-partially-open-content-model", Breaks, "a tuple position removed; the extra-items schema rejects some of its values";
    ItemAddedIsCoveredByPartiallyOpenContentModel = "item-added-is-covered-by-partially-open-content-model", Narrows, "a tuple position added within what extra items accepted";
    ItemAddedNotCoveredByPartiallyOpenContentModel = "item-added-not-covered-by-partially-open-content-model", Breaks, "a tuple position added outside what extra items accepted";
    EnumAdded = "enum-added", Narrows, "`enum` added";
    EnumRemoved = "enum-removed", Widens, "`enum` removed";
    EnumExtended = "enum-extended", Widens, "enum values added";
    EnumNarrowed = "enum-narrowed", Narrows, "enum values removed";
    EnumChanged = "enum-changed", Breaks, "enum values both added and removed";
    ConstAdded = "const-added", Narrows, "`const` added";
    ConstRemoved = "const-removed", Widens, "`const` removed";
    ConstChanged = "const-changed", Breaks, "`const` changed";
    CombinedTypeAdded = "combined-type-added", Narrows, "`allOf`/`anyOf`/`oneOf` added";
    CombinedTypeRemoved = "combined-type-removed", Widens, "`allOf`/`anyOf`/`oneOf` removed";
    CombinedTypeExtended = "combined-type-extended", Widens, "`oneOf` became `anyOf`";
    CombinedTypeChanged = "combined-type-changed", Breaks, "the combinator changed (e.g. `anyOf` → `allOf`)";
    ProductTypeExtended = "product-type-extended", Narrows, "`allOf` has more members";
    ProductTypeNarrowed = "product-type-narrowed", Widens, "`allOf` has fewer members";
    SumTypeExtended = "sum-type-extended", Widens, "`anyOf`/`oneOf` has more members";
    SumTypeNarrowed = "sum-type-narrowed", Narrows, "`anyOf`/`oneOf` has fewer members";
    OneOfMembersNotDisjoint = "one-of-members-not-disjoint", Breaks, "`oneOf` members changed that the engine cannot show to be disjoint from the others: a document may come to match two members (rejected) or stop matching a second one (accepted)";
    NotTypeAdded = "not-type-added", Narrows, "`not` added";
    NotTypeRemoved = "not-type-removed", Widens, "`not` removed";
    NotTypeExtended = "not-type-extended", Widens, "the `not` subschema narrowed, so more is accepted";
    NotTypeNarrowed = "not-type-narrowed", Narrows, "the `not` subschema widened, so less is accepted";
    ConditionalAdded = "conditional-added", Narrows, "`if`/`then`/`else` added";
    ConditionalRemoved = "conditional-removed", Widens, "`if`/`then`/`else` removed";
}

/// One classified difference.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The rule.
    pub rule: Rule,
    /// JSON pointer into the (composed) schema.
    pub path: String,
    /// JSON pointer of the affected place in documents, when there is one.
    pub instance_path: Option<String>,
    /// Value in the old schema (keyword value or subschema), if any.
    pub old: Option<Value>,
    /// Value in the new schema, if any.
    pub new: Option<Value>,
}

/// Compares the whole-document schemas of one event in two schema sets.
pub fn diff_event(
    old: &SchemaSet,
    old_rel: &str,
    new: &SchemaSet,
    new_rel: &str,
    event_type: &str,
) -> Vec<Change> {
    let o = compose(old, old_rel, event_type);
    let n = compose(new, new_rel, event_type);
    diff_schemas(old, &o, new, &n)
}

/// Compares two schemas whose `$ref`s resolve in `old_set` and `new_set`.
pub fn diff_schemas(
    old_set: &SchemaSet,
    old: &Value,
    new_set: &SchemaSet,
    new: &Value,
) -> Vec<Change> {
    let mut d = Differ {
        old_set,
        new_set,
        seen: HashSet::new(),
        around: Around::default(),
        out: Vec::new(),
    };
    d.schema("", Some(String::new()), old, new);
    d.out
}

struct Differ<'a> {
    old_set: &'a SchemaSet,
    new_set: &'a SchemaSet,
    /// `$ref` pairs compared, with what applied beside them (recursive schemas end there).
    seen: HashSet<(String, String, String)>,
    /// What applies beside the next schema compared, at the same place in the document
    /// (set for `allOf`/`anyOf`/`oneOf` members, taken by [`Differ::schema`]).
    around: Around,
    out: Vec<Change>,
}

const ANNOTATIONS: &[(&str, Rule)] = &[
    ("description", Rule::DescriptionChanged),
    ("title", Rule::TitleChanged),
    ("default", Rule::DefaultChanged),
    ("examples", Rule::ExamplesChanged),
    ("$comment", Rule::CommentChanged),
    ("deprecated", Rule::DeprecatedChanged),
    ("readOnly", Rule::ReadOnlyChanged),
    ("writeOnly", Rule::ReadOnlyChanged),
];

/// (keyword, added, removed, increased, decreased)
const BOUNDS: &[(&str, Rule, Rule, Rule, Rule)] = &[
    (
        "maxLength",
        Rule::MaxLengthAdded,
        Rule::MaxLengthRemoved,
        Rule::MaxLengthIncreased,
        Rule::MaxLengthDecreased,
    ),
    (
        "minLength",
        Rule::MinLengthAdded,
        Rule::MinLengthRemoved,
        Rule::MinLengthIncreased,
        Rule::MinLengthDecreased,
    ),
    (
        "maximum",
        Rule::MaximumAdded,
        Rule::MaximumRemoved,
        Rule::MaximumIncreased,
        Rule::MaximumDecreased,
    ),
    (
        "minimum",
        Rule::MinimumAdded,
        Rule::MinimumRemoved,
        Rule::MinimumIncreased,
        Rule::MinimumDecreased,
    ),
    (
        "exclusiveMaximum",
        Rule::ExclusiveMaximumAdded,
        Rule::ExclusiveMaximumRemoved,
        Rule::ExclusiveMaximumIncreased,
        Rule::ExclusiveMaximumDecreased,
    ),
    (
        "exclusiveMinimum",
        Rule::ExclusiveMinimumAdded,
        Rule::ExclusiveMinimumRemoved,
        Rule::ExclusiveMinimumIncreased,
        Rule::ExclusiveMinimumDecreased,
    ),
    (
        "maxProperties",
        Rule::MaxPropertiesAdded,
        Rule::MaxPropertiesRemoved,
        Rule::MaxPropertiesIncreased,
        Rule::MaxPropertiesDecreased,
    ),
    (
        "minProperties",
        Rule::MinPropertiesAdded,
        Rule::MinPropertiesRemoved,
        Rule::MinPropertiesIncreased,
        Rule::MinPropertiesDecreased,
    ),
    (
        "maxItems",
        Rule::MaxItemsAdded,
        Rule::MaxItemsRemoved,
        Rule::MaxItemsIncreased,
        Rule::MaxItemsDecreased,
    ),
    (
        "minItems",
        Rule::MinItemsAdded,
        Rule::MinItemsRemoved,
        Rule::MinItemsIncreased,
        Rule::MinItemsDecreased,
    ),
    (
        "maxContains",
        Rule::MaxContainsAdded,
        Rule::MaxContainsRemoved,
        Rule::MaxContainsIncreased,
        Rule::MaxContainsDecreased,
    ),
    (
        "minContains",
        Rule::MinContainsAdded,
        Rule::MinContainsRemoved,
        Rule::MinContainsIncreased,
        Rule::MinContainsDecreased,
    ),
];

/// (keyword, added, removed, changed)
const SIMPLE: &[(&str, Rule, Rule, Rule)] = &[
    (
        "pattern",
        Rule::PatternAdded,
        Rule::PatternRemoved,
        Rule::PatternChanged,
    ),
    (
        "format",
        Rule::FormatAdded,
        Rule::FormatRemoved,
        Rule::FormatChanged,
    ),
    (
        "const",
        Rule::ConstAdded,
        Rule::ConstRemoved,
        Rule::ConstChanged,
    ),
];

/// Keywords this module compares; a difference in any other keyword is unclassified.
const HANDLED: &[&str] = &[
    "$schema",
    "$ref",
    "$defs",
    "definitions",
    "type",
    "enum",
    "const",
    "pattern",
    "format",
    "maxLength",
    "minLength",
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "multipleOf",
    "maxProperties",
    "minProperties",
    "maxItems",
    "minItems",
    "maxContains",
    "minContains",
    "properties",
    "required",
    "additionalProperties",
    "unevaluatedProperties",
    "dependentRequired",
    "dependentSchemas",
    "propertyNames",
    "items",
    "prefixItems",
    "contains",
    "uniqueItems",
    "unevaluatedItems",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "x-encoding",
    "x-event",
    "x-envelope",
];

const TYPES: &[&str] = &[
    "null", "boolean", "object", "array", "number", "integer", "string",
];

fn type_set(m: &Map<String, Value>) -> Option<BTreeSet<&str>> {
    match m.get("type")? {
        Value::String(t) => Some(std::iter::once(t.as_str()).collect()),
        Value::Array(ts) => Some(ts.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

fn covers(set: &BTreeSet<&str>, t: &str) -> bool {
    set.contains(t) || (t == "integer" && set.contains("number"))
}

fn subset(a: &BTreeSet<&str>, b: &BTreeSet<&str>) -> bool {
    a.iter().all(|t| covers(b, t))
}

/// What a schema (with its `allOf` members and `$ref` targets) plainly requires, for telling
/// `oneOf` members apart.
#[derive(Default)]
struct Facts {
    /// `false` somewhere: nothing matches.
    never: bool,
    /// The JSON types allowed (`None`: any).
    types: Option<BTreeSet<&'static str>>,
    /// The values allowed by `const`/`enum` (`None`: any).
    values: Option<Vec<Value>>,
    required: BTreeSet<String>,
    /// Property subschemas, possibly several per name.
    props: Vec<(String, Value)>,
}

/// The JSON type of a value, integers (also `1.0`) apart from other numbers.
fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// JSON Schema equality: numbers by value.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn types_meet(a: &BTreeSet<&'static str>, b: &BTreeSet<&'static str>) -> BTreeSet<&'static str> {
    a.iter()
        .filter(|t| covers(b, t))
        .chain(b.iter().filter(|t| covers(a, t)))
        .copied()
        .collect()
}

impl Facts {
    fn of(set: &SchemaSet, v: &Value) -> Facts {
        let mut f = Facts::default();
        f.add(set, v, 0);
        if let Some(values) = &f.values {
            let types: BTreeSet<&'static str> = values.iter().map(type_of).collect();
            f.types = Some(match &f.types {
                Some(t) => types_meet(t, &types),
                None => types,
            });
        }
        f
    }

    fn add(&mut self, set: &SchemaSet, v: &Value, depth: usize) {
        let m = match v {
            Value::Bool(false) => {
                self.never = true;
                return;
            }
            Value::Object(m) if depth < 16 => m,
            _ => return,
        };
        if let Some(t) = m
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|u| set.target(u))
        {
            self.add(set, t, depth + 1);
        }
        if let Some(types) = type_set(m) {
            let types: BTreeSet<&'static str> = TYPES
                .iter()
                .copied()
                .filter(|t| types.contains(t))
                .collect();
            self.types = Some(match &self.types {
                Some(t) => types_meet(t, &types),
                None => types,
            });
        }
        let allowed: Option<Vec<Value>> = match (m.get("const"), m.get("enum")) {
            (Some(c), _) => Some(vec![c.clone()]),
            (None, Some(Value::Array(e))) => Some(e.clone()),
            _ => None,
        };
        if let Some(allowed) = allowed {
            self.values = Some(match self.values.take() {
                Some(old) => old
                    .into_iter()
                    .filter(|x| allowed.iter().any(|y| same_value(x, y)))
                    .collect(),
                None => allowed,
            });
        }
        self.required.extend(
            m.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned),
        );
        for (name, s) in object_at(m, "properties") {
            self.props.push((name.clone(), s.clone()));
        }
        for member in m
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.add(set, member, depth + 1);
        }
    }

    fn allows_type(&self, v: &Value) -> bool {
        self.types.as_ref().is_none_or(|t| covers(t, type_of(v)))
    }

    fn only_objects(&self) -> bool {
        self.types
            .as_ref()
            .is_some_and(|t| t.iter().all(|t| *t == "object"))
    }
}

/// Whether no document matches both `a` (resolved in `sa`) and `b` (in `sb`), as far as the
/// JSON types, `const`/`enum` values, or a property both constrain to disjoint schemas (where
/// one of them requires it and one admits only objects) tell.
fn disjoint(sa: &SchemaSet, a: &Value, sb: &SchemaSet, b: &Value, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    let (fa, fb) = (Facts::of(sa, a), Facts::of(sb, b));
    if fa.never || fb.never {
        return true;
    }
    if let (Some(ta), Some(tb)) = (&fa.types, &fb.types) {
        if types_meet(ta, tb).is_empty() {
            return true;
        }
    }
    if let Some(va) = &fa.values {
        if va.iter().all(|x| {
            !fb.allows_type(x)
                || fb
                    .values
                    .as_ref()
                    .is_some_and(|vb| !vb.iter().any(|y| same_value(x, y)))
        }) {
            return true;
        }
    }
    if let Some(vb) = &fb.values {
        if vb.iter().all(|y| !fa.allows_type(y)) {
            return true;
        }
    }
    if fa.only_objects() || fb.only_objects() {
        for (name, pa) in &fa.props {
            let required = fa.required.contains(name) || fb.required.contains(name);
            if required
                && fb
                    .props
                    .iter()
                    .any(|(nb, pb)| nb == name && disjoint(sa, pa, sb, pb, depth + 1))
            {
                return true;
            }
        }
    }
    false
}

/// Whether `v` has a `$ref` and, beside it, a keyword that validates (not an annotation, not an
/// `x-` keyword but `x-encoding`).
fn has_live_siblings(v: &Value) -> bool {
    v.as_object().is_some_and(|m| {
        m.contains_key("$ref")
            && m.keys().any(|k| {
                k != "$ref"
                    && !ANNOTATIONS.iter().any(|(a, _)| a == k)
                    && !(k.starts_with("x-") && k != "x-encoding")
            })
    })
}

/// `{"$ref": r, …}` as `{"allOf": [{"$ref": r}, …], …}`: the same schema.
fn ref_as_all_of(v: &Value) -> Value {
    let Some(m) = v.as_object().filter(|m| m.contains_key("$ref")) else {
        return v.clone();
    };
    let mut m = m.clone();
    let mut members = vec![Value::Object(m.remove_entry("$ref").into_iter().collect())];
    if let Some(Value::Array(rest)) = m.remove("allOf") {
        members.extend(rest);
    }
    m.insert("allOf".into(), Value::Array(members));
    Value::Object(m)
}

fn has_ref(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.contains_key("$ref") || m.values().any(has_ref),
        Value::Array(a) => a.iter().any(has_ref),
        _ => false,
    }
}

fn is_empty_schema(v: &Value) -> bool {
    match v {
        Value::Bool(true) => true,
        Value::Object(m) => m.keys().all(|k| ANNOTATIONS.iter().any(|(a, _)| a == k)),
        _ => false,
    }
}

/// Open (anything extra allowed), closed (`false`), partially open (a schema), or unknown
/// (another subschema may or may not evaluate the name).
enum Model<'a> {
    Open,
    Closed,
    Partial(&'a Value),
    Unknown,
}

fn model_of(v: &Value) -> Model<'_> {
    match v {
        Value::Bool(true) => Model::Open,
        Value::Bool(false) => Model::Closed,
        v if is_empty_schema(v) => Model::Open,
        v => Model::Partial(v),
    }
}

/// The property names subschemas at one place in the document evaluate: surely (`properties`
/// of the schema and of its `allOf` members) or maybe (through `anyOf`, `oneOf`,
/// `dependentSchemas` or a conditional); `all_*`: every name, through `additionalProperties` or
/// `unevaluatedProperties` of such a subschema.
#[derive(Clone, Default, Debug)]
struct Names {
    sure: BTreeSet<String>,
    maybe: BTreeSet<String>,
    all_sure: bool,
    all_maybe: bool,
}

impl Names {
    fn extend(&mut self, other: &Names) {
        self.sure.extend(other.sure.iter().cloned());
        self.maybe.extend(other.maybe.iter().cloned());
        self.all_sure |= other.all_sure;
        self.all_maybe |= other.all_maybe;
    }

    fn is_empty(&self) -> bool {
        self.sure.is_empty() && self.maybe.is_empty() && !self.all_sure && !self.all_maybe
    }

    /// Open where `name` is surely evaluated, unknown where maybe, else `model`.
    fn model_for<'m>(&self, name: &str, model: Model<'m>) -> Model<'m> {
        if self.all_sure || self.sure.contains(name) {
            Model::Open
        } else if self.all_maybe || self.maybe.contains(name) {
            Model::Unknown
        } else {
            model
        }
    }
}

/// What applies beside a subschema at the same place in the document: the
/// `unevaluatedProperties` of an enclosing schema, for names nothing there evaluates, and the
/// names other subschemas there evaluate. Index 0 is the old side, 1 the new one.
#[derive(Clone, Default)]
struct Around {
    unevaluated: [Option<Value>; 2],
    names: [Names; 2],
}

impl Around {
    /// Tells contexts apart (a `$ref` pair compared in one is compared again in another).
    fn key(&self) -> String {
        if self.unevaluated.iter().all(Option::is_none) {
            return String::new();
        }
        format!(
            "{:?}",
            (
                self.unevaluated
                    .each_ref()
                    .map(|u| u.as_ref().map(Value::to_string)),
                &self.names
            )
        )
    }
}

/// Adds the property names `v` declares, with its `$ref` targets and in-place subschemas.
fn declared(set: &SchemaSet, v: &Value, sure: bool, names: &mut Names, depth: usize) {
    let Value::Object(m) = v else { return };
    if depth > 16 {
        return;
    }
    let declares = object_at(m, "properties").keys().cloned();
    let all = m.contains_key("additionalProperties") || m.contains_key("unevaluatedProperties");
    if sure {
        names.sure.extend(declares);
        names.all_sure |= all;
    } else {
        names.maybe.extend(declares);
        names.all_maybe |= all;
    }
    if let Some(t) = m
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|u| set.target(u))
    {
        declared(set, t, sure, names, depth + 1);
    }
    in_place(set, m, sure, names, depth, None);
}

/// [`declared`] for the in-place subschemas of `m`, but `skip` (a combinator and an index).
fn in_place(
    set: &SchemaSet,
    m: &Map<String, Value>,
    sure: bool,
    names: &mut Names,
    depth: usize,
    skip: Option<(&str, usize)>,
) {
    for (k, always) in [("allOf", true), ("anyOf", false), ("oneOf", false)] {
        let members = m.get(k).and_then(Value::as_array).into_iter().flatten();
        for (i, member) in members.enumerate() {
            if skip != Some((k, i)) {
                declared(set, member, sure && always, names, depth + 1);
            }
        }
    }
    for v in object_at(m, "dependentSchemas").values() {
        declared(set, v, false, names, depth + 1);
    }
    for k in ["if", "then", "else"] {
        if let Some(v) = m.get(k) {
            declared(set, v, false, names, depth + 1);
        }
    }
}

/// The content model `key` (`additionalProperties` or `items`) gives the names or positions
/// the schema does not declare. Without `key`, `unevaluatedProperties` or `unevaluatedItems`
/// decides; with it (even `true`), every such name or position is evaluated and that keyword
/// has nothing left to apply to.
fn model<'a>(m: &'a Map<String, Value>, key: &str) -> Model<'a> {
    let unevaluated = match key {
        "additionalProperties" => "unevaluatedProperties",
        "items" => "unevaluatedItems",
        _ => key,
    };
    m.get(key)
        .or_else(|| m.get(unevaluated))
        .map_or(Model::Open, model_of)
}

/// `key`, or where it is missing the keyword that then governs the same names or elements.
fn governing<'m>(
    m: &'m Map<String, Value>,
    key: &str,
    fallback: Option<&str>,
) -> Option<&'m Value> {
    m.get(key).or_else(|| fallback.and_then(|f| m.get(f)))
}

/// The object under `key`, or an empty one.
fn object_at<'a>(m: &'a Map<String, Value>, key: &str) -> &'a Map<String, Value> {
    static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
    m.get(key).and_then(Value::as_object).unwrap_or(&EMPTY)
}

use events_codegen::error::pointer_push as ptr;

impl Differ<'_> {
    fn push(
        &mut self,
        rule: Rule,
        path: &str,
        ipath: &Option<String>,
        old: Option<&Value>,
        new: Option<&Value>,
    ) {
        self.out.push(Change {
            rule,
            path: path.to_owned(),
            instance_path: ipath.clone(),
            old: old.cloned(),
            new: new.cloned(),
        });
    }

    /// Follows `$ref`s while nothing that validates sits beside them, keeping the
    /// annotations met on the way (the outermost wins). A `$ref` with such siblings becomes an
    /// `allOf` member: `$ref` applies in place, like `allOf`.
    fn deref<'v>(set: &'v SchemaSet, mut v: &'v Value) -> (Value, Option<String>) {
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
    fn accepts_all(&self, a: &Value, b: &Value, a_is_new: bool) -> bool {
        if is_empty_schema(b) || (a == b && !has_ref(a)) {
            return true;
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
            around: Around::default(),
            out: Vec::new(),
        };
        sub.schema("", None, a, b);
        sub.out
            .iter()
            .all(|c| matches!(c.rule.effect(), Effect::None | Effect::Widens))
    }

    /// The changes from `a` to `b`, compared on their own (not reported).
    fn compare(&self, a: &Value, b: &Value) -> Vec<Change> {
        let mut sub = Differ {
            old_set: self.old_set,
            new_set: self.new_set,
            seen: self.seen.clone(),
            around: Around::default(),
            out: Vec::new(),
        };
        sub.schema("", None, a, b);
        sub.out
    }

    fn schema(&mut self, path: &str, ipath: Option<String>, old: &Value, new: &Value) {
        let around = std::mem::take(&mut self.around);
        if old == new && !has_ref(old) {
            return;
        }
        // A `$ref` with siblings that validate is an `allOf` member; then the other side's
        // `$ref` is one too, so that the two compare member to member.
        let converted;
        let (old, new) = if has_live_siblings(old) || has_live_siblings(new) {
            converted = (ref_as_all_of(old), ref_as_all_of(new));
            (&converted.0, &converted.1)
        } else {
            (old, new)
        };
        let (o, oref) = Self::deref(self.old_set, old);
        let (n, nref) = Self::deref(self.new_set, new);
        if let (Some(a), Some(b)) = (&oref, &nref) {
            if !self.seen.insert((a.clone(), b.clone(), around.key())) {
                return;
            }
        }
        let as_map = |v: &Value| -> Map<String, Value> {
            match v {
                Value::Object(m) => m.clone(),
                Value::Bool(false) => {
                    let mut m = Map::new();
                    m.insert("not".into(), Value::Object(Map::new()));
                    m
                }
                _ => Map::new(),
            }
        };
        let (o, n) = (as_map(&o), as_map(&n));
        for (k, rule) in ANNOTATIONS {
            if o.get(*k) != n.get(*k) {
                self.push(*rule, &ptr(path, k), &ipath, o.get(*k), n.get(*k));
            }
        }
        self.types(path, &ipath, &o, &n);
        self.enums(path, &ipath, &o, &n);
        for (k, added, removed, changed) in SIMPLE {
            match (o.get(*k), n.get(*k)) {
                (None, Some(v)) => self.push(*added, &ptr(path, k), &ipath, None, Some(v)),
                (Some(v), None) => self.push(*removed, &ptr(path, k), &ipath, Some(v), None),
                (Some(a), Some(b)) if a != b => {
                    self.push(*changed, &ptr(path, k), &ipath, Some(a), Some(b))
                }
                _ => {}
            }
        }
        for (k, added, removed, up, down) in BOUNDS {
            let num = |m: &Map<String, Value>| m.get(*k).and_then(Value::as_f64);
            let (mut a, mut b) = (num(&o), num(&n));
            // Without `minContains`, `contains` needs one match: 0 or 1 is a change from 1.
            if *k == "minContains" {
                let small = |x: Option<f64>| x.is_some_and(|x| x <= 1.0);
                if (a.is_none() && small(b)) || (b.is_none() && small(a)) {
                    a = a.or(Some(1.0));
                    b = b.or(Some(1.0));
                }
            }
            match (a, b) {
                (None, Some(_)) => self.push(*added, &ptr(path, k), &ipath, None, n.get(*k)),
                (Some(_), None) => self.push(*removed, &ptr(path, k), &ipath, o.get(*k), None),
                (Some(a), Some(b)) if b > a => {
                    self.push(*up, &ptr(path, k), &ipath, o.get(*k), n.get(*k))
                }
                (Some(a), Some(b)) if b < a => {
                    self.push(*down, &ptr(path, k), &ipath, o.get(*k), n.get(*k))
                }
                _ => {}
            }
        }
        self.multiple_of(path, &ipath, &o, &n);
        for k in ["contentEncoding", "contentMediaType", "contentSchema"] {
            if o.get(k) != n.get(k) {
                self.push(
                    Rule::ContentChanged,
                    &ptr(path, k),
                    &ipath,
                    o.get(k),
                    n.get(k),
                );
            }
        }
        if o.get("x-encoding") != n.get("x-encoding") {
            self.push(
                Rule::EncodingChanged,
                &ptr(path, "x-encoding"),
                &ipath,
                o.get("x-encoding"),
                n.get("x-encoding"),
            );
        }
        if o.get("uniqueItems") != n.get("uniqueItems") {
            let on = |m: &Map<String, Value>| m.get("uniqueItems") == Some(&Value::Bool(true));
            match (on(&o), on(&n)) {
                (false, true) => self.push(
                    Rule::UniqueItemsAdded,
                    &ptr(path, "uniqueItems"),
                    &ipath,
                    o.get("uniqueItems"),
                    n.get("uniqueItems"),
                ),
                (true, false) => self.push(
                    Rule::UniqueItemsRemoved,
                    &ptr(path, "uniqueItems"),
                    &ipath,
                    o.get("uniqueItems"),
                    n.get("uniqueItems"),
                ),
                _ => {}
            }
        }
        self.properties(path, &ipath, &o, &n, &around);
        self.open_model(
            path,
            &ipath,
            &o,
            &n,
            "additionalProperties",
            [
                Rule::AdditionalPropertiesAdded,
                Rule::AdditionalPropertiesRemoved,
                Rule::AdditionalPropertiesExtended,
                Rule::AdditionalPropertiesNarrowed,
            ],
        );
        // Beside `additionalProperties` (`items`) on either side, `unevaluatedProperties`
        // (`unevaluatedItems`) has nothing of its own to apply to: the comparison above
        // already took it in where the other keyword is missing.
        let neither = |k: &str| !o.contains_key(k) && !n.contains_key(k);
        if neither("additionalProperties") {
            self.open_model(
                path,
                &ipath,
                &o,
                &n,
                "unevaluatedProperties",
                [
                    Rule::UnevaluatedPropertiesAdded,
                    Rule::UnevaluatedPropertiesRemoved,
                    Rule::UnevaluatedPropertiesExtended,
                    Rule::UnevaluatedPropertiesNarrowed,
                ],
            );
        }
        if neither("items") {
            self.open_model(
                path,
                &ipath,
                &o,
                &n,
                "unevaluatedItems",
                [
                    Rule::UnevaluatedItemsAdded,
                    Rule::UnevaluatedItemsRemoved,
                    Rule::UnevaluatedItemsExtended,
                    Rule::UnevaluatedItemsNarrowed,
                ],
            );
        }
        self.dependent_required(path, &ipath, &o, &n);
        self.keyed_schemas(
            path,
            &ipath,
            &o,
            &n,
            "dependentSchemas",
            Rule::DependentSchemaAdded,
            Rule::DependentSchemaRemoved,
        );
        self.sub(
            path,
            &ipath,
            None,
            &o,
            &n,
            "propertyNames",
            Rule::PropertyNamesAdded,
            Rule::PropertyNamesRemoved,
        );
        self.contains(path, &ipath, &o, &n);
        self.items(path, &ipath, &o, &n);
        self.combinators(path, &ipath, &o, &n, &around);
        self.not(path, &ipath, &o, &n);
        let cond =
            |m: &Map<String, Value>| ["if", "then", "else"].iter().any(|k| m.contains_key(*k));
        match (cond(&o), cond(&n)) {
            (false, true) => self.push(
                Rule::ConditionalAdded,
                &ptr(path, "if"),
                &ipath,
                None,
                n.get("if"),
            ),
            (true, false) => self.push(
                Rule::ConditionalRemoved,
                &ptr(path, "if"),
                &ipath,
                o.get("if"),
                None,
            ),
            (true, true)
                if ["if", "then", "else"]
                    .iter()
                    .any(|k| o.get(*k) != n.get(*k)) =>
            {
                self.push(
                    Rule::Unclassified,
                    &ptr(path, "if"),
                    &ipath,
                    o.get("if"),
                    n.get("if"),
                )
            }
            _ => {}
        }
        let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
        for k in keys {
            let known = HANDLED.contains(&k.as_str())
                || ANNOTATIONS.iter().any(|(a, _)| a == k)
                || (k.starts_with("x-") && k != "x-encoding");
            if !known && o.get(k) != n.get(k) {
                self.push(
                    Rule::Unclassified,
                    &ptr(path, k),
                    &ipath,
                    o.get(k),
                    n.get(k),
                );
            }
        }
    }

    fn types(
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

    fn enums(
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

    fn multiple_of(
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

    /// The content model that applies to `name` where `m` (side 0: old, 1: new) does not
    /// declare it: `additionalProperties`, else the `unevaluatedProperties` of `m` or of an
    /// enclosing schema, unless another subschema at the same place evaluates the name.
    fn name_model<'m>(
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
    fn member_around(
        &self,
        holder: &Map<String, Value>,
        around: &Around,
        side: usize,
        k: &str,
        index: usize,
        into: &mut Around,
    ) {
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

    fn properties(
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
                    let rule = match self.name_model(n, around, 1, name) {
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
                        Model::Partial(_) => {
                            Rule::PropertyRemovedNotCoveredByPartiallyOpenContentModel
                        }
                    };
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
            let with_default = ns.get("default").is_some();
            let rule = match self.name_model(o, around, 0, name) {
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
                Model::Partial(s) if self.accepts_all(ns, s, true) => {
                    Rule::PropertyAddedIsCoveredByPartiallyOpenContentModel
                }
                Model::Partial(_) => Rule::PropertyAddedNotCoveredByPartiallyOpenContentModel,
            };
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

    /// `additionalProperties`-like keywords: open, closed (`false`) or a schema.
    fn open_model(
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

    fn dependent_required(
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
    fn keyed_schemas(
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

    /// A keyword holding one subschema: added, removed, or compared.
    #[allow(clippy::too_many_arguments)]
    fn sub(
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
    fn contains(
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

    fn items(
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
                    let rule = match model(o, "items") {
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
                    let rule = match model(n, "items") {
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

    fn combinators(
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
    fn members(
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

    fn not(
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

/// The bump a set of changes needs under `mode`: none (identical), minor (only allowed
/// changes), or major (something the mode does not allow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    /// Nothing changed.
    None,
    /// Compatible change: bump the minor version.
    Minor,
    /// Breaking change: a new major version (a new file).
    Major,
}

/// The bump needed for `changes` under `mode`, ignoring changes `accepted` says are fine.
pub fn needed_bump(changes: &[Change], mode: Mode, accepted: impl Fn(&Change) -> bool) -> Bump {
    if changes.is_empty() {
        return Bump::None;
    }
    if changes
        .iter()
        .any(|c| !mode.allows(c.rule.effect()) && !accepted(c))
    {
        Bump::Major
    } else {
        Bump::Minor
    }
}
