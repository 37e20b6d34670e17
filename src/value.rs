//! Typed cell values, as the schemas' field types make them.
//!
//! A cell is one machine word. At 1,000 documents the build holds 35 million cells, and as
//! a two-word enum they were 565 MB of a 1.4 GB peak. The word is a tagged pointer: its
//! low three bits say what the cell holds; a string lives behind the pointer (a shared
//! `Text`), as does the rare integer or float that does not fit the other 61 bits, and
//! everything else is inline. [`Value::view`] gives the cell as a plain enum to match on.
//! The unsafe code is all in this file, and the tests below cover every kind.

use std::cmp::Ordering;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;

/// A shared, immutable string behind one pointer.
pub type Text = arcstr::ArcStr;

/// One shared copy of each string a caller repeats: a document's rows repeat ids, names,
/// dates and labels, and each copy would be an allocation held as long as its rows.
#[derive(Default)]
pub struct Strings(foldhash::HashSet<Text>);

impl Strings {
    /// The shared copy of `s` (copied only the first time).
    pub fn get(&mut self, s: &str) -> Text {
        if let Some(t) = self.0.get(s) {
            return t.clone();
        }
        let t = Text::from(s);
        self.0.insert(t.clone());
        t
    }
}

/// One cell: null, a string, an integer, a float, a boolean or a date.
pub struct Value(*const ());

// The tags need the low bits of a 64-bit word, and boxed numbers aligned to 8 bytes.
const _: () = assert!(usize::BITS == 64);
const _: () = assert!(std::mem::align_of::<i64>() >= 8 && std::mem::align_of::<f64>() >= 8);

/// A row's cells in schema order. A boxed slice: millions of rows are held, and a
/// vector's capacity word is never needed once a row is made.
pub type Cells = Box<[Value]>;

/// A cell as a plain enum, borrowed from the `Value`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    Null,
    Str(&'a str),
    Int(i64),
    Num(f64),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
}

// The tags (low three bits). Pointers to `Text`, `i64` and `f64` are 8-aligned, so the
// bits are free; inline payloads sit in the 61 bits above them.
const NULL: usize = 0;
const STR: usize = 1;
const INT: usize = 2;
const INT_BOXED: usize = 3;
const NUM: usize = 4;
const NUM_BOXED: usize = 5;
const BOOL: usize = 6;
const DATE: usize = 7;
const TAG: usize = 7;

// A `Value` owns its `Text` or box, which are both `Send` and `Sync`.
unsafe impl Send for Value {}
unsafe impl Sync for Value {}

impl Value {
    pub const NULL: Value = Value(std::ptr::null());

    pub fn str(s: Text) -> Value {
        let p = Text::into_raw(s).as_ptr().cast_const();
        Value(p.map_addr(|a| a | STR))
    }
    pub fn int(i: i64) -> Value {
        if (i << 3) >> 3 == i {
            inline(((i << 3) as usize) | INT)
        } else {
            boxed(Box::into_raw(Box::new(i)).cast(), INT_BOXED)
        }
    }
    pub fn num(n: f64) -> Value {
        let bits = n.to_bits() as usize;
        if bits & TAG == 0 {
            inline(bits | NUM)
        } else {
            boxed(Box::into_raw(Box::new(n)).cast(), NUM_BOXED)
        }
    }
    pub fn bool(b: bool) -> Value {
        inline(((b as usize) << 3) | BOOL)
    }
    /// Days since 1970-01-01 (an Arrow `date32`).
    pub fn date(d: i32) -> Value {
        inline(((i64::from(d) << 3) as usize) | DATE)
    }

    fn tag(&self) -> usize {
        self.0.addr() & TAG
    }
    fn ptr(&self) -> *const () {
        self.0.map_addr(|a| a & !TAG)
    }
    /// The payload of an inline cell, sign-extended.
    fn payload(&self) -> i64 {
        (self.0.addr() as i64) >> 3
    }

