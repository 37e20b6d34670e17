//! kdata: builds a versioned, provenance-checked dataset from a hand-curated extraction.
//!
//! Data flows one way through stages, each importing only from those below it:
//! `contract` (schema handles) ← `model` (shared types) ← `load` (the only reader of files: raw/, schemas/, the
//! previous release) ← `prove` (quotes → spans) ← `derive` (page map, footnotes,
//! derived columns, generated tables) ← `check` (keys, references, whole-dataset rules;
//! pure) ← `write` (the only writer). `build` runs them in order; `cli` dispatches.
//! The README's table of modules and their imports is checked against the source.

pub mod build;
pub mod check;
pub mod chunk;
pub mod cli;
pub mod contract;
pub mod derive;
pub mod diag;
pub mod diff;
pub mod edtf;
pub mod load;
pub mod model;
pub mod prove;
pub mod schema;
pub mod text;
pub mod timings;
pub mod value;
pub mod write;
