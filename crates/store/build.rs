//! Fingerprints the migrations directory so test templates are rebuilt when it changes.

use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    // read at run time: a build script binary can be reused for a checkout in another
    // directory, and a compile-time env! would point at the first one
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let dir = Path::new(&manifest).join("../../migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    // FNV-1a over every file's relative path and content: stable across compilers, unlike
    // std's DefaultHasher, and enough to tell migration sets apart.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in &files {
        let rel = file.strip_prefix(&dir).unwrap_or(file);
        let mut bytes = rel.to_string_lossy().into_owned().into_bytes();
        bytes.push(0);
        bytes.extend(fs::read(file).unwrap_or_default());
        for b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=MIKROBILL_MIGRATIONS_FINGERPRINT={hash:016x}");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
