//! Directory walks, shared by the schema loader and the CLI's payload inputs.
//!
//! A walk follows symbolic links but visits each real directory once: a link back to an
//! ancestor (a loop) or to a directory already walked through another path is not followed
//! again. A real file reached by two paths is reported once as new and then as seen again
//! (by device and inode, where the platform has them). What is not a regular file (a FIFO
//! named `x.json`, a socket, a device) is never opened, since reading it could block
//! forever: it is skipped with a warning, as is an entry that cannot be read (a broken
//! link, a directory without permission).

use std::collections::HashMap;
use std::fs::{FileType, Metadata};
use std::path::{Path, PathBuf};

/// What a walk found that its caller wants.
#[derive(Debug)]
pub enum Found<'a> {
    /// A regular file whose name the filter accepted.
    File {
        /// The path it was found under.
        path: &'a Path,
        /// The path the same real file was found under before, if it was.
        earlier: Option<&'a Path>,
    },
    /// A directory already walked (named twice, or reached again through a link): what it
    /// holds was found then.
    DirAgain(&'a Path),
}

/// One walk over any number of roots, remembering the real files and directories seen.
#[derive(Debug, Default)]
pub struct Walk {
    /// Real directories and files seen, with the path each was first seen under.
    dirs: HashMap<(u64, u64), PathBuf>,
    files: HashMap<(u64, u64), PathBuf>,
    /// What was skipped, and why.
    pub warnings: Vec<Skipped>,
}

/// A path a walk did not follow or read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Where.
    pub path: PathBuf,
    /// Why, in words (no path).
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

impl Walk {
    /// A walk that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a regular file named directly (not found in a directory); `true` when this
    /// real file is new to the walk.
    pub fn file(&mut self, path: &Path, meta: &Metadata) -> bool {
        self.earlier_file(path, meta).is_none()
    }

    /// Records a regular file; the path it was seen under before, if it was.
    fn earlier_file(&mut self, path: &Path, meta: &Metadata) -> Option<PathBuf> {
        self.earlier_id(identity(meta)?, path)
    }

    /// Records a real file by its identity; the path it was seen under before, if it was.
    fn earlier_id(&mut self, id: (u64, u64), path: &Path) -> Option<PathBuf> {
        match self.files.entry(id) {
            std::collections::hash_map::Entry::Occupied(e) => Some(e.get().clone()),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(path.to_owned());
                None
            }
        }
    }

    /// Walks `dir` recursively in file-name order, calling `found` for each regular file
    /// whose path `wanted` accepts and for each directory reached again. `Err` only when
    /// `dir` itself cannot be read; everything below it that cannot be is a warning.
    pub fn dir(
        &mut self,
        dir: &Path,
        wanted: impl Fn(&Path) -> bool,
        mut found: impl FnMut(Found<'_>),
    ) -> std::io::Result<()> {
        if let Some(id) = std::fs::metadata(dir).ok().and_then(|m| identity(&m)) {
            if self.dirs.contains_key(&id) {
                found(Found::DirAgain(dir));
                return Ok(());
            }
        }
        // The device of each directory on the way down, by depth.
        let mut devices: Vec<Option<u64>> = Vec::new();
        let mut it = walkdir::WalkDir::new(dir)
            .follow_links(true)
            // File-name order: the entries of one directory share their parent's path, so
            // their paths compare byte by byte as their names do, without the parse of
            // `file_name()` on every comparison (a third of a run over 10,000 files).
            .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
            .into_iter();
        while let Some(entry) = it.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let at = e.path().unwrap_or(dir).to_owned();
                    match e.loop_ancestor() {
                        Some(a) => self.skip(
                            at,
                            format!("a link back to {} (a loop): not followed", a.display()),
                        ),
                        None if e.depth() == 0 => {
                            return Err(e
                                .into_io_error()
                                .unwrap_or_else(|| std::io::Error::other("cannot walk it")))
                        }
                        None => self.skip(at, format!("{}: skipped", cause(&e))),
                    }
                    continue;
                }
            };
            let t = entry.file_type();
            if t.is_dir() {
                let id = entry.metadata().ok().and_then(|m| identity(&m));
                devices.truncate(entry.depth());
                devices.push(id.map(|(dev, _)| dev));
                let earlier = id.and_then(|id| match self.dirs.entry(id) {
                    std::collections::hash_map::Entry::Occupied(e) => Some(e.get().clone()),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(entry.path().to_owned());
                        None
                    }
                });
                if let Some(earlier) = earlier {
                    self.skip(
                        entry.path().to_owned(),
                        format!(
                            "a directory already walked (as {}): not followed again",
                            earlier.display()
                        ),
                    );
                    it.skip_current_dir();
                    found(Found::DirAgain(entry.path()));
                }
                continue;
            }
            if !wanted(entry.path()) {
                continue;
            }
            if !t.is_file() {
                self.skip(
                    entry.path().to_owned(),
                    format!("{} is not a regular file: skipped", kind_of(&t)),
                );
                continue;
            }
            // A file of the directory itself (no link) is known by the directory's device
            // and the inode its listing gave: no `stat` per file.
            let listed = match (entry.path_is_symlink(), entry.depth().checked_sub(1)) {
                (false, Some(parent)) => devices
                    .get(parent)
                    .copied()
                    .flatten()
                    .and_then(|dev| listed_identity(dev, &entry)),
                _ => None,
            };
            if let Some(id) = listed {
                let earlier = self.earlier_id(id, entry.path());
                found(Found::File {
                    path: entry.path(),
                    earlier: earlier.as_deref(),
                });
                continue;
            }
            match entry.metadata() {
                Ok(meta) => {
                    let earlier = self.earlier_file(entry.path(), &meta);
                    found(Found::File {
                        path: entry.path(),
                        earlier: earlier.as_deref(),
                    });
                }
                Err(e) => self.skip(entry.path().to_owned(), format!("{}: skipped", cause(&e))),
            }
        }
        Ok(())
    }

    fn skip(&mut self, path: PathBuf, reason: String) {
        self.warnings.push(Skipped { path, reason });
    }
}

