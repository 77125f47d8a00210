//! Embeds the built web client (`web/dist`, made by `npm run build` in web/) in the
//! binary, so that one file deploys. Generates `web_assets.rs` with one
//! `(path, content type, bytes)` entry per file. Without a build, the list is empty and the
//! server says so on `/`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist");
    // Cargo scans a directory given here for changes in any file below it.
    println!("cargo:rerun-if-changed={}", dist.display());
    let mut files = Vec::new();
    if dist.is_dir() {
        walk(&dist, &mut files);
    }
    files.sort();
    // Copy the files into OUT_DIR first and embed the copies: a web build running at the
    // same time (vite empties dist/) cannot pull files from under the compiler.
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let copies = out_dir.join("web");
    let _ = std::fs::remove_dir_all(&copies);
    let mut out = String::from("pub static ASSETS: &[(&str, &str, &[u8])] = &[\n");
    for file in &files {
        let rel = file.strip_prefix(&dist).expect("under dist");
        let copy = copies.join(rel);
        std::fs::create_dir_all(copy.parent().expect("a parent")).expect("create copy dir");
        if std::fs::copy(file, &copy).is_err() {
            // the file went away while we looked: leave it out (the next build has it)
            continue;
        }
        let url = format!("/{}", rel.to_string_lossy().replace('\\', "/"));
        let _ = writeln!(
            out,
            "    ({:?}, {:?}, include_bytes!({:?})),",
            url,
            content_type(file),
            copy.to_string_lossy()
        );
    }
    out.push_str("];\n");
    std::fs::write(out_dir.join("web_assets.rs"), out).expect("write web_assets.rs");
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().and_then(|e| e.to_str()) != Some("map") {
            // source maps stay out of the binary
            files.push(path);
        }
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}
