//! A deterministic synthetic corpus for benchmarks and scale tests: N documents of
//! realistic length (~35 KB), laid out like the article's dump (pages with running
//! headers, footnotes and markers, space-led blocks), each with curated rows whose quotes
//! really occur in its text, including repeated passages that need a quote_prefix.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

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
const SYLLABLES: &[&str] = &["ka", "zor", "mel", "tan", "rif", "bal", "qut", "dor", "sha", "ven", "lum", "par", "gal", "nir", "tos", "wek"];
const VERBS: &[(&str, &str)] = &[
    ("attacked", "armed_conflict"),
    ("pledged allegiance to", "allegiance_pledged"),
    ("cooperated with", "cooperation"),
    ("competed with", "rivalry"),
    ("supplied weapons to", "logistical_support"),
    ("split away from", "splinter_of"),
];
const MONTHS: &[&str] = &["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

fn name(rng: &mut Rng, words: usize) -> String {
    (0..words)
        .map(|_| {
            let w: String = (0..2 + rng.below(2)).map(|_| *rng.pick(SYLLABLES)).collect();
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
pub fn generate(out: &Path, schemas: &Path, docs: usize, seed: u64) -> io::Result<usize> {
    let mut rng = Rng(seed);
    let mut seen = std::collections::HashSet::new();
    let mut unique = |rng: &mut Rng, words| loop {
        let n = name(rng, words);
        if seen.insert(n.clone()) {
            return n;
        }
    };
    let world = World {
        actors: (0..ACTORS).map(|_| format!("{} Front", unique(&mut rng, 2))).collect(),
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
    fs::write(raw.join("DATASHEET.md"), "# Synthetic corpus\n\nGenerated text, no facts.\n")?;
    fs::create_dir_all(raw.join("licenses"))?;
    fs::write(raw.join("licenses/CC0-1.0.txt"), include_str!("../raw/licenses/CC0-1.0.txt"))?;
    fs::write(raw.join("retired_ids.toml"), "retired = []\n")?;
    fs::write(out.join("CITATION.cff"), "cff-version: 1.2.0\ntitle: Synthetic corpus\nversion: 0.0.1\n")?;
    let mut rows = 0;
    for d in 0..docs {
        rows += write_doc(&raw, &world, d, &mut Rng(seed ^ (d as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D)))?;
    }
    rows += write_registry(&raw, &world)?;
    Ok(rows)
}

fn doc_id(d: usize) -> String {
    format!("synth-{d:05}")
}

/// The registry: every actor and place, quoted from the first document (which names them all).
fn write_registry(raw: &Path, w: &World) -> io::Result<usize> {
    let (mut a, mut aa, mut p, mut pa) = (String::new(), String::new(), String::new(), String::new());
    let doc = doc_id(0);
    for (i, n) in w.actors.iter().enumerate() {
        let quote = format!("The {n} is listed here as actor {i}.");
        let _ = write!(a, "[[actors]]\nactor_id = \"a{i}\"\nname = {}\nactor_type = \"militant_group\"\ndoc_id = \"{doc}\"\nquote = {}\n\n", q(n), q(&quote));
        let _ = write!(aa, "[[actor_aliases]]\nalias_id = \"a{i}-name\"\nactor_id = \"a{i}\"\nalias = {}\nalias_type = \"name\"\ndoc_id = \"{doc}\"\nquote = {}\n\n", q(n), q(&quote));
    }
    for (i, n) in w.places.iter().enumerate() {
        let quote = format!("{n} is listed here as place {i}.");
        let _ = write!(p, "[[places]]\nplace_id = \"p{i}\"\nname = {}\nplace_kind = \"city\"\ndoc_id = \"{doc}\"\nquote = {}\n\n", q(n), q(&quote));
        let _ = write!(pa, "[[place_aliases]]\nalias_id = \"p{i}-name\"\nplace_id = \"p{i}\"\nalias = {}\nalias_type = \"name\"\ndoc_id = \"{doc}\"\nquote = {}\n\n", q(n), q(&quote));
    }
    let r = raw.join("registry");
    fs::write(r.join("actors.toml"), a)?;
    fs::write(r.join("actor_aliases.toml"), aa)?;
    fs::write(r.join("places.toml"), p)?;
    fs::write(r.join("place_aliases.toml"), pa)?;
    Ok(2 * (w.actors.len() + w.places.len()))
}

/// One document: text and curated rows. Returns the number of curated rows.
fn write_doc(raw: &Path, w: &World, d: usize, rng: &mut Rng) -> io::Result<usize> {
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
    let mut sentences: Vec<(String, String)> = Vec::new();
    let mut page_len = 0;
    let mut k = 0;
    while text.len() < 35_000 {
        k += 1;
        // Now and then a near-duplicate: an earlier sentence again with a new report
        // number. Its shared opening occurs twice, so the row quoting it needs a prefix.
        let sentence = if k > 10 && page_len > 0 && rng.below(20) == 0 {
            let (earlier, opening) = &sentences[rng.below(sentences.len())];
            let before: Vec<&str> = text.split_whitespace().rev().take(3).collect();
            let prefix = before.into_iter().rev().collect::<Vec<_>>().join(" ");
            let _ = write!(t.errata, "[[errata]]\nerratum_id = \"{id}-rep{k}\"\nerratum_type = \"inconsistency\"\nprinted = {}\ncorrection = \"(printed once)\"\nexplanation = \"The passage repeats an earlier one.\"\nquote = {}\nquote_prefix = {}\n\n", q(opening), q(opening), q(&prefix));
            t.rows += 1;
            let cut = earlier.rfind("report ").unwrap();
            format!("{}report {k}.", &earlier[..cut])
        } else {
            fact_sentence(w, rng, &id, k, &mut t)
        };
        let marked = rng.below(12) == 0;
        let mut line = sentence.clone();
        if marked {
            note += 1;
            line.pop(); // the full stop goes before the marker
            let _ = write!(line, ".{note}");
            let ft = format!("Author {note}, “Synthetic Source {id} {note},” Review (2020).");
            let _ = write!(t.footnotes, "[[footnotes]]\nnumber = {note}\nquote = {}\n\n", q(&ft));
            let _ = write!(t.citations, "[[citations]]\ncitation_id = \"{id}-fn{note}\"\ncitation_type = \"journal_article\"\ntitle = \"Synthetic Source {id} {note}\"\npublished = \"2020\"\nquote = {}\n\n", q(&ft));
            t.rows += 2;
            page_notes.push(ft);
        }
        let opening = sentence[..sentence.find(" near ").unwrap_or(sentence.len())].to_string();
        sentences.push((sentence, opening));
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
    let sha = crate::write::hex_sha256(text.as_bytes());
    fs::write(dir.join("source.txt"), &text)?;
    fs::write(
        dir.join("document.toml"),
        format!("title = \"Synthetic document {d}\"\nauthors = \"kdata synth\"\ncontainer_title = \"Synthetic Review\"\nyear = 2020\nfirst_page = 1\nlast_page = {page}\nlanguage = \"en\"\nlicence_note = \"Generated.\"\nsource = \"source.txt\"\nsha256 = \"{sha}\"\n\n[layout]\nrunning_headers = [{}]\n", q(&header)),
    )?;
    for (name, body) in [("footnotes", &t.footnotes), ("citations", &t.citations), ("relations", &t.relations), ("events", &t.events), ("event_actors", &t.event_actors), ("figures", &t.figures), ("errata", &t.errata)] {
        let body = if body.is_empty() { format!("{name} = []\n") } else { body.clone() };
        fs::write(dir.join(format!("{name}.toml")), body)?;
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
}

/// One sentence stating a relation, an event with two participants and a figure, and
/// the rows that record them (about six rows per sentence).
fn fact_sentence(w: &World, rng: &mut Rng, id: &str, k: usize, t: &mut Tables) -> String {
    let (a, b) = (rng.below(w.actors.len()), rng.below(w.actors.len()));
    let b = if a == b { (b + 1) % w.actors.len() } else { b };
    let p = rng.below(w.places.len());
    let (verb, rel) = *rng.pick(VERBS);
    let (year, month) = (1990 + rng.below(30), 1 + rng.below(12));
    let n = 2 + rng.below(5000);
    let s = format!(
        "In {} {year}, the {} {verb} the {} near {}, and {n} people were counted in report {k}.",
        MONTHS[month - 1], w.actors[a], w.actors[b], w.places[p]
    );
    let clause = format!("the {} {verb} the {}", w.actors[a], w.actors[b]);
    let ev = format!("{id}-e{k}");
    let _ = write!(t.relations, "[[relations]]\nrelation_id = \"{id}-r{k}\"\nsubject_actor_id = \"a{a}\"\nrelation_type = \"{rel}\"\nobject_actor_id = \"a{b}\"\ndate = \"{year}-{month:02}\"\ncertainty = \"asserted\"\nquote = {}\n\n", q(&s));
    let _ = write!(t.events, "[[events]]\nevent_id = \"{ev}\"\nevent_type = \"clash\"\nsummary = {}\ndate = \"{year}-{month:02}\"\nplace_id = \"p{p}\"\ncertainty = \"asserted\"\nquote = {}\n\n", q(&clause), q(&s));
    let _ = write!(t.event_actors, "[[event_actors]]\nevent_id = \"{ev}\"\nactor_id = \"a{a}\"\nrole = \"perpetrator\"\n\n[[event_actors]]\nevent_id = \"{ev}\"\nactor_id = \"a{b}\"\nrole = \"target\"\n\n");
    let _ = write!(t.figures, "[[figures]]\nfigure_id = \"{id}-f{k}\"\nmeasure = \"people counted\"\nvalue = {n}\nunit = \"person\"\nqualifier = \"exact\"\nevent_id = \"{ev}\"\nperiod = \"{year}\"\ncertainty = \"reported\"\nquote = {}\n\n", q(&format!("{n} people were counted in report {k}.")));
    t.rows += 5;
    s
}
