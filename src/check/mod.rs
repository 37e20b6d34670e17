//! The check stage: keys, references and the whole-dataset rules, on data already
//! derived. Pure: it reads nothing and writes nothing, it only reports. Each document's
//! rows are checked on their own as they stream through (`keys`, `rules::document`);
//! the `ledger` holds the corpus's keys, and what needs the whole corpus runs once
//! every document is in (`keys::resolve`, `rules::corpus`).

mod keys;
pub mod ledger;
pub mod release;
mod rules;

pub use keys::{check_keys, foreign_key_targets, resolve, Pending};
pub use ledger::Ledger;
pub use rules::{corpus as corpus_rules, document as document_rules, named, Broken, Facts, Named};
