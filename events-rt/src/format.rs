//! Typed readings of strings whose `format` is only an annotation (a catalog taken as it
//! is): the field keeps what the producer wrote, and an accessor parses it on demand.

use std::fmt;
use std::str::FromStr;

/// A string that does not match its schema's `format` (`"2018-04-25 20:42:10"` as a
/// `date-time`): the value decoded and re-encodes as written; only the typed reading fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid `{format}`: {reason}")]
pub struct FormatError {
    /// The schema's `format`.
    pub format: &'static str,
    /// The value, cut to [`crate::MAX_ECHO`] characters.
    pub value: String,
    /// What the parser said.
    pub reason: String,
}

/// Parses `value` as its `format` says.
pub fn parse_format<T>(value: &str, format: &'static str) -> Result<T, FormatError>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    value.parse().map_err(|e: T::Err| FormatError {
        format,
        value: crate::echo_owned(value.to_owned()),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_that_breaks_its_format_is_an_error_naming_both() {
        let e = parse_format::<crate::DateTime>("2018-04-25 20:42:10", "date-time").unwrap_err();
        assert_eq!(e.format, "date-time");
        assert!(
            e.to_string()
                .contains("\"2018-04-25 20:42:10\" is not a valid `date-time`"),
            "{e}"
        );
        let ok: crate::DateTime = parse_format("2018-04-25T20:42:10Z", "date-time").unwrap();
        assert_eq!(ok.to_string(), "2018-04-25T20:42:10Z");
        assert!(parse_format::<uuid::Uuid>("nope", "uuid").is_err());
    }
}
