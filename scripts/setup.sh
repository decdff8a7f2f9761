# Installs what Stint's build and tests need, and only what is missing. Sourced by scripts/run
# and scripts/test; safe to run again and quick when everything is present.
#
# Pins (see the README): cargo-leptos 0.3.10 built without binary downloads, wasm-bindgen-cli
# equal to the workspace's wasm-bindgen, wasm-opt from npm's binaryen (Debian's breaks
# hydration), Debian's Chromium for the end-to-end tests.

STINT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130

# One warm build directory per machine, shared by every clone, so CI's fresh clone does not
# rebuild the world.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stint/target}"
# Incremental caches are keyed by the checkout's path, so every fresh clone wrote gigabytes
# more of them into the shared directory (it filled the disk once); clones gain nothing from them.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# cargo-leptos compiles with this set; setting it for every cargo command keeps one build
# fingerprint, so tests and the portal build do not rebuild each other's crates.
export LEPTOS_OUTPUT_NAME=stint
export PATH="$HOME/.cargo/bin:$STINT_ROOT/end2end/node_modules/.bin:$PATH"

say() { printf '\033[1mstint:\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_rust() {
  command -v cargo >/dev/null || { say "cargo not found: install rustup first (https://rustup.rs)"; return 1; }
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_cargo_tools() {
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 11 minutes, once per machine)"
    cargo install "cargo-leptos@$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    # Not --locked: its lock file names a webpki-roots version the registry lacks.
    cargo install "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
  fi
}

ensure_npm_packages() {
  command -v npm >/dev/null || { as_root apt-get update -qq && as_root apt-get install -y -qq nodejs npm; }
  local stamp="$STINT_ROOT/end2end/node_modules/.stint-lock-hash"
  local want; want="$(sha256sum "$STINT_ROOT/end2end/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing the npm packages of end2end/ (Playwright, binaryen's wasm-opt)"
    (cd "$STINT_ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
    echo "$want" > "$stamp"
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's Chromium"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium
  fi
}

# The compiled site that cargo-leptos writes (`site-root` in Cargo.toml).
stint_site_root() {
  echo "$STINT_ROOT/target/site"
}
