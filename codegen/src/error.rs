//! Located build errors: every problem names the schema file, the JSON pointer and a fix.

use std::fmt;
use std::sync::Arc;

/// A place in a schema file: the file as the user sees it and a JSON pointer inside it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    /// Path of the schema file, as given to the generator (e.g. `schemas/order/x.v1.json`).
    pub file: Arc<str>,
    /// JSON pointer into the file (`/properties/items`), empty for the whole document.
    pub pointer: String,
}

impl Loc {
    /// The whole document of `file`.
    pub fn file(file: &Arc<str>) -> Self {
        Self {
            file: file.clone(),
            pointer: String::new(),
        }
    }

    /// This location extended by one pointer segment (escaped per RFC 6901).
    pub fn join(&self, segment: impl fmt::Display) -> Self {
        Self {
            file: self.file.clone(),
            pointer: pointer_push(&self.pointer, segment),
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}: {}", self.file, self.pointer)
        }
    }
}

/// A JSON pointer extended by one segment, escaped per RFC 6901 (`~` → `~0`, `/` → `~1`).
pub fn pointer_push(pointer: &str, segment: impl fmt::Display) -> String {
    use fmt::Write;
    // Called for every node the loader and the converter visit: one allocation, and the
    // escaping only for a segment that needs it.
    let mut out = String::with_capacity(pointer.len() + 24);
    out.push_str(pointer);
    out.push('/');
    let start = out.len();
    let _ = write!(out, "{segment}");
    if out[start..].contains(['~', '/']) {
        let escaped = out[start..].replace('~', "~0").replace('/', "~1");
        out.truncate(start);
        out.push_str(&escaped);
    }
    out
}

/// One problem with the schema set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Error {
    /// Where it is.
    pub loc: Loc,
    /// What is wrong.
    pub message: String,
    /// What to do about it, when there is something specific to say.
    pub hint: Option<String>,
    /// 1-based line and column of the place in the file, where known.
    pub position: Option<(usize, usize)>,
}

impl Error {
    /// An error at `loc`.
    pub fn new(loc: Loc, message: impl Into<String>) -> Self {
        Self {
            loc,
            message: message.into(),
            hint: None,
            position: None,
        }
    }

    /// The byte range of the place in `text`, the file's content (for source snippets).
    pub fn span_in(&self, text: &str) -> Option<std::ops::Range<usize>> {
        crate::span::locate(text, &self.loc.pointer)
    }

    /// Adds the fix to suggest.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.loc)?;
        if let Some((line, column)) = self.position {
            write!(f, " (line {line}, column {column})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " — {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Every problem found in one run, sorted by file and position, with the warnings of the
/// same run.
///
/// The generator collects errors instead of stopping at the first one, so that one build
/// shows everything that needs fixing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Errors {
    errors: Vec<Error>,
    warnings: Vec<Error>,
}

impl Errors {
    /// The individual errors, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &Error> {
        self.errors.iter()
    }

    /// Number of errors.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Always false for a returned `Errors`; present for symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// What the same run found worth a warning (unknown keywords, …), sorted.
    pub fn warnings(&self) -> &[Error] {
        &self.warnings
    }

    /// Each error and warning with its line and column, read from the files they name
    /// (an error path: the files are read again, once each).
    #[must_use]
    pub fn with_positions(mut self) -> Self {
        let mut texts: std::collections::HashMap<Arc<str>, Option<String>> =
            std::collections::HashMap::new();
        for e in self.errors.iter_mut().chain(self.warnings.iter_mut()) {
            if e.position.is_some() || e.loc.pointer.is_empty() {
                continue;
            }
            let text = texts
                .entry(e.loc.file.clone())
                .or_insert_with(|| std::fs::read_to_string(&*e.loc.file).ok());
            if let Some(text) = text {
                e.position = e
                    .span_in(text)
                    .map(|r| crate::span::line_col(text, r.start));
            }
        }
        self
    }

    /// These errors with `warnings` added.
    #[must_use]
    pub(crate) fn with_warnings(mut self, warnings: Vec<Error>) -> Self {
        self.warnings.extend(warnings);
        self.warnings = sorted(std::mem::take(&mut self.warnings));
        self
    }
}

/// Sorted and without duplicates.
pub(crate) fn sorted(mut errors: Vec<Error>) -> Vec<Error> {
    errors.sort();
    errors.dedup();
    errors
}

impl From<Vec<Error>> for Errors {
    fn from(errors: Vec<Error>) -> Self {
        Self {
            errors: sorted(errors),
            warnings: Vec::new(),
        }
    }
}

impl From<Error> for Errors {
    fn from(error: Error) -> Self {
        vec![error].into()
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let n = self.errors.len();
        writeln!(f, "{n} error{} in the event schemas:", plural(n))?;
        for e in &self.errors {
            writeln!(f, "  {e}")?;
        }
        let n = self.warnings.len();
        if n > 0 {
            writeln!(f, "{n} warning{}:", plural(n))?;
            for w in &self.warnings {
                writeln!(f, "  {w}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}

/// Collects errors while a pass goes on.
#[derive(Debug, Default)]
pub(crate) struct Sink(Vec<Error>);

impl Sink {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn push(&mut self, e: Error) {
        self.0.push(e);
    }

    /// The errors collected so far.
    pub(crate) fn errors(&self) -> &[Error] {
        &self.0
    }

    /// Everything collected.
    pub(crate) fn into_errors(self) -> Errors {
        self.0.into()
    }

    /// `Ok(value)` if nothing was collected, else all collected errors.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, Errors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::pointer_push;

    #[test]
    fn pointer_segments_are_escaped_only_when_they_need_it() {
        assert_eq!(pointer_push("", "properties"), "/properties");
        assert_eq!(pointer_push("/a", 3), "/a/3");
        assert_eq!(pointer_push("/p", "a/b~c"), "/p/a~1b~0c");
        assert_eq!(pointer_push("/p", "~1"), "/p/~01");
    }
}
