//! Where a JSON pointer is in the text of a JSON document: the byte range of the value it
//! names (or of the key, for a member), so errors can show the line, column and snippet.
//!
//! `serde_json::Value` keeps no positions; this is a small tokenizer that walks the text
//! once, following the pointer's segments, and stops at the target. Malformed text or a
//! pointer that names nothing gives `None`: the caller falls back to the pointer alone.

/// Byte range `start..end` of the value at `pointer` in `text` (a key's value; the whole
/// document for the empty pointer).
pub fn locate(text: &str, pointer: &str) -> Option<std::ops::Range<usize>> {
    let segments: Vec<String> = if pointer.is_empty() {
        Vec::new()
    } else {
        pointer.strip_prefix('/')?;
        pointer_segments(pointer).collect()
    };
    let mut p = Parser {
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
    };
    p.ws();
    for segment in &segments {
        p.ws();
        match p.peek()? {
            b'{' => {
                p.pos += 1;
                loop {
                    p.ws();
                    if p.peek()? == b'}' {
                        return None;
                    }
                    let key = p.string()?;
                    p.ws();
                    p.expect(b':')?;
                    p.ws();
                    if key == *segment {
                        break;
                    }
                    p.skip_value()?;
                    p.ws();
                    match p.peek()? {
                        b',' => p.pos += 1,
                        _ => return None,
                    }
                }
            }
            b'[' => {
                let index: usize = segment.parse().ok()?;
                p.pos += 1;
                for _ in 0..index {
                    p.ws();
                    if p.peek()? == b']' {
                        return None;
                    }
                    p.skip_value()?;
                    p.ws();
                    p.expect(b',')?;
                }
                p.ws();
                if p.peek()? == b']' {
                    return None;
                }
            }
            _ => return None,
        }
    }
    p.ws();
    let start = p.pos;
    p.skip_value()?;
    Some(start..p.pos)
}

/// Byte offsets of every member named `key` in the object at `pointer` (a key written twice
/// in one object has two), in text order. Empty when the pointer names no object.
pub fn key_offsets(text: &str, pointer: &str, key: &str) -> Vec<usize> {
    let Some(range) = locate(text, pointer) else {
        return Vec::new();
    };
    let mut p = Parser {
        bytes: text.as_bytes(),
        pos: range.start,
        depth: 0,
    };
    let mut found = Vec::new();
    if p.expect(b'{').is_none() {
        return found;
    }
    loop {
        p.ws();
        if p.peek() != Some(b'"') {
            return found;
        }
        let start = p.pos;
        let Some(name) = p.string() else {
            return found;
        };
        if name == key {
            found.push(start);
        }
        p.ws();
        if p.expect(b':').is_none() || p.skip_value().is_none() {
            return found;
        }
        p.ws();
        if p.expect(b',').is_none() {
            return found;
        }
    }
}

/// The segments of a JSON pointer, unescaped per RFC 6901 (`~1` → `/`, then `~0` → `~`):
/// the one place pointers are taken apart.
pub fn pointer_segments(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

/// Nesting deeper than this is not walked (the loader refuses such files anyway).
const MAX_DEPTH: usize = 256;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.pos += 1)
    }

    /// A string token, unescaped.
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        self.skip_string()?;
        serde_json::from_slice(&self.bytes[start..self.pos]).ok()
    }

    fn skip_string(&mut self) -> Option<()> {
        self.expect(b'"')?;
        loop {
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(());
                }
                b'\\' => self.pos += 2,
                _ => self.pos += 1,
            }
        }
    }

    fn skip_value(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'"' => self.skip_string(),
            open @ (b'{' | b'[') => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return None;
                }
                self.pos += 1;
                self.ws();
                if self.peek()? == close {
                    self.pos += 1;
                    self.depth -= 1;
                    return Some(());
                }
                loop {
                    self.ws();
                    if open == b'{' {
                        self.skip_string()?;
                        self.ws();
                        self.expect(b':')?;
                    }
                    self.skip_value()?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        c if c == close => {
                            self.pos += 1;
                            self.depth -= 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            _ => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                {
                    self.pos += 1;
                }
                (self.pos > start).then_some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
  "type": "object",
  "properties": {
    "a/b": { "type": "string" },
    "items": { "type": "array", "items": [1, {"x": "y"}] }
  },
  "required": ["a/b"]
}"#;

    fn at(pointer: &str) -> Option<&'static str> {
        locate(DOC, pointer).map(|r| &DOC[r])
    }

    #[test]
    fn finds_values_by_pointer() {
        assert_eq!(at("/type"), Some("\"object\""));
        assert_eq!(at("/properties/a~1b/type"), Some("\"string\""));
        assert_eq!(at("/properties/items/items/1/x"), Some("\"y\""));
        assert_eq!(at("/required/0"), Some("\"a/b\""));
        assert_eq!(at(""), Some(DOC));
    }

    #[test]
    fn names_nothing_gives_none() {
        assert_eq!(at("/nope"), None);
        assert_eq!(at("/required/5"), None);
        assert_eq!(at("/type/x"), None);
        assert_eq!(locate("{\"a\": [1, 2", "/a/1"), Some(10..11));
        assert_eq!(locate("{\"a\": ", "/a"), None);
        assert_eq!(locate("", "/a"), None);
    }

    #[test]
    fn keys_written_twice_are_both_found() {
        let text = "{\"a\": {\"t\": 1,\n \"u\": [\"t\"], \"t\": {\"t\": 2}}}";
        let at: Vec<(usize, usize)> = key_offsets(text, "/a", "t")
            .into_iter()
            .map(|o| line_col(text, o))
            .collect();
        assert_eq!(at, [(1, 8), (2, 14)]);
        assert!(key_offsets(text, "/b", "t").is_empty());
        assert!(key_offsets("[1]", "", "t").is_empty());
    }

    #[test]
    fn line_and_column() {
        let r = locate(DOC, "/properties/a~1b/type").unwrap();
        assert_eq!(line_col(DOC, r.start), (4, 22));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = "[".repeat(10_000);
        assert_eq!(locate(&deep, "/0/0"), None);
    }
}
