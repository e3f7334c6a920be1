//! Compiles `policies/` into the validated configuration the component embeds.
//!
//! A bad file fails the build with `file:line: message` for every mistake found.

use std::path::Path;

fn main() {
    let dir = std::env::var("TOLLGATE_POLICIES").unwrap_or_else(|_| "policies".to_string());
    println!("cargo:rerun-if-changed={dir}");
    println!("cargo:rerun-if-env-changed=TOLLGATE_POLICIES");
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
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("config.bin"), blob).expect("OUT_DIR is writable");
}
