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
        Loc {
            file: Arc::from(file),
            line: 1,
            col: 1,
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// The rule a diagnostic reports. Each has a short, stable name (printed, and
/// documented in the README's table of codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    TomlSyntax,
    Encoding,
    MissingFile,
    EmptyTable,
    UnknownTable,
    UnknownColumn,
    DerivedColumn,
    Required,
    EmptyValue,
    Type,
    Enum,
    Pattern,
    Range,
    DuplicateKey,
    ForeignKey,
    QuoteNotFound,
    QuoteAmbiguous,
    PrefixNotBefore,
    QuoteEmpty,
    HashMismatch,
    PageMap,
    Date,
    Bounds,
    NameNotAlias,
    Cycle,
    Alias,
    Errata,
    Citation,
    Relation,
    Schema,
    Layout,
    QuoteRegion,
    Formula,
    CellTooLarge,
    Path,
    ReusedId,
    IdRemoved,
    Released,
    Version,
    Reason,
    Io,
}

impl Code {
    /// Every code, in the README's order.
    pub const ALL: &'static [Code] = &[
        Code::TomlSyntax,
        Code::Encoding,
        Code::MissingFile,
        Code::EmptyTable,
        Code::UnknownTable,
        Code::UnknownColumn,
        Code::DerivedColumn,
        Code::Required,
        Code::EmptyValue,
        Code::Type,
        Code::Enum,
        Code::Pattern,
        Code::Range,
        Code::DuplicateKey,
        Code::ForeignKey,
        Code::QuoteNotFound,
        Code::QuoteAmbiguous,
        Code::PrefixNotBefore,
        Code::QuoteEmpty,
        Code::HashMismatch,
        Code::PageMap,
        Code::Date,
        Code::Bounds,
        Code::NameNotAlias,
        Code::Cycle,
        Code::Alias,
        Code::Errata,
        Code::Citation,
        Code::Relation,
        Code::Schema,
        Code::Layout,
        Code::QuoteRegion,
        Code::Formula,
        Code::CellTooLarge,
        Code::Path,
        Code::ReusedId,
        Code::IdRemoved,
        Code::Released,
        Code::Version,
        Code::Reason,
        Code::Io,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Code::TomlSyntax => "toml-syntax",
            Code::Encoding => "encoding",
            Code::MissingFile => "missing-file",
            Code::EmptyTable => "empty-table",
            Code::UnknownTable => "unknown-table",
            Code::UnknownColumn => "unknown-column",
            Code::DerivedColumn => "derived-column",
            Code::Required => "required",
            Code::EmptyValue => "empty-value",
            Code::Type => "type",
            Code::Enum => "enum",
            Code::Pattern => "pattern",
            Code::Range => "range",
            Code::DuplicateKey => "duplicate-key",
            Code::ForeignKey => "foreign-key",
            Code::QuoteNotFound => "quote-not-found",
            Code::QuoteAmbiguous => "quote-ambiguous",
            Code::PrefixNotBefore => "prefix-not-before",
            Code::QuoteEmpty => "quote-empty",
            Code::HashMismatch => "hash-mismatch",
            Code::PageMap => "page-map",
            Code::Date => "date",
            Code::Bounds => "bounds",
            Code::NameNotAlias => "name-not-alias",
            Code::Cycle => "cycle",
            Code::Alias => "alias",
            Code::Errata => "errata",
            Code::Citation => "citation",
            Code::Relation => "relation",
            Code::Schema => "schema",
            Code::Layout => "layout",
            Code::QuoteRegion => "quote-region",
            Code::Formula => "formula",
            Code::CellTooLarge => "cell-too-large",
            Code::Path => "path",
            Code::ReusedId => "reused-id",
            Code::IdRemoved => "id-removed",
            Code::Released => "released",
            Code::Version => "version",
            Code::Reason => "reason",
            Code::Io => "io",
        }
    }

    /// Whether the problem kept a whole file from being read (its rows are missing, so
    /// references into it are not reported again).
    pub fn unreadable_file(self) -> bool {
        matches!(
            self,
            Code::TomlSyntax
                | Code::Encoding
                | Code::MissingFile
                | Code::UnknownTable
                | Code::EmptyTable
        )
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug)]
pub struct Diag {
    pub loc: Loc,
    pub code: Code,
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
    pub fn push(&mut self, loc: Loc, code: Code, message: impl Into<String>) {
        self.0.push(Diag {
            loc,
            code,
            message: message.into(),
        });
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
            (
                &*a.loc.file,
                a.loc.line,
                a.loc.col,
                a.code.name(),
                &a.message,
            )
                .cmp(&(
                    &*b.loc.file,
                    b.loc.line,
                    b.loc.col,
                    b.code.name(),
                    &b.message,
                ))
        });
        self.0
    }
}

#[derive(Debug)]
/// Turns byte offsets of one file's text into line and column.
pub struct LineIndex<'t> {
    pub file: Arc<str>,
    text: &'t str,
    line_starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(file: &str, text: &'t str) -> LineIndex<'t> {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex {
            file: Arc::from(file),
            text,
            line_starts,
        }
    }
    pub fn loc(&self, byte: usize) -> Loc {
        let (line, col) = self.line_col(byte);
        Loc {
            file: self.file.clone(),
            line,
            col,
        }
    }
    /// 1-based line and column (in code points) of a byte offset.
    pub fn line_col(&self, byte: usize) -> (usize, usize) {
        let byte = byte.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= byte) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..byte)
            .map_or(byte - start, |s| s.chars().count())
            + 1;
        (line + 1, col)
    }
}

/// The path as printed in diagnostics: relative to the project root when possible.
pub fn display_path(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let idx = LineIndex::new("f.toml", "a = 1\nb = “x”\n");
        let l = idx.loc("a = 1\nb = “".len());
        assert_eq!((l.line, l.col), (2, 6));
        assert_eq!(idx.loc(0).to_string(), "f.toml:1:1");
    }
}
