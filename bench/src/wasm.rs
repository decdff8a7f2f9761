//! The release WASM as the browser downloads it: raw and brotli-compressed.

use std::io::Write;
use std::path::Path;

const TARGET_BROTLI_BYTES: usize = 250 * 1024;

pub enum WasmSize {
    Measured { raw: usize, brotli: usize },
    Missing(String),
}

pub fn measure(site_root: &Path) -> WasmSize {
    let path = site_root.join("pkg").join("stint.wasm");
    let Ok(bytes) = std::fs::read(&path) else {
        return WasmSize::Missing(path.display().to_string());
    };
    let mut compressed = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut compressed, 4096, 11, 22);
        let _ = writer.write_all(&bytes);
    }
    WasmSize::Measured {
        raw: bytes.len(),
        brotli: compressed.len(),
    }
}

impl WasmSize {
    pub fn print(&self) {
        match self {
            WasmSize::Measured { raw, brotli } => {
                println!("| Release WASM, raw | {} KB | | | |", raw / 1024);
                let ratio = *brotli as f64 / TARGET_BROTLI_BYTES as f64;
                println!(
                    "| Release WASM, brotli | {} KB | 250 KB target | {ratio:.2} × target | ≤ 1.00 {} |",
                    brotli / 1024,
                    crate::mark(*brotli <= TARGET_BROTLI_BYTES)
                );
            }
            WasmSize::Missing(path) => println!("| Release WASM | not built ({path}) | | | |"),
        }
    }
}
