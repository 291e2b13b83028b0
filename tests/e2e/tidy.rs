//! Tidy checks on the source tree: module headers, marker discipline, module file layout.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

fn workspace_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(root, &mut files);
    assert!(
        files.len() > 10,
        "expected to find the workspace's Rust files"
    );
    files
}

#[test]
fn every_rust_file_starts_with_a_module_doc_line() {
    let missing: Vec<_> = workspace_files()
        .into_iter()
        .filter(|path| !std::fs::read_to_string(path).unwrap().starts_with("//!"))
        .collect();

    assert!(
        missing.is_empty(),
        "files without a `//!` header: {missing:?}"
    );
}

#[test]
fn fixme_and_todo_markers_name_an_issue() {
    let mut bad = Vec::new();
    for path in workspace_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        for (index, line) in text.lines().enumerate() {
            for marker in ["FIXME", "TODO"] {
                let needle = format!("// {marker}");
                if let Some(at) = line.find(&needle) {
                    let rest = &line[at + needle.len()..];
                    if !rest.starts_with("(#") {
                        bad.push(format!("{}:{}", path.display(), index + 1));
                    }
                }
            }
        }
    }

    assert!(bad.is_empty(), "markers without `(#issue)`: {bad:?}");
}

#[test]
fn no_module_uses_a_mod_rs_file() {
    let found: Vec<_> = workspace_files()
        .into_iter()
        .filter(|path| path.file_name().is_some_and(|name| name == "mod.rs"))
        .collect();

    assert!(found.is_empty(), "use foo.rs with foo/ instead: {found:?}");
}
