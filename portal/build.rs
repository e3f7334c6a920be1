//! Compiles what only the portal shows, `[portal]` and the API references from `policies/`,
//! into a postcard blob the component embeds. The gateway configuration itself comes from the
//! `tollgate` crate (its own `build.rs` over the same directory).

use std::path::Path;

fn main() {
    let dir = std::env::var("TOLLGATE_POLICIES").unwrap_or_else(|_| "../policies".to_string());
    println!("cargo:rerun-if-changed={dir}");
    println!("cargo:rerun-if-env-changed=TOLLGATE_POLICIES");
    let (_, portal) = match tollgate_config::load::load_dir_with_portal(Path::new(&dir)) {
        Ok(loaded) => loaded,
        Err(errors) => {
            eprintln!("error: the gateway configuration in {dir}/ is invalid:");
            for error in &errors {
                eprintln!("{error}");
            }
            std::process::exit(1);
        }
    };
    let blob = postcard::to_allocvec(&portal).expect("the portal model serialises");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("portal.bin"), blob).expect("OUT_DIR is writable");
}
