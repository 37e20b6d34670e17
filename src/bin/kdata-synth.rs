//! `kdata-synth`: a deterministic synthetic corpus for benchmarks and scale tests (not
//! part of the pipeline): N documents of realistic length (~35 KB), laid out like the
//! article's dump (pages with running headers, footnotes and markers, space-led
//! blocks), each with curated rows whose quotes really occur in its text, including
//! repeated passages that need a quote_prefix.
//!
//! Rows are written from the schemas: each `[[table]]` lists the schema's curated
//! columns in schema order; a column the generator does not set is left out, or, when
//! it is a required enum, given the vocabulary's first value. So a schema that gains a
//! column keeps the generator valid, and a column the generator names but the schema
//! lacks stops it with an error.

use clap::Parser;
use kdata::diag::Diags;
use kdata::schema::Schema;
use std::collections::BTreeMap;

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Writes a synthetic corpus project (raw/, schemas/, CITATION.cff) for benchmarks.
#[derive(Parser)]
#[command(name = "kdata-synth")]
struct Args {
    /// Number of documents.
    #[arg(long)]
    docs: usize,
    /// Seed of the generator (same seed, same bytes).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder to create the project in (must not exist).
    #[arg(long)]
    out: PathBuf,
    /// The schema folder to copy and write rows for.
    #[arg(long, default_value = "schemas")]
    schemas: PathBuf,
}

fn main() -> std::process::ExitCode {
    let a = Args::parse();
    if a.out.exists() {
        eprintln!("{}:1:1: io: already exists", a.out.display());
        return std::process::ExitCode::from(2);
    }
    let mut diags = Diags::default();
    let schemas =
        kdata::load::load_schemas(&a.schemas, &a.schemas.display().to_string(), &mut diags);
    if !diags.is_empty() {
        for d in diags.sorted() {
            eprintln!("{d}");
        }
        return std::process::ExitCode::from(1);
    }
    match generate(&a.out, &a.schemas, &schemas, a.docs, a.seed) {
        Ok(rows) => {
            eprintln!(
                "ok: {} documents, {rows} curated rows in {}",
                a.docs,
                a.out.display()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}:1:1: io: {e}", a.out.display());
            std::process::ExitCode::from(2)
        }
    }
}

/// A TOML writer driven by the schemas.
struct Rows<'a> {
    schemas: &'a BTreeMap<String, Schema>,
}

impl Rows<'_> {
    /// One `[[table]]` row: `set` gives (column or input key, TOML literal) pairs.
    fn row(&self, out: &mut String, table: &str, set: &[(&str, String)]) -> io::Result<()> {
        let s = self
            .schemas
            .get(table)
            .ok_or_else(|| io::Error::other(format!("no schema '{table}'")))?;
        for (k, _) in set {
            let known =
                s.fields.iter().any(|f| f.name == *k && f.derive.is_none()) || *k == "quote_prefix";
            if !known {
                return Err(io::Error::other(format!(
                    "'{k}' is not a curated column of {table}"
                )));
            }
        }
        let _ = writeln!(out, "[[{table}]]");
        for f in s.fields.iter().filter(|f| f.derive.is_none()) {
            match set.iter().find(|(k, _)| *k == f.name) {
                Some((k, v)) => {
                    let _ = writeln!(out, "{k} = {v}");
                }
                None if f.required => {
                    let first = f
                        .vocabulary
                        .as_ref()
                        .and_then(|v| v.first())
                        .map(|(k, _)| k.clone());
                    let v = first.ok_or_else(|| {
                        io::Error::other(format!(
                            "{table}.{} is required and has no default",
                            f.name
                        ))
                    })?;
                    let _ = writeln!(out, "{} = {}", f.name, q(&v));
                }
                None => {}
            }
        }
        if let Some((_, v)) = set.iter().find(|(k, _)| *k == "quote_prefix") {
            let _ = writeln!(out, "quote_prefix = {v}");
        }
        out.push('\n');
        Ok(())
    }
}

