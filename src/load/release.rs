//! Reading released versions from the output folder: which versions are released, a
//! version's tables as text cells keyed by primary key (for the id history and the
//! changelog), and the bytes' hashes of a released folder (to prove a rebuild
//! identical). The writer and the checks get all of this as data.

use crate::model::{Version, VersionTable, RELEASE_NOTES};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Released versions of dataset `name` in `out_root`, oldest first.
pub fn releases(out_root: &Path, name: &str) -> io::Result<Vec<(Vec<u64>, PathBuf)>> {
    let mut out = Vec::new();
    if !out_root.exists() {
        return Ok(out);
    }
    for e in fs::read_dir(out_root)? {
        let p = e?.path();
        let file = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let Some(v) = file.strip_prefix(&format!("{name}-")) else {
            continue;
        };
        let parts: Option<Vec<u64>> = v.split('.').map(|x| x.parse().ok()).collect();
        if let Some(parts) = parts.filter(|p| p.len() == 3) {
            if p.join(RELEASE_NOTES).exists() {
                out.push((parts, p));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A version folder's tables (from its CSV files), keyed as its datapackage.json says.
pub fn read_version(dir: &Path) -> io::Result<Version> {
    let text = fs::read_to_string(dir.join("datapackage.json"))?;
    let pkg: serde_json::Value = serde_json::from_str(&text).map_err(io::Error::other)?;
    let mut tables = BTreeMap::new();
    let resources = pkg["resources"].as_array().into_iter().flatten();
    for r in resources.filter(|r| r["format"] == "csv") {
        let name = r["name"].as_str().unwrap_or_default().to_string();
        let pk: Vec<String> = r["schema"]["primaryKey"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| k.as_str().map(String::from))
            .collect();
        let path = dir.join(r["path"].as_str().unwrap_or_default());
        let mut rdr = csv::Reader::from_path(&path).map_err(io::Error::other)?;
        let columns: Vec<String> = rdr
            .headers()
            .map_err(io::Error::other)?
            .iter()
            .map(String::from)
            .collect();
        let key_idx: Vec<usize> = pk
            .iter()
            .filter_map(|k| columns.iter().position(|c| c == k))
            .collect();
        let fields = r["schema"]["fields"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let types = fields
            .iter()
            .map(|f| {
                let voc = f["constraints"]["enum"].as_array().map(|v| {
                    v.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                });
                (f["type"].as_str().unwrap_or_default().to_string(), voc)
            })
            .collect();
        let mut rows = BTreeMap::new();
        for rec in rdr.records() {
            let rec = rec.map_err(io::Error::other)?;
            let key = key_idx
                .iter()
                .map(|&i| &rec[i])
                .collect::<Vec<_>>()
                .join("/");
            rows.insert(key, rec.iter().map(String::from).collect());
        }
        tables.insert(
            name,
            VersionTable {
                key: pk,
                columns,
                types,
                rows,
            },
        );
    }
    let label = dir
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    Ok(Version {
        label,
        version: pkg["version"].as_str().unwrap_or_default().to_string(),
        tables,
    })
}

/// SHA-256 of every file under `dir` (release notes aside), by path relative to it.
pub fn file_hashes(dir: &Path) -> io::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(dir)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            if rel != RELEASE_NOTES {
                out.insert(rel, format!("{:x}", Sha256::digest(fs::read(&p)?)));
            }
        }
    }
    Ok(out)
}
