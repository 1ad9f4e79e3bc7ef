//! Schema errors and warnings as people read them: each with the lines of the file around
//! the place, the JSON pointer as the label and the fix as help (rendered by miette, printed
//! by `output`).

use std::collections::HashMap;
use std::io::IsTerminal;

use events_codegen::{Error, Errors};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, Severity};

/// Renders schema problems on stderr, reading each file once for its snippets.
pub struct Renderer {
    handler: GraphicalReportHandler,
    texts: HashMap<String, Option<String>>,
}

impl Default for Renderer {
    fn default() -> Self {
        let theme = if std::io::stderr().is_terminal() {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        Self {
            // Wide enough that a message is never wrapped inside a path or a pointer.
            handler: GraphicalReportHandler::new_themed(theme).with_width(200),
            texts: HashMap::new(),
        }
    }
}

impl Renderer {
    /// One problem, with a snippet of its file when the place can be found in it.
    pub fn render(&mut self, problem: &Error, severity: Severity) -> String {
        let file = problem.loc.file.to_string();
        let mut diag = MietteDiagnostic::new(problem.message.clone()).with_severity(severity);
        if let Some(hint) = &problem.hint {
            diag = diag.with_help(hint.clone());
        }
        let label = if problem.loc.pointer.is_empty() {
            "this file".to_owned()
        } else {
            problem.loc.pointer.clone()
        };
        let text = self
            .texts
            .entry(file.clone())
            // Only a regular file is read for its snippet: a FIFO a walk skipped could
            // block forever.
            .or_insert_with(|| {
                std::fs::metadata(&file)
                    .is_ok_and(|m| m.is_file())
                    .then(|| std::fs::read_to_string(&file).ok())
                    .flatten()
            })
            .clone();
        let span = text.as_deref().and_then(|t| {
            // A whole-file problem points at the start, not at every line.
            problem.span_in(t).map(|r| {
                if problem.loc.pointer.is_empty() {
                    0..0
                } else {
                    r
                }
            })
        });
        let mut out = String::new();
        let rendered = match (text, span) {
            (Some(text), Some(span)) => {
                diag = diag.with_label(LabeledSpan::new_with_span(Some(label), span));
                let report = miette::Report::new(diag)
                    .with_source_code(miette::NamedSource::new(&file, text));
                self.handler.render_report(&mut out, report.as_ref())
            }
            _ => {
                // No snippet: the place in words.
                let diag = diag.with_help(match &problem.hint {
                    Some(h) => format!("at {} — {h}", problem.loc),
                    None => format!("at {}", problem.loc),
                });
                self.handler.render_report(&mut out, &diag)
            }
        };
        if rendered.is_err() {
            // Rendering into a String cannot fail in practice; keep the plain line anyway.
            out = format!("{problem}\n");
        }
        out.push('\n');
        out
    }

    /// Every error of a failed load or generation, then its warnings, then a count.
    pub fn errors(&mut self, errors: &Errors) -> String {
        let mut out = String::new();
        for w in errors.warnings() {
            out.push_str(&self.render(w, Severity::Warning));
        }
        for e in errors.iter() {
            out.push_str(&self.render(e, Severity::Error));
        }
        let n = errors.len();
        out.push_str(&format!(
            "error: {n} error{} in the event schemas\n",
            if n == 1 { "" } else { "s" }
        ));
        out
    }
}

/// Warnings, each with its snippet.
pub fn warnings(warnings: &[Error]) -> String {
    let mut r = Renderer::default();
    warnings
        .iter()
        .map(|w| r.render(w, Severity::Warning))
        .collect()
}