/// SplitMix64: small, seeded, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

const ACTORS: usize = 120;
const PLACES: usize = 40;
const SYLLABLES: &[&str] = &[
    "ka", "zor", "mel", "tan", "rif", "bal", "qut", "dor", "sha", "ven", "lum", "par", "gal",
    "nir", "tos", "wek",
];
const VERBS: &[(&str, &str)] = &[
    ("attacked", "armed_conflict"),
    ("pledged allegiance to", "allegiance_pledged"),
    ("cooperated with", "cooperation"),
    ("competed with", "rivalry"),
    ("supplied weapons to", "logistical_support"),
    ("split away from", "splinter_of"),
];
const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn name(rng: &mut Rng, words: usize) -> String {
    (0..words)
        .map(|_| {
            let w: String = (0..2 + rng.below(2))
                .map(|_| *rng.pick(SYLLABLES))
                .collect();
            let mut c = w.chars();
            c.next().unwrap().to_uppercase().collect::<String>() + c.as_str()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

struct World {
    actors: Vec<String>,
    places: Vec<String>,
}

fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Writes a complete project (raw/, schemas/, CITATION.cff) with `docs` documents.
fn generate(
    out: &Path,
    schemas: &Path,
    tables: &BTreeMap<String, Schema>,
    docs: usize,
    seed: u64,
) -> io::Result<usize> {
    let rw = &Rows { schemas: tables };
    let mut rng = Rng(seed);
    let mut seen = std::collections::HashSet::new();
    let mut unique = |rng: &mut Rng, words| loop {
        let n = name(rng, words);
        if seen.insert(n.clone()) {
            return n;
        }
    };
    let world = World {
        actors: (0..ACTORS)
            .map(|_| format!("{} Front", unique(&mut rng, 2)))
            .collect(),
        places: (0..PLACES).map(|_| unique(&mut rng, 1)).collect(),
    };
    let raw = out.join("raw");
    fs::create_dir_all(raw.join("registry"))?;
    fs::create_dir_all(out.join("schemas"))?;
    for e in fs::read_dir(schemas)? {
        let p = e?.path();
        fs::copy(&p, out.join("schemas").join(p.file_name().unwrap()))?;
    }
    fs::write(raw.join("dataset.toml"), "name = \"synthetic\"\nversion = \"0.0.1\"\npublished = \"2020-01-01\"\ntitle = \"Synthetic corpus\"\ndescription = \"Generated for benchmarks.\"\nkeywords = [\"synthetic\"]\n\n[[licenses]]\nname = \"CC0-1.0\"\ntitle = \"CC0 1.0\"\npath = \"https://creativecommons.org/publicdomain/zero/1.0/\"\n\n[[contributors]]\ntitle = \"kdata synth\"\nrole = \"author\"\n")?;
    fs::write(
        raw.join("DATASHEET.md"),
        "# Synthetic corpus\n\nGenerated text, no facts.\n",
    )?;
    fs::create_dir_all(raw.join("licenses"))?;
    fs::write(
        raw.join("licenses/CC0-1.0.txt"),
        include_str!("../../raw/licenses/CC0-1.0.txt"),
    )?;
    fs::write(raw.join("retired_ids.toml"), "retired = []\n")?;
    fs::write(
        out.join("CITATION.cff"),
        "cff-version: 1.2.0\ntitle: Synthetic corpus\nversion: 0.0.1\n",
    )?;
    let mut rows = 0;
    for d in 0..docs {
        rows += write_doc(
            rw,
            &raw,
            &world,
            d,
            &mut Rng(seed ^ (d as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D)),
        )?;
    }
    rows += write_registry(rw, &raw, &world)?;
    Ok(rows)
}

fn doc_id(d: usize) -> String {
    format!("synth-{d:05}")
}

/// The registry: every actor and place, quoted from the first document (which names them all).
fn write_registry(rw: &Rows, raw: &Path, w: &World) -> io::Result<usize> {
    let (mut a, mut aa, mut p, mut pa) =
        (String::new(), String::new(), String::new(), String::new());
    let doc = doc_id(0);
    for (i, n) in w.actors.iter().enumerate() {
        let quote = format!("The {n} is listed here as actor {i}.");
        rw.row(
            &mut a,
            "actors",
            &[
                ("actor_id", format!("\"a{i}\"")),
                ("name", q(n)),
                ("actor_type", q("militant_group")),
                ("doc_id", format!("\"{doc}\"")),
                ("quote", q(&quote)),
            ],
        )?;
        rw.row(
            &mut aa,
            "actor_aliases",
            &[
                ("alias_id", format!("\"a{i}-name\"")),
                ("actor_id", format!("\"a{i}\"")),
                ("alias", q(n)),
                ("alias_type", q("name")),
                ("doc_id", format!("\"{doc}\"")),
                ("quote", q(&quote)),
            ],
        )?;
    }
    for (i, n) in w.places.iter().enumerate() {
        let quote = format!("{n} is listed here as place {i}.");
        rw.row(
            &mut p,
            "places",
            &[
                ("place_id", format!("\"p{i}\"")),
                ("name", q(n)),
                ("place_kind", q("city")),
                ("doc_id", format!("\"{doc}\"")),
                ("quote", q(&quote)),
            ],
        )?;
        rw.row(
            &mut pa,
            "place_aliases",
            &[
                ("alias_id", format!("\"p{i}-name\"")),
                ("place_id", format!("\"p{i}\"")),
                ("alias", q(n)),
                ("alias_type", q("name")),
                ("doc_id", format!("\"{doc}\"")),
                ("quote", q(&quote)),
            ],
        )?;
    }
    let r = raw.join("registry");
    fs::write(r.join("actors.toml"), a)?;
    fs::write(r.join("actor_aliases.toml"), aa)?;
    fs::write(r.join("places.toml"), p)?;
    fs::write(r.join("place_aliases.toml"), pa)?;
    Ok(2 * (w.actors.len() + w.places.len()))
}

/// One document: text and curated rows. Returns the number of curated rows.
fn write_doc(rw: &Rows, raw: &Path, w: &World, d: usize, rng: &mut Rng) -> io::Result<usize> {
    let id = doc_id(d);
    let dir = raw.join("documents").join(&id);
    fs::create_dir_all(&dir)?;
    let header = format!("Synthetic Review {d}, no. 1 (2020): 1-99");
    let mut text = String::new();
    let mut t = Tables::default();
    if d == 0 {
        for (i, n) in w.actors.iter().enumerate() {
            let _ = write!(text, "The {n} is listed here as actor {i}. ");
        }
        for (i, n) in w.places.iter().enumerate() {
            let _ = write!(text, "{n} is listed here as place {i}. ");
        }
        text.push('\n');
    }
    let (mut page, mut note) = (1, 0);
    let mut page_notes: Vec<String> = Vec::new();
    // Each sentence, with its opening ("In May 1999, the X attacked the Y").
    let mut sentences: Vec<(String, String, String)> = Vec::new();
    let mut page_len = 0;
    let mut k = 0;
    while text.len() < 35_000 {
        k += 1;
        // Now and then a near-duplicate: an earlier sentence again with a new report
        // number. Its shared opening occurs twice, so the row quoting it needs a prefix.
        // The relation row whose quote holds the sentence's opening (for a repeat, the
        // original's).
        let mut row = format!("{id}-r{k}");
        let sentence = if k > 10 && page_len > 0 && rng.below(20) == 0 {
            let (earlier, opening, first) = &sentences[rng.below(sentences.len())];
            row = first.clone();
            let before: Vec<&str> = text.split_whitespace().rev().take(3).collect();
            let prefix = before.into_iter().rev().collect::<Vec<_>>().join(" ");
            rw.row(
                &mut t.errata,
                "errata",
                &[
                    ("erratum_id", format!("\"{id}-rep{k}\"")),
                    ("erratum_type", q("inconsistency")),
                    ("printed", q(opening)),
                    ("correction", q("(printed once)")),
                    ("explanation", q("The passage repeats an earlier one.")),
                    ("table_name", q("relations")),
                    ("row_id", q(&row)),
                    ("column_name", q("quote")),
                    ("quote", q(opening)),
                    ("quote_prefix", q(&prefix)),
                ],
            )?;
            t.rows += 1;
            let cut = earlier.rfind("report ").unwrap();
            format!("{}report {k}.", &earlier[..cut])
        } else {
            fact_sentence(rw, w, rng, &id, k, &mut t)?
        };
        let marked = rng.below(12) == 0;
        let mut line = sentence.clone();
        if marked {
            note += 1;
            line.pop(); // the full stop goes before the marker
            let _ = write!(line, ".{note}");
            let ft = format!("Author {note}, “Synthetic Source {id} {note},” Review (2020).");
            rw.row(
                &mut t.footnotes,
                "footnotes",
                &[("number", format!("{note}")), ("quote", q(&ft))],
            )?;
            rw.row(
                &mut t.citations,
                "citations",
                &[
                    ("citation_id", format!("\"{id}-fn{note}\"")),
                    ("citation_type", q("journal_article")),
                    ("title", format!("\"Synthetic Source {id} {note}\"")),
                    ("published", q("2020")),
                    ("quote", q(&ft)),
                ],
            )?;
            t.rows += 2;
            page_notes.push(ft);
        }
        let opening = sentence[..sentence.find(" near ").unwrap_or(sentence.len())].to_string();
        sentences.push((sentence, opening, row));
        // Lines of about 80 characters, as in the dump.
        text.push_str(&line);
        text.push(if rng.below(3) == 0 { '\n' } else { ' ' });
        page_len += line.len();
        if page_len > 3000 {
            text.push('\n');
            for n in page_notes.drain(..) {
                let _ = writeln!(text, " {n}");
            }
            let _ = write!(text, "{page}\n\n{header}\n\n");
            page += 1;
            page_len = 0;
        }
    }
    for n in page_notes.drain(..) {
        let _ = writeln!(text, "\n {n}");
    }
    let sha = kdata::write::hex_sha256(text.as_bytes());
    fs::write(dir.join("source.txt"), &text)?;
    fs::write(
        dir.join("document.toml"),
        format!("title = \"Synthetic document {d}\"\nauthors = \"kdata synth\"\ncontainer_title = \"Synthetic Review\"\nyear = 2020\nfirst_page = 1\nlast_page = {page}\nlanguage = \"en\"\nlicence_note = \"Generated.\"\nsource = \"source.txt\"\nsha256 = \"{sha}\"\n\n[layout]\nrunning_headers = [{}]\n", q(&header)),
    )?;
    let written = [
        ("footnotes", &t.footnotes),
        ("citations", &t.citations),
        ("relations", &t.relations),
        ("events", &t.events),
        ("event_actors", &t.event_actors),
        ("figures", &t.figures),
        ("errata", &t.errata),
    ];
    // Every document table of the schemas gets its file, empty when nothing is generated.
    for s in rw
        .schemas
        .values()
        .filter(|s| s.scope == kdata::schema::Scope::Document)
    {
        let body = written
            .iter()
            .find(|(n, _)| *n == s.name)
            .map_or(String::new(), |(_, b)| b.to_string());
        let body = if body.is_empty() {
            format!("{} = []\n", s.name)
        } else {
            body
        };
        fs::write(dir.join(format!("{}.toml", s.name)), body)?;
    }
    Ok(t.rows + 1)
}

#[derive(Default)]
struct Tables {
    footnotes: String,
    citations: String,
    relations: String,
    events: String,
    event_actors: String,
    figures: String,
    errata: String,
    rows: usize,
    /// (actors, type, year) of the relations stated so far: one fact, one row.
    facts: std::collections::HashSet<(usize, usize, &'static str, usize)>,
}

/// One sentence stating a relation, an event with two participants and a figure, and
/// the rows that record them (about six rows per sentence).
fn fact_sentence(
    rw: &Rows,
    w: &World,
    rng: &mut Rng,
    id: &str,
    k: usize,
    t: &mut Tables,
) -> io::Result<String> {
    let (a, b) = (rng.below(w.actors.len()), rng.below(w.actors.len()));
    let b = if a == b { (b + 1) % w.actors.len() } else { b };
    let p = rng.below(w.places.len());
    let (verb, rel) = *rng.pick(VERBS);
    let (mut year, month) = (1990 + rng.below(30), 1 + rng.below(12));
    // A pair, type and year already stated in this document moves to a later year.
    while !t.facts.insert((a.min(b), a.max(b), rel, year)) {
        year += 1;
    }
    let n = 2 + rng.below(5000);
    let s =
        format!(
        "In {} {year}, the {} {verb} the {} near {}, and {n} people were counted in report {k}.",
        MONTHS[month - 1], w.actors[a], w.actors[b], w.places[p]
    );
    let clause = format!("the {} {verb} the {}", w.actors[a], w.actors[b]);
    let ev = format!("{id}-e{k}");
    // Symmetric types are stored once, subject before object (as ids compare).
    let symmetric = rw.schemas["relations"]
        .fields
        .iter()
        .any(|f| f.symmetric.iter().any(|x| x == rel));
    let (subj, obj) = if symmetric && format!("a{b}") < format!("a{a}") {
        (b, a)
    } else {
        (a, b)
    };
    rw.row(
        &mut t.relations,
        "relations",
        &[
            ("relation_id", format!("\"{id}-r{k}\"")),
            ("subject_actor_id", format!("\"a{subj}\"")),
            ("relation_type", format!("\"{rel}\"")),
            ("object_actor_id", format!("\"a{obj}\"")),
            ("date", format!("\"{year}-{month:02}\"")),
            ("date_basis", q("stated")),
            ("certainty", q("asserted")),
            ("quote", q(&s)),
        ],
    )?;
    rw.row(
        &mut t.events,
        "events",
        &[
            ("event_id", format!("\"{ev}\"")),
            ("event_type", q("clash")),
            ("summary", q(&clause)),
            ("date", format!("\"{year}-{month:02}\"")),
            ("date_basis", q("stated")),
            ("place_id", format!("\"p{p}\"")),
            ("certainty", q("asserted")),
            ("quote", q(&s)),
        ],
    )?;
    rw.row(
        &mut t.event_actors,
        "event_actors",
        &[
            ("event_id", format!("\"{ev}\"")),
            ("actor_id", format!("\"a{a}\"")),
            ("role", q("perpetrator")),
        ],
    )?;
    rw.row(
        &mut t.event_actors,
        "event_actors",
        &[
            ("event_id", format!("\"{ev}\"")),
            ("actor_id", format!("\"a{b}\"")),
            ("role", q("target")),
        ],
    )?;
    rw.row(
        &mut t.figures,
        "figures",
        &[
            ("figure_id", format!("\"{id}-f{k}\"")),
            ("measure", q("people counted")),
            ("value", format!("{n}")),
            ("unit", q("person")),
            ("qualifier", q("exact")),
            ("event_id", format!("\"{ev}\"")),
            ("period", format!("\"{year}\"")),
            ("certainty", q("reported")),
            (
                "quote",
                q(&format!("{n} people were counted in report {k}.")),
            ),
        ],
    )?;
    t.rows += 5;
    Ok(s)
}
