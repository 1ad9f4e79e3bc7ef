//! The public ways to load a schema set: the loader (`schema`) reads and checks the files,
//! and a set is accepted only if the generator can convert it (`convert`), so that every
//! consumer refuses what the build script refuses. This module joins the two, above both,
//! so that the loader does not depend on the conversion built on it.

use std::path::Path;
use std::sync::Arc;

use crate::error::Errors;
use crate::ir::Catalog;
use crate::schema::{CatalogRules, Converts, SchemaSet};

/// The generator's check that a loaded set converts into the IR.
fn converts(set: &SchemaSet) -> Result<(), Errors> {
    crate::convert::build(set).map(|_| ())
}

/// A directory, or a catalog rule file, loaded and checked with `converts`.
fn load_checked(root: &Path, converts: Converts<'_>) -> Result<SchemaSet, Errors> {
    if root.is_file() {
        let rules = CatalogRules::read(root)?;
        let dir = rules.schemas_dir();
        return SchemaSet::load_catalog_with(Arc::new(rules), &dir, converts);
    }
    SchemaSet::load_dir(root, false, converts)
}

/// Loads a set like [`SchemaSet::load`] and keeps the checked model (IR) that its check
/// built, for tools that need both: the IR is built once, not once to check the set and
/// again to use it.
pub fn load_with_catalog(root: &Path) -> Result<(SchemaSet, Catalog), Errors> {
    let mut built = None;
    let mut keep = |set: &SchemaSet| {
        built = Some(crate::convert::build(set)?);
        Ok(())
    };
    let set = load_checked(root, &mut keep)?;
    // A loaded set was converted last as it is now.
    let catalog = match built {
        Some(catalog) => catalog,
        None => crate::convert::build(&set)?,
    };
    Ok((set, catalog))
}

impl SchemaSet {
    /// Loads every `*.json` file under `root` (recursively) and checks the set.
    ///
    /// Every problem of every file is reported in one run: a file that breaks the
    /// meta-schema is still checked for our conventions, and when the loader finds errors,
    /// the events it did not find broken are converted too, so that the generator's errors
    /// come in the same report.
    ///
    /// `root` may also be a catalog rule file (a `.json` file, see [`CatalogRules`]): the
    /// foreign catalog it names is loaded as it is, its events made by the rules.
    pub fn load(root: &Path) -> Result<Self, Errors> {
        load_checked(root, &mut converts)
    }

    /// Like [`SchemaSet::load`], but what the linter would call an error (a misspelt
    /// keyword, …) is only a warning: for sets that an older, more lenient loader accepted,
    /// such as the schemas of an old git revision that `events check` compares against.
    pub fn load_lenient(root: &Path) -> Result<Self, Errors> {
        Self::load_dir(root, true, &mut converts)
    }

    /// Loads the foreign catalog in `dir` and makes events of it by `rules` (see
    /// [`CatalogRules`]); what [`SchemaSet::load`] does when given a rule file.
    pub fn load_catalog(rules: Arc<CatalogRules>, dir: &Path) -> Result<Self, Errors> {
        Self::load_catalog_with(rules, dir, &mut converts)
    }
}
