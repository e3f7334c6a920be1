//! Finding (building if needed) a workspace component's `.wasm` for a test.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock, PoisonError};
use wasmtime::{Result, bail, format_err};

/// The `.wasm` of workspace package `package` (a `cdylib` built for `wasm32-wasip2`).
///
/// - If the environment variable `<PACKAGE>_WASM` is set (upper case, `-` as `_`: `PROBE_WASM`,
///   `TOLLGATE_WASM`, `TOLLGATE_PORTAL_WASM`), that file is used as is, e.g. the one
///   `scripts/test.sh` built just before.
/// - Otherwise it runs `cargo build -p PACKAGE --target wasm32-wasip2 --release` once per process
///   and package (cargo decides what is stale; a no-op takes well under a second) with
///   `CARGO_TARGET_DIR=$CARGO_TARGET_DIR/test-wasm` (default `<workspace>/target/test-wasm`).
///   The separate target directory keeps the nested cargo from waiting on the lock that the
///   `cargo test` running us holds. Needs `rustup target add wasm32-wasip2`.
pub fn build_component(package: &str) -> Result<PathBuf> {
    build_component_with(package, "", &[])
}

/// Like [`build_component`], but a variant of the component built with extra environment
/// variables (e.g. `TOLLGATE_POLICIES=tests/fixtures/access`, which `build.rs` embeds) into
/// its own target directory `test-wasm-LABEL`. The override variable is `<PACKAGE>_<LABEL>_WASM`
/// (`TOLLGATE_ACCESS_WASM`). An empty label is [`build_component`].
pub fn build_component_with(package: &str, label: &str, envs: &[(&str, &str)]) -> Result<PathBuf> {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let name = if label.is_empty() {
        package.to_string()
    } else {
        format!("{package}-{label}")
    };
    let var = format!("{}_WASM", name.to_uppercase().replace('-', "_"));
    if let Some(path) = std::env::var_os(&var) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            bail!("{var}={} does not exist", path.display());
        }
        return Ok(path);
    }
    let built = BUILT.get_or_init(Mutex::default);
    // Held across the build: one nested cargo at a time.
    let mut built = built.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(path) = built.get(&name) {
        return Ok(path.clone());
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
        .join(if label.is_empty() {
            "test-wasm".to_string()
        } else {
            format!("test-wasm-{label}")
        });
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo)
        .current_dir(&workspace)
        .args([
            "build",
            "-p",
            package,
            "--target",
            "wasm32-wasip2",
            "--release",
        ])
        .arg("--quiet")
        .envs(envs.iter().copied())
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .map_err(|e| format_err!("running {}: {e}", Path::new(&cargo).display()))?;
    if !status.success() {
        bail!(
            "`cargo build -p {package} --target wasm32-wasip2 --release` failed \
             (is the target installed? `rustup target add wasm32-wasip2`); \
             or set {var} to a built .wasm"
        );
    }
    let wasm = target
        .join("wasm32-wasip2/release")
        .join(format!("{}.wasm", package.replace('-', "_")));
    if !wasm.is_file() {
        bail!("{} missing after the build", wasm.display());
    }
    built.insert(name, wasm.clone());
    Ok(wasm)
}