    pub fn view(&self) -> Cell<'_> {
        // SAFETY: the tag says what the pointer was made from, and `self` keeps it alive.
        unsafe {
            match self.tag() {
                NULL => Cell::Null,
                STR => {
                    let s = ManuallyDrop::new(self.text_ref());
                    Cell::Str(&*(s.as_str() as *const str))
                }
                INT => Cell::Int(self.payload()),
                INT_BOXED => Cell::Int(*self.ptr().cast::<i64>()),
                NUM => Cell::Num(f64::from_bits((self.0.addr() & !TAG) as u64)),
                NUM_BOXED => Cell::Num(*self.ptr().cast::<f64>()),
                BOOL => Cell::Bool(self.payload() != 0),
                _ => Cell::Date(self.payload() as i32),
            }
        }
    }

    /// The `Text` behind a string cell, without touching its count: the caller must not
    /// drop it (it is wrapped in `ManuallyDrop` or turned back into the cell's own).
    unsafe fn text_ref(&self) -> Text {
        Text::from_raw(NonNull::new_unchecked(self.ptr().cast_mut()))
    }

    /// The string of a string cell, shared (a count, not a copy).
    pub fn text(&self) -> Option<Text> {
        (self.tag() == STR).then(|| {
            // SAFETY: a string cell's pointer came from `Text::into_raw`.
            let s = ManuallyDrop::new(unsafe { self.text_ref() });
            Text::clone(&s)
        })
    }

    /// Whether two values are the same cell: the same inline value, or the same shared
    /// string or box. Identical values are equal (equal ones need not be identical), so
    /// a check passed for one holds for the other without reading the string.
    pub fn is_identical(&self, other: &Value) -> bool {
        self.0 == other.0
    }
    pub fn is_null(&self) -> bool {
        self.tag() == NULL
    }
    pub fn as_str(&self) -> Option<&str> {
        match self.view() {
            Cell::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self.view() {
            Cell::Int(i) => Some(i),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self.view() {
            Cell::Int(i) => Some(i as f64),
            Cell::Num(n) => Some(n),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self.view() {
            Cell::Bool(b) => Some(b),
            _ => None,
        }
    }
    pub fn as_date(&self) -> Option<i32> {
        match self.view() {
            Cell::Date(d) => Some(d),
            _ => None,
        }
    }

    /// Total order used to sort rows by primary key (nulls first).
    pub fn cmp_key(&self, other: &Value) -> Ordering {
        use Cell::*;
        match (self.view(), other.view()) {
            (Null, Null) => Ordering::Equal,
            (Null, _) => Ordering::Less,
            (_, Null) => Ordering::Greater,
            (Str(a), Str(b)) => a.cmp(b),
            (Int(a), Int(b)) => a.cmp(&b),
            (Date(a), Date(b)) => a.cmp(&b),
            (Bool(a), Bool(b)) => a.cmp(&b),
            _ => self
                .as_f64()
                .unwrap_or(f64::NAN)
                .total_cmp(&other.as_f64().unwrap_or(f64::NAN)),
        }
    }

    /// The cell's text, borrowed when the cell is a string.
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self.view() {
            Cell::Str(s) => s.into(),
            _ => self.to_text().into(),
        }
    }

    /// The text of the cell in CSV (and in diagnostics): nulls are empty.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write_text(&mut out);
        out
    }
    /// Appends the cell's text (as `to_text` makes it) to `out`: the CSV writer reuses
    /// one buffer instead of a new string per cell.
    pub fn write_text(&self, out: &mut String) {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = match self.view() {
            Cell::Null => Ok(()),
            Cell::Str(s) => out.write_str(s),
            Cell::Int(i) => write!(out, "{i}"),
            Cell::Num(n) => write!(out, "{n}"),
            Cell::Bool(b) => write!(out, "{b}"),
            Cell::Date(d) => write_iso_date(d, out),
        };
    }
}

fn inline(bits: usize) -> Value {
    Value(std::ptr::without_provenance(bits))
}

fn boxed(p: *const (), tag: usize) -> Value {
    Value(p.map_addr(|a| a | tag))
}

impl Clone for Value {
    fn clone(&self) -> Value {
        match self.tag() {
            STR => Value::str(self.text().expect("a string cell")),
            INT_BOXED | NUM_BOXED => match self.view() {
                Cell::Int(i) => Value::int(i),
                Cell::Num(n) => Value::num(n),
                _ => unreachable!("a boxed cell is a number"),
            },
            _ => Value(self.0),
        }
    }
}

impl Drop for Value {
    fn drop(&mut self) {
        // SAFETY: each pointer is freed as what it was made from, once.
        unsafe {
            match self.tag() {
                STR => drop(self.text_ref()),
                INT_BOXED => drop(Box::from_raw(self.ptr().cast_mut().cast::<i64>())),
                NUM_BOXED => drop(Box::from_raw(self.ptr().cast_mut().cast::<f64>())),
                _ => {}
            }
        }
    }
}

impl Default for Value {
    fn default() -> Value {
        Value::NULL
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.view() == other.view()
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.view().fmt(f)
    }
}

/// `YYYY-MM-DD` of a day count since 1970-01-01 (an Arrow `date32`).
pub fn iso_date(days: i32) -> String {
    let mut out = String::new();
    let _ = write_iso_date(days, &mut out);
    out
}

