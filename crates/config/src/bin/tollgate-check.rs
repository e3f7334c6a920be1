//! `tollgate-check PATH`: validates Tollgate's configuration without building the gateway.
//!
//! PATH is a policies directory, its `tollgate.toml`, or one `.xml` policy document or
//! fragment (a `<fragment>` root; valid when its policies are allowed in at least one section).
//! Every mistake is printed as `file:line: message`. When the configuration is valid, the
//! Spin variables its named values read are listed, so an operator can declare them.
//!
//! Exit status: 0 when the configuration is valid, 1 when it has mistakes, 2 when the check
//! could not run (bad usage, a path that does not exist or is neither a directory, a
//! `tollgate.toml` nor an `.xml` file).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tollgate_config::load::{
    LoadError, MANIFEST, NamedValueUse, PolicyFile, load_dir_with_named_values, load_policy_file,
    variables,
};
use tollgate_config::model::Config;

const USAGE: &str = "usage: tollgate-check PATH\n\
    \n\
    PATH is a policies directory, its tollgate.toml, or one .xml policy document or fragment.\n\
    Prints every mistake as file:line: message; when valid, the Spin variables named values read.\n\
    Exit status: 0 valid, 1 mistakes found, 2 could not check.";

/// What went wrong, when it is not the configuration's fault.
enum Failure {
    /// Bad arguments: print the usage.
    Usage(String),
    /// The path cannot be checked.
    Path(String),
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("tollgate-check: internal error (this is a bug in tollgate-check): {info}");
    }));
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    match std::panic::catch_unwind(|| run(&args)) {
        Ok(Ok(true)) => ExitCode::SUCCESS,
        Ok(Ok(false)) => ExitCode::from(1),
        Ok(Err(Failure::Usage(message))) => {
            if !message.is_empty() {
                eprintln!("tollgate-check: {message}");
            }
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
        Ok(Err(Failure::Path(message))) => {
            eprintln!("tollgate-check: {message}");
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}

/// Checks the path in `args`; `Ok(true)` when the configuration is valid.
fn run(args: &[std::ffi::OsString]) -> Result<bool, Failure> {
    let path = match args {
        [] => return Err(Failure::Usage(String::new())),
        [flag] if flag == "-h" || flag == "--help" => {
            println!("{USAGE}");
            return Ok(true);
        }
        [path] if path.to_string_lossy().starts_with('-') => {
            return Err(Failure::Usage(format!(
                "unknown option `{}`",
                path.to_string_lossy()
            )));
        }
        [path] => PathBuf::from(path),
        _ => return Err(Failure::Usage("expected exactly one PATH".to_string())),
    };
    let metadata = std::fs::metadata(&path)
        .map_err(|error| Failure::Path(format!("{}: {error}", path.display())))?;

    if metadata.is_dir() {
        return Ok(report_dir(&path, load_dir_with_named_values(&path)));
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    if name.as_deref() == Some(MANIFEST) {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        return Ok(report_dir(&dir, load_dir_with_named_values(&dir)));
    }
    let is_xml = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("xml"));
    if is_xml {
        return Ok(match load_policy_file(&path) {
            Ok((PolicyFile::Document(_), named)) => {
                println!("ok: 1 policy document");
                print_variables(&named, &[]);
                true
            }
            Ok((PolicyFile::Fragment(sections), named)) => {
                let sections: Vec<String> = sections
                    .iter()
                    .map(|s| format!("<{}>", s.element()))
                    .collect();
                println!("ok: 1 fragment (allowed in {})", sections.join(", "));
                print_variables(&named, &[]);
                true
            }
            Err(errors) => {
                print_errors(None, &errors);
                false
            }
        });
    }
    Err(Failure::Path(format!(
        "{}: not a policies directory, a tollgate.toml or an .xml policy document",
        path.display()
    )))
}

/// Prints the outcome of loading a directory; `true` when it is valid.
fn report_dir(dir: &Path, loaded: Result<(Config, Vec<NamedValueUse>), Vec<LoadError>>) -> bool {
    match loaded {
        Ok((config, named)) => {
            println!("ok: {}", summary(&config));
            print_variables(&named, &config.secret_variables);
            true
        }
        Err(errors) => {
            print_errors(Some(dir), &errors);
            false
        }
    }
}

/// Lists the Spin variables named values read, each with the name written and where.
fn print_variables(named: &[NamedValueUse], secret: &[String]) {
    let variables = variables(named);
    if variables.is_empty() {
        return;
    }
    println!(
        "Spin variables read by named values (declare each in spin.toml's [variables] and \
         [component.tollgate.variables]):"
    );
    let width = variables.iter().map(|(v, _)| v.len()).max().unwrap_or(0);
    for (variable, first) in &variables {
        let secret = if secret.contains(variable) {
            ", secret"
        } else {
            ""
        };
        println!(
            "  {variable:<width$}  {{{{{}}}}} at {}:{}:{}{secret}",
            first.name, first.file, first.line, first.column
        );
    }
}

/// Prints each error as `file:line: message`, the file joined to `dir` as the user gave it.
fn print_errors(dir: Option<&Path>, errors: &[LoadError]) {
    for error in errors {
        let file = match dir {
            Some(dir) => dir.join(&error.file).display().to_string(),
            None => error.file.clone(),
        };
        println!("{file}:{}: {}", error.line, error.message);
    }
    let count = errors.len();
    eprintln!(
        "tollgate-check: {count} {}",
        plural(count, "mistake", "mistakes")
    );
}

/// "2 APIs, 1 product, 3 policy documents".
fn summary(config: &Config) -> String {
    let mut files: Vec<&str> = Vec::new();
    let documents = config
        .global
        .iter()
        .chain(config.products.iter().filter_map(|p| p.policy.as_ref()))
        .chain(config.apis.iter().filter_map(|a| a.policy.as_ref()))
        .chain(
            config
                .apis
                .iter()
                .flat_map(|a| a.operations.iter().filter_map(|o| o.policy.as_ref())),
        );
    for document in documents {
        if !files.contains(&document.file.as_str()) {
            files.push(&document.file);
        }
    }
    let apis = config.apis.iter().filter(|a| a.is_current).count();
    let revisions = config.apis.len() - apis;
    let revisions = match revisions {
        0 => String::new(),
        n => format!(" (+{n} {})", plural(n, "revision", "revisions")),
    };
    let (products, documents) = (config.products.len(), files.len());
    format!(
        "{apis} {}{revisions}, {products} {}, {documents} {}",
        plural(apis, "API", "APIs"),
        plural(products, "product", "products"),
        plural(documents, "policy document", "policy documents")
    )
}

fn plural<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}
