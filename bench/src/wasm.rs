//! The release WASM as the browser downloads it, raw and brotli-compressed. The build is split
//! by area (`cargo leptos build --split`): a page's first load is the main module plus the
//! files its area needs, as listed in the split manifest.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

const TARGET_BROTLI_BYTES: usize = 250 * 1024;

#[derive(Clone, Copy, Default)]
pub struct Size {
    raw: usize,
    brotli: usize,
}

impl std::ops::Add for Size {
    type Output = Size;
    fn add(self, other: Size) -> Size {
        Size {
            raw: self.raw + other.raw,
            brotli: self.brotli + other.brotli,
        }
    }
}

pub enum WasmSize {
    Measured {
        main: Size,
        /// The area whose first load (main module and its files) is largest.
        largest_area: Option<(String, Size)>,
        /// The area of My roles, the busiest page.
        my_roles: Option<Size>,
        all: Size,
        other_files: usize,
    },
    Missing(String),
}

pub fn measure(site_root: &Path) -> WasmSize {
    let pkg = site_root.join("pkg");
    let main_path = pkg.join("stint.wasm");
    let Some(main) = size_of(&main_path) else {
        return WasmSize::Missing(main_path.display().to_string());
    };
    let mut files: HashMap<String, Size> = HashMap::new();
    for entry in std::fs::read_dir(&pkg).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".wasm").filter(|s| *s != "stint")
            && let Some(size) = size_of(&entry.path())
        {
            files.insert(stem.to_owned(), size);
        }
    }
    let manifest: HashMap<String, Vec<String>> =
        std::fs::read_to_string(pkg.join("__wasm_split_manifest.json"))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
    let first_load = |chunks: &[String]| {
        chunks
            .iter()
            .filter_map(|c| files.get(c).copied())
            .fold(main, |sum, size| sum + size)
    };
    let largest_area = manifest
        .iter()
        .map(|(split, chunks)| (split.clone(), first_load(chunks)))
        .max_by_key(|(_, size)| size.brotli);
    let my_roles = manifest
        .iter()
        .find(|(split, _)| split.contains("personal_page"))
        .map(|(_, chunks)| first_load(chunks));
    let all = files.values().fold(main, |sum, size| sum + *size);
    WasmSize::Measured {
        main,
        largest_area,
        my_roles,
        all,
        other_files: files.len(),
    }
}

fn size_of(path: &Path) -> Option<Size> {
    let bytes = std::fs::read(path).ok()?;
    let mut compressed = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut compressed, 4096, 11, 22);
        let _ = writer.write_all(&bytes);
    }
    Some(Size {
        raw: bytes.len(),
        brotli: compressed.len(),
    })
}

fn row(label: &str, size: Size, checked: bool) {
    let ratio = size.brotli as f64 / TARGET_BROTLI_BYTES as f64;
    let verdict = if checked {
        format!("≤ 1.00 {}", crate::mark(size.brotli <= TARGET_BROTLI_BYTES))
    } else {
        String::new()
    };
    println!(
        "| {label}, brotli (raw) | {} KB ({} KB) | 250 KB target | {ratio:.2} × target | {verdict} |",
        size.brotli / 1024,
        size.raw / 1024,
    );
}

impl WasmSize {
    pub fn print(&self) {
        match self {
            WasmSize::Measured {
                main,
                largest_area,
                my_roles,
                all,
                other_files,
            } => {
                row("Release WASM, main module", *main, true);
                if let Some(size) = my_roles {
                    row(
                        "Release WASM, first load of My roles (its area)",
                        *size,
                        true,
                    );
                }
                if let Some((split, size)) = largest_area {
                    row(
                        &format!("Release WASM, largest first load ({split})"),
                        *size,
                        true,
                    );
                }
                row(
                    &format!("Release WASM, main and all {other_files} other files"),
                    *all,
                    false,
                );
            }
            WasmSize::Missing(path) => println!("| Release WASM | not built ({path}) | | | |"),
        }
    }
}
