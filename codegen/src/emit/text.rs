//! Pre-formatted text spliced into the formatted file.
//!
//! Most items are tokens, parsed and formatted by prettyplease. Wide structs (and every
//! struct of a catalog taken as it is) with their written-out impls, and plain enums, are
//! most of a large catalog's code and always have the same shape: the emitter writes them
//! as formatted text, which costs a small fraction of a parse and an unparse. In the token stream they
//! stand as a placeholder item ([`placeholder`]); [`splice`] puts the text in its place
//! after formatting.

use std::cell::RefCell;
use std::fmt::Write as _;

use proc_macro2::{Delimiter, Literal, Spacing, TokenStream, TokenTree};
use quote::quote;

/// The macro name of a placeholder: no schema can produce it (the `__events_codegen`
/// prefix is reserved), and it is never left in the output.
const MARK: &str = "__events_codegen_text";

/// Texts waiting for their place, in placeholder order.
#[derive(Default)]
pub(super) struct Texts(RefCell<Vec<String>>);

impl Texts {
    /// Stores `text` and returns the item that stands for it until [`splice`].
    pub(super) fn placeholder(&self, text: String) -> TokenStream {
        let mut texts = self.0.borrow_mut();
        let n = Literal::usize_unsuffixed(texts.len());
        texts.push(text);
        let mark = proc_macro2::Ident::new(MARK, proc_macro2::Span::call_site());
        quote!(#mark!(#n);)
    }

    /// `formatted` with each placeholder line replaced by its text, indented as the line.
    pub(super) fn splice(self, formatted: String) -> String {
        let texts = self.0.into_inner();
        if texts.is_empty() {
            return formatted;
        }
        let extra: usize = texts.iter().map(String::len).sum();
        let mut out = String::with_capacity(formatted.len() + extra);
        for line in formatted.split_inclusive('\n') {
            let body = line.trim_start();
            let n = body
                .strip_prefix(MARK)
                .and_then(|rest| rest.strip_prefix("!("))
                .and_then(|rest| rest.trim_end().strip_suffix(");"))
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| *n < texts.len());
            let Some(n) = n else {
                out.push_str(line);
                continue;
            };
            let indent = &line[..line.len() - body.len()];
            for text_line in texts[n].split_inclusive('\n') {
                if text_line != "\n" {
                    out.push_str(indent);
                }
                out.push_str(text_line);
            }
        }
        out
    }
}

/// `text` as doc comment lines (escaped by [`super::doc_text`]), indented by `depth`
/// levels, as prettyplease writes `#[doc = "..."]` attributes.
pub(super) fn doc(out: &mut String, depth: usize, text: &str) {
    for line in super::doc_text(text).lines() {
        indent(out, depth);
        out.push_str("///");
        if !line.is_empty() {
            out.push(' ');
            out.push_str(line);
        }
        out.push('\n');
    }
}

/// Outer attributes (`#[...]` tokens), one per line, indented by `depth` levels.
pub(super) fn attrs(out: &mut String, depth: usize, ts: &TokenStream) {
    let mut iter = ts.clone().into_iter().peekable();
    while let Some(tt) = iter.next() {
        match (&tt, iter.peek()) {
            (TokenTree::Punct(p), Some(TokenTree::Group(g)))
                if p.as_char() == '#' && g.delimiter() == Delimiter::Bracket =>
            {
                attr(out, depth, &g.stream());
                iter.next();
            }
            // Not an attribute (no emitter produces one): written as it is, on a line.
            _ => {
                indent(out, depth);
                write_tokens(&std::iter::once(tt).collect(), out);
                out.push('\n');
            }
        }
    }
}

/// One attribute, `#[...]` around `inner`: on one line when it fits in 100 columns, else
/// (a long `derive` list) one argument per line, as prettyplease breaks it.
fn attr(out: &mut String, depth: usize, inner: &TokenStream) {
    let line = tokens(inner);
    let mut parts = inner.clone().into_iter();
    let list = match (parts.next(), parts.next(), parts.next()) {
        (Some(TokenTree::Ident(name)), Some(TokenTree::Group(g)), None)
            if g.delimiter() == Delimiter::Parenthesis =>
        {
            Some((name, g.stream()))
        }
        _ => None,
    };
    match list {
        Some((name, args)) if depth * 4 + line.len() + 3 > 100 => {
            indent(out, depth);
            let _ = writeln!(out, "#[{name}(");
            let mut arg = TokenStream::new();
            let flush = |arg: &mut TokenStream, out: &mut String| {
                if !arg.is_empty() {
                    indent(out, depth + 1);
                    out.push_str(&tokens(arg));
                    out.push_str(",\n");
                    *arg = TokenStream::new();
                }
            };
            for tt in args {
                match &tt {
                    TokenTree::Punct(p) if p.as_char() == ',' => flush(&mut arg, out),
                    _ => arg.extend(std::iter::once(tt)),
                }
            }
            flush(&mut arg, out);
            // prettyplease leaves the last argument without its comma.
            if out.ends_with(",\n") {
                out.truncate(out.len() - 2);
                out.push('\n');
            }
            indent(out, depth);
            out.push_str(")]\n");
        }
        _ => {
            indent(out, depth);
            out.push_str("#[");
            out.push_str(&line);
            out.push_str("]\n");
        }
    }
}