/// The I/O reason of a walk error, without walkdir's restating of the path.
fn cause(e: &walkdir::Error) -> String {
    e.io_error()
        .map_or_else(|| e.to_string(), std::string::ToString::to_string)
}

/// Every regular file under `dir` that `wanted` accepts, each real file once, in a stable
/// order, with the walk's warnings (a file found again through another path among them).
pub fn files(
    dir: &Path,
    wanted: impl Fn(&Path) -> bool,
) -> std::io::Result<(Vec<PathBuf>, Vec<Skipped>)> {
    let mut walk = Walk::new();
    let mut out = Vec::new();
    let mut again = Vec::new();
    walk.dir(dir, wanted, |f| match f {
        Found::File {
            path,
            earlier: None,
        } => out.push(path.to_owned()),
        Found::File {
            path,
            earlier: Some(earlier),
        } => again.push(Skipped {
            path: path.to_owned(),
            reason: format!("the same file as {}: read once", earlier.display()),
        }),
        Found::DirAgain(_) => {}
    })?;
    let mut warnings = walk.warnings;
    warnings.extend(again);
    Ok((out, warnings))
}

/// What kind of file this is, in words, for a warning.
pub fn kind_of(t: &FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_char_device() {
            return "a character device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

/// The identity of a file listed in a directory on device `dev`: the inode the listing
/// gave (unix; `None` elsewhere, where the caller asks the file's metadata).
fn listed_identity(dev: u64, entry: &walkdir::DirEntry) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use walkdir::DirEntryExt;
        Some((dev, entry.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = (dev, entry);
        None
    }
}

/// The identity of a file or directory (device, inode) where the platform has one.
pub fn identity(meta: &Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn json(p: &Path) -> bool {
        p.extension().is_some_and(|e| e == "json")
    }

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("events-walk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn links_to_itself_fifos_and_broken_links_are_skipped_with_warnings() {
        let d = tmp("hostile");
        std::fs::write(d.join("a.json"), "{}").unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("sub/b.json"), "{}").unwrap();
        std::os::unix::fs::symlink(&d, d.join("self1")).unwrap();
        std::os::unix::fs::symlink(&d, d.join("self2")).unwrap();
        std::os::unix::fs::symlink(d.join("sub"), d.join("sub2")).unwrap();
        std::os::unix::fs::symlink(d.join("a.json"), d.join("c.json")).unwrap();
        std::os::unix::fs::symlink(d.join("missing"), d.join("gone.json")).unwrap();
        let fifo = d.join("fifo.json");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let (files, warnings) = files(&d, json).unwrap();
        assert_eq!(files, vec![d.join("a.json"), d.join("sub/b.json")]);
        let has = |what: &str, needle: &str| {
            warnings.iter().any(|w| {
                let w = w.to_string();
                w.contains(what) && w.contains(needle)
            })
        };
        assert!(has("self1", "a loop"), "{warnings:#?}");
        assert!(has("self2", "a loop"), "{warnings:#?}");
        assert!(has("sub2", "already walked"), "{warnings:#?}");
        assert!(
            has("fifo.json", "a FIFO is not a regular file"),
            "{warnings:#?}"
        );
        assert!(has("gone.json", "skipped"), "{warnings:#?}");
        assert!(has("c.json", "read once"), "{warnings:#?}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_hard_link_is_read_once_and_the_order_is_by_name() {
        // Files are known by the inode their directory lists (no `stat` per file): a hard
        // link, in the same directory or another, is the same file.
        let d = tmp("hardlink");
        std::fs::create_dir(d.join("z")).unwrap();
        for name in ["b.json", "a.json", "a.b.json", "a-b.json"] {
            std::fs::write(d.join(name), "{}").unwrap();
        }
        std::fs::hard_link(d.join("b.json"), d.join("c.json")).unwrap();
        std::fs::hard_link(d.join("b.json"), d.join("z/d.json")).unwrap();
        let (files, warnings) = files(&d, json).unwrap();
        let names: Vec<_> = files.iter().map(|f| f.strip_prefix(&d).unwrap()).collect();
        assert_eq!(
            names,
            ["a-b.json", "a.b.json", "a.json", "b.json"].map(Path::new)
        );
        assert_eq!(warnings.len(), 2, "{warnings:#?}");
        assert!(warnings
            .iter()
            .all(|w| w.reason.contains("b.json: read once")));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_missing_root_is_an_error() {
        let d = tmp("missing");
        assert!(files(&d.join("nope"), json).is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
