//! Compiles `policies/` into the validated configuration the component embeds.
//!
//! A bad file fails the build with `file:line: message` for every mistake found.

use std::path::Path;

use sha2::Digest;

fn main() {
    let dir = std::env::var("TOLLGATE_POLICIES").unwrap_or_else(|_| "policies".to_string());
    println!("cargo:rerun-if-changed={dir}");
    println!("cargo:rerun-if-env-changed=TOLLGATE_POLICIES");
    // Backend hosts are checked against allowed_outbound_hosts in the spin.toml beside it.
    if let Some(parent) = Path::new(&dir).parent() {
        println!(
            "cargo:rerun-if-changed={}",
            parent.join("spin.toml").display()
        );
    }
    let config = match tollgate_config::load::load_dir(Path::new(&dir)) {
        Ok(config) => config,
        Err(errors) => {
            eprintln!("error: the gateway configuration in {dir}/ is invalid:");
            for error in &errors {
                eprintln!("{error}");
            }
            std::process::exit(1);
        }
    };
    let blob = postcard::to_allocvec(&config).expect("the configuration model serialises");
    // The component decodes each API only when a call reaches it (`Lazy`): decode every part
    // here, so a blob that would not decode fails the build, never a call.
    let leaked: &'static [u8] = Box::leak(blob.clone().into_boxed_slice());
    let decoded: tollgate_config::Config =
        postcard::from_bytes(leaked).expect("the embedded configuration decodes");
    assert!(
        decoded == config,
        "the embedded configuration decodes to what was loaded"
    );
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    // The revision names this configuration in response cache keys (src/cache/key.rs computes
    // the same for configurations built at run time): the first 16 hex digits of its SHA-256.
    let digest = sha2::Sha256::digest(&blob);
    let revision: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(Path::new(&out).join("config.rev"), revision).expect("OUT_DIR is writable");
    std::fs::write(Path::new(&out).join("config.bin"), blob).expect("OUT_DIR is writable");
}