/// Appends `iso_date(days)` to `out`.
fn write_iso_date(days: i32, out: &mut String) -> std::fmt::Result {
    use chrono::Datelike;
    use std::fmt::Write;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("a real date");
    let d = epoch + chrono::TimeDelta::days(i64::from(days));
    // As chrono's `%Y-%m-%d` writes it, without parsing the format for every cell.
    match d.year() {
        y @ 0..=9999 => write!(out, "{y:04}")?,
        y => write!(out, "{y:+05}")?,
    }
    write!(out, "-{:02}-{:02}", d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_is_one_word() {
        assert_eq!(std::mem::size_of::<Value>(), 8);
    }

    #[test]
    fn identical_cells_are_copies_of_one_value() {
        let s = Value::str("p1".into());
        assert!(s.is_identical(&s.clone()));
        // Equal, but two strings: a check must read them.
        assert!(!s.is_identical(&Value::str("p1".into())));
        assert!(Value::int(7).is_identical(&Value::int(7)));
        assert!(!Value::int(7).is_identical(&Value::int(8)));
        assert!(!Value::int(7).is_identical(&Value::num(7.0)));
        let wide = Value::int(i64::MAX);
        // A wide integer's clone is a box of its own: equal, not identical.
        assert!(!wide.is_identical(&wide.clone()));
        assert!(wide.is_identical(&wide));
        assert!(!wide.is_identical(&Value::int(i64::MAX - 1)));
    }

    #[test]
    fn every_kind_round_trips_through_clone_and_drop() {
        let ints = [
            0,
            1,
            -1,
            42,
            (1 << 60) - 1,
            -(1 << 60),
            1 << 60,
            i64::MAX,
            i64::MIN,
        ];
        for i in ints {
            let v = Value::int(i);
            assert_eq!(v.view(), Cell::Int(i));
            assert_eq!(v.clone().view(), Cell::Int(i));
            assert_eq!(v.to_text(), i.to_string());
        }
        let nums = [
            0.0,
            -0.0,
            1.5,
            0.1,
            1e300,
            f64::MIN_POSITIVE,
            -2.75,
            1.0 / 3.0,
        ];
        for n in nums {
            let v = Value::num(n);
            assert_eq!(v.as_f64().map(f64::to_bits), Some(n.to_bits()), "{n}");
            assert_eq!(v.clone().as_f64().map(f64::to_bits), Some(n.to_bits()));
        }
        for d in [i32::MIN, -1, 0, 19_000, i32::MAX] {
            assert_eq!(Value::date(d).clone().view(), Cell::Date(d));
        }
        for b in [true, false] {
            assert_eq!(Value::bool(b).clone().view(), Cell::Bool(b));
        }
        assert!(Value::NULL.clone().is_null());
        assert_eq!(Value::default().view(), Cell::Null);
    }

    #[test]
    fn strings_are_shared_and_freed() {
        let t = Text::from("Islamic State Khorasan");
        let v = Value::str(t.clone());
        let w = v.clone();
        assert_eq!(Text::strong_count(&t), Some(3));
        assert_eq!(w.as_str(), Some("Islamic State Khorasan"));
        assert_eq!(v, w);
        assert_ne!(v, Value::str(Text::from("ISK")));
        drop(v);
        drop(w);
        assert_eq!(Text::strong_count(&t), Some(1));
        assert_eq!(Value::str(Text::from("")).as_str(), Some(""));
    }

    #[test]
    fn dates_are_written_as_chrono_writes_them() {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        let edges = [
            -800_000, -719_529, -1, 0, 19_000, 2_932_896, 2_932_897, 3_000_000,
        ];
        for days in edges.into_iter().chain((-800_000..3_000_000).step_by(997)) {
            let want = (epoch + chrono::TimeDelta::days(days))
                .format("%Y-%m-%d")
                .to_string();
            assert_eq!(iso_date(days as i32), want, "{days}");
        }
    }

    #[test]
    fn integers_and_booleans_are_written_as_display_writes_them() {
        for i in [
            0,
            1,
            -1,
            9,
            10,
            -10,
            4_611_686_018_427_387_903,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(Value::int(i).to_text(), i.to_string());
        }
        assert_eq!(Value::bool(true).to_text(), "true");
        assert_eq!(Value::bool(false).to_text(), "false");
    }

    #[test]
    fn keys_order_nulls_first_and_numbers_by_value() {
        let mut cells = [Value::int(3), Value::NULL, Value::num(2.5), Value::int(-7)];
        cells.sort_by(Value::cmp_key);
        let texts: Vec<String> = cells.iter().map(Value::to_text).collect();
        assert_eq!(texts, ["", "-7", "2.5", "3"]);
    }
}
