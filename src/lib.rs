//! kdata: builds a versioned, provenance-checked dataset from a hand-curated extraction.
//!
//! Data flows one way: `project` loads raw/ (schemas, documents, curated rows) →
//! `build` proves quotes (`resolve`), derives the page map (`layout`), computes derived
//! columns, checks keys and rules (`checks`) and generates `mentions` → `write` puts CSV,
//! Parquet and metadata into place atomically. Only `project` and `write` touch files.

pub mod build;
pub mod checks;
pub mod cli;
pub mod diag;
pub mod diff;
pub mod edtf;
pub mod layout;
pub mod load;
pub mod mentions;
pub mod par;
pub mod metadata;
pub mod project;
pub mod resolve;
pub mod schema;
pub mod site;
pub mod synth;
pub mod text;
pub mod value;
pub mod write;
