//! One deterministic archive of a version folder (`<name>-<version>.tar.gz`), so a
//! release is a single file to download, deposit and cite. Same files in, same bytes
//! out: entries in path order under one top folder, fixed mtime (the release date),
//! uid/gid 0 without user names, modes 0644/0755, and a gzip header without a time.

use flate2::{Compression, GzBuilder};
use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// The archive's file name, and the top folder inside it: `<name>-<version>`.
pub fn top_folder(meta: &crate::model::DatasetMeta) -> String {
    format!("{}-{}", meta.name, meta.version)
}

/// Seconds since 1970-01-01 of an ISO date at 00:00 UTC (0 if it is not a date).
pub fn mtime_of(date: &str) -> u64 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map_or(0, |d| (d - epoch).num_seconds().max(0) as u64)
}

/// Every file and folder under `dir` (relative, `/`-separated) except those in `skip`,
/// in byte order of their paths; folders end with `/`.
fn entries(dir: &Path, skip: &[&str]) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d)? {
            let p = e?.path();
            let rel = p
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if skip.contains(&rel.as_str()) {
                continue;
            }
            if p.is_dir() {
                out.push(format!("{rel}/"));
                stack.push(p);
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A gzipped tar of the files in `dir` (all but `skip`), under the top folder `top`.
pub fn tar_gz(dir: &Path, top: &str, skip: &[&str], mtime: u64) -> io::Result<Vec<u8>> {
    let gz = GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    let header = |size: u64, mode: u32, kind: tar::EntryType| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(mode);
        h.set_mtime(mtime);
        h.set_uid(0);
        h.set_gid(0);
        h
    };
    let mut top_header = header(0, 0o755, tar::EntryType::Directory);
    tar.append_data(&mut top_header, format!("{top}/"), io::empty())?;
    for rel in entries(dir, skip)? {
        if rel.ends_with('/') {
            let mut h = header(0, 0o755, tar::EntryType::Directory);
            tar.append_data(&mut h, format!("{top}/{rel}"), io::empty())?;
        } else {
            let bytes = fs::read(dir.join(&rel))?;
            let mut h = header(bytes.len() as u64, 0o644, tar::EntryType::Regular);
            tar.append_data(&mut h, format!("{top}/{rel}"), bytes.as_slice())?;
        }
    }
    let mut gz = tar.into_inner()?;
    gz.flush()?;
    gz.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_date_is_the_archive_time() {
        assert_eq!(mtime_of("1970-01-02"), 86_400);
        assert_eq!(mtime_of("2026-11-25"), 1_795_564_800);
        assert_eq!(mtime_of("not a date"), 0);
    }

    #[test]
    fn same_files_give_the_same_bytes_whatever_their_times() {
        let dir = std::env::temp_dir().join(format!("kdata-archive-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("csv")).unwrap();
        fs::write(dir.join("csv/b.csv"), "b\r\n").unwrap();
        fs::write(dir.join("a.txt"), "a").unwrap();
        fs::write(dir.join("skip.tar.gz"), "x").unwrap();
        let one = tar_gz(&dir, "top", &["skip.tar.gz"], 86_400).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        fs::write(dir.join("a.txt"), "a").unwrap(); // a newer mtime on disk
        let two = tar_gz(&dir, "top", &["skip.tar.gz"], 86_400).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(one, two);
        assert_eq!(
            &one[..8],
            &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0],
            "gzip without name or time"
        );
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(one.as_slice()));
        let names: Vec<String> = tar
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["top/", "top/a.txt", "top/csv/", "top/csv/b.csv"]);
    }
}
