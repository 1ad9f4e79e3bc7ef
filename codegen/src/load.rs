//! The public ways to load a schema set: the loader (`schema`) reads and checks the files,
//! and a set is accepted only if the generator can convert it (`convert`), so that every
//! consumer refuses what the build script refuses. This module joins the two, above both,
//! so that the loader does not depend on the conversion built on it.

use std::path::Path;
use std::sync::Arc;

use crate::error::Errors;
use crate::schema::{CatalogRules, SchemaSet};

/// The generator's check that a loaded set converts into the IR.
fn converts(set: &SchemaSet) -> Result<(), Errors> {
    crate::convert::build(set).map(|_| ())
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
        if root.is_file() {
            let rules = CatalogRules::read(root)?;
            let dir = rules.schemas_dir();
            return Self::load_catalog(Arc::new(rules), &dir);
        }
        Self::load_dir(root, false, converts)
    }

    /// Like [`SchemaSet::load`], but what the linter would call an error (a misspelt
    /// keyword, …) is only a warning: for sets that an older, more lenient loader accepted,
    /// such as the schemas of an old git revision that `events check` compares against.
    pub fn load_lenient(root: &Path) -> Result<Self, Errors> {
        Self::load_dir(root, true, converts)
    }

    /// Loads the foreign catalog in `dir` and makes events of it by `rules` (see
    /// [`CatalogRules`]); what [`SchemaSet::load`] does when given a rule file.
    pub fn load_catalog(rules: Arc<CatalogRules>, dir: &Path) -> Result<Self, Errors> {
        Self::load_catalog_with(rules, dir, converts)
    }
}
