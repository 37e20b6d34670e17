//! Diagnostics: every problem found in a run, printed like a compiler's
//! (`file:line:col: code: message`), collected so one run reports all of them.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// A position in an input file (1-based line and column, columns in characters).
#[derive(Clone, Debug)]
pub struct Loc {
    pub file: Arc<str>,
    pub line: usize,
    pub col: usize,
}

impl Loc {
    pub fn file_only(file: &str) -> Loc {
        Loc { file: Arc::from(file), line: 1, col: 1 }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

#[derive(Debug)]
pub struct Diag {
    pub loc: Loc,
    /// Short, stable name of the rule broken (documented in the README).
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: {}: {}", self.loc, self.code, self.message)
    }
}

#[derive(Default, Debug)]
pub struct Diags(pub Vec<Diag>);

impl Diags {
    pub fn push(&mut self, loc: Loc, code: &'static str, message: impl Into<String>) {
        self.0.push(Diag { loc, code, message: message.into() });
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Sorted by file, line and column so output is stable and easy to read.
    pub fn sorted(mut self) -> Vec<Diag> {
        self.0.sort_by(|a, b| {
            (&*a.loc.file, a.loc.line, a.loc.col, a.code, &a.message)
                .cmp(&(&*b.loc.file, b.loc.line, b.loc.col, b.code, &b.message))
        });
        self.0
    }
}

#[derive(Debug)]
/// Turns byte offsets of one file's text into line and column.
pub struct LineIndex {
    pub file: Arc<str>,
    text: Arc<str>,
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(file: &str, text: Arc<str>) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { file: Arc::from(file), text, line_starts }
    }
    pub fn loc(&self, byte: usize) -> Loc {
        let byte = byte.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= byte) - 1;
        let start = self.line_starts[line];
        let col = self.text.get(start..byte).map_or(byte - start, |s| s.chars().count()) + 1;
        Loc { file: self.file.clone(), line: line + 1, col }
    }
}

/// The path as printed in diagnostics: relative to the project root when possible.
pub fn display_path(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let idx = LineIndex::new("f.toml", Arc::from("a = 1\nb = “x”\n"));
        let l = idx.loc("a = 1\nb = “".len());
        assert_eq!((l.line, l.col), (2, 6));
        assert_eq!(idx.loc(0).to_string(), "f.toml:1:1");
    }
}