/// `depth` levels of four spaces.
pub(super) fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

/// Type (or path) tokens as prettyplease writes them: `::std::option::Option<T>`,
/// `(A, B)`, `[T; 4]`, `&'a mut T`.
pub(super) fn tokens(ts: &TokenStream) -> String {
    let mut out = String::new();
    write_tokens(ts, &mut out);
    out
}

fn write_tokens(ts: &TokenStream, out: &mut String) {
    // Whether the last token written was a word (an identifier or a literal), and whether
    // it was a punctuation character that takes a space after it.
    let mut word = false;
    let mut space_after = false;
    let mut joint_quote = false;
    for tt in ts.clone() {
        let is_word = matches!(tt, TokenTree::Ident(_) | TokenTree::Literal(_));
        if (word && is_word && !joint_quote) || space_after {
            out.push(' ');
        }
        joint_quote = false;
        space_after = false;
        match &tt {
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{ ", " }"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                let start = out.len();
                write_tokens(&g.stream(), out);
                // A list's trailing comma goes, as prettyplease drops it (`(A,)`, a
                // tuple of one, keeps its comma).
                if out.ends_with(',') && out[start..out.len() - 1].contains(", ") {
                    out.pop();
                }
                out.push_str(close);
                word = false;
            }
            TokenTree::Punct(p) => {
                let c = p.as_char();
                out.push(c);
                // A lifetime: the quote is joined to its name.
                joint_quote = c == '\'';
                space_after = matches!(c, ',' | ';' | '=' | '+') && p.spacing() == Spacing::Alone;
                if c == '+' || c == '=' {
                    // `A + B`, `T = U`: the space before was not written.
                    let at = out.len() - 1;
                    if !out[..at].ends_with(' ') {
                        out.insert(at, ' ');
                    }
                }
                word = false;
            }
            TokenTree::Ident(i) => {
                let _ = write!(out, "{i}");
                word = true;
            }
            TokenTree::Literal(l) => {
                let _ = write!(out, "{l}");
                word = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_read_as_prettyplease_writes_them() {
        for (ts, text) in [
            (
                quote!(::std::option::Option<::std::vec::Vec<::std::string::String>>),
                "::std::option::Option<::std::vec::Vec<::std::string::String>>",
            ),
            (quote!((A, B)), "(A, B)"),
            (quote!([u8; 4]), "[u8; 4]"),
            (quote!(&'a mut T), "&'a mut T"),
            (quote!(Box<dyn Send + Sync>), "Box<dyn Send + Sync>"),
            (quote!((A,)), "(A,)"),
            (
                quote!(crate::rt::unique::OptionOf<Map<K, V>>),
                "crate::rt::unique::OptionOf<Map<K, V>>",
            ),
        ] {
            assert_eq!(tokens(&ts), text);
            // And it is the same type.
            let a: syn::Type = syn::parse2(ts).unwrap();
            let b: syn::Type = syn::parse_str(text).unwrap();
            assert_eq!(quote!(#a).to_string(), quote!(#b).to_string());
        }
    }

    #[test]
    fn attributes_and_docs_take_a_line_each() {
        let mut out = String::new();
        attrs(
            &mut out,
            1,
            &quote!(#[derive(Debug, Clone, Hash,)] #[schemars(rename = "a-b")]),
        );
        doc(&mut out, 1, "One.\n\nTwo.");
        assert_eq!(
            out,
            "    #[derive(Debug, Clone, Hash)]\n    #[schemars(rename = \"a-b\")]\n    /// One.\n    ///\n    /// Two.\n"
        );
    }

    #[test]
    fn a_long_derive_list_takes_a_line_per_derive() {
        let mut out = String::new();
        attrs(
            &mut out,
            0,
            &quote!(#[derive(Debug, Clone, PartialEq, Copy, Eq, Hash, ::events_rt::__private::serde::Serialize, ::events_rt::__private::serde::Deserialize,)]),
        );
        assert_eq!(
            out,
            "#[derive(\n    Debug,\n    Clone,\n    PartialEq,\n    Copy,\n    Eq,\n    Hash,\n    ::events_rt::__private::serde::Serialize,\n    ::events_rt::__private::serde::Deserialize\n)]\n"
        );
    }

    #[test]
    fn placeholders_are_replaced_at_their_indent() {
        let texts = Texts::default();
        let p0 = texts.placeholder("const _: () = {\n    x();\n\n};\n".to_owned());
        let p1 = texts.placeholder("fn b() {}\n".to_owned());
        let file: syn::File = syn::parse2(quote!(struct A; #p0 mod m { #p1 })).unwrap();
        let formatted = prettyplease::unparse(&file);
        assert_eq!(
            texts.splice(formatted),
            "struct A;\nconst _: () = {\n    x();\n\n};\nmod m {\n    fn b() {}\n}\n"
        );
    }
}
