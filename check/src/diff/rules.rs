//! The rule catalogue: every difference the engine reports, with its name, effect and
//! description. The docs' table and the exhaustive rule test read it.

use super::Effect;

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
    PropertyAddedIsCoveredByPartiallyOpenContentModel = "property-added-is-covered-by-partially-open-content-model", Widens, "a property added that accepts every value `additionalProperties` accepted before under its name";
    PropertyAddedNarrowsPartiallyOpenContentModel = "property-added-narrows-partially-open-content-model", Narrows, "a property added that accepts only some of the values `additionalProperties` accepted before under its name";
    PropertyAddedNotCoveredByPartiallyOpenContentModel = "property-added-not-covered-by-partially-open-content-model", Breaks, "a property added whose values and those `additionalProperties` accepted before are not one within the other";
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
