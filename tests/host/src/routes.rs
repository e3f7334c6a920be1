//! Spin's HTTP routes: `/foo` (exact) and `/foo/...` (the base and everything under it);
//! `/...` matches every path. An exact route beats a wildcard; among wildcards the longest base
//! wins.

use std::fmt;

/// One route pattern as written in `spin.toml` / on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    raw: String,
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// The path, without a trailing slash (`""` for `/`).
    Exact(String),
    /// The base, without a trailing slash (`""` for `/...`).
    Wildcard(String),
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl Route {
    /// Parses `/foo`, `/foo/...` or `/...`.
    pub fn parse(raw: &str) -> Result<Route, String> {
        if !raw.starts_with('/') {
            return Err(format!("route {raw:?} must start with '/'"));
        }
        if raw.contains(['?', '#']) || raw.chars().any(char::is_whitespace) {
            return Err(format!("route {raw:?} contains an invalid character"));
        }
        let kind = if let Some(base) = raw.strip_suffix("/...") {
            Kind::Wildcard(base.trim_end_matches('/').to_string())
        } else if raw.contains("...") || raw.split('/').any(|s| s.starts_with(':')) {
            return Err(format!(
                "route {raw:?}: only /path and /path/... are supported (no :params)"
            ));
        } else {
            Kind::Exact(raw.trim_end_matches('/').to_string())
        };
        Ok(Route {
            raw: raw.to_string(),
            kind,
        })
    }

    /// The pattern as written (`spin-raw-component-route`, `spin-matched-route`).
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The route without its `/...` suffix (`spin-component-route`): `/portal` for
    /// `/portal/...`, `""` for `/...`.
    pub fn component_route(&self) -> &str {
        match &self.kind {
            Kind::Exact(p) | Kind::Wildcard(p) => p,
        }
    }

    /// If `path` matches, the path info (`spin-path-info`): what follows the base, `""` for an
    /// exact match.
    pub fn matches<'p>(&self, path: &'p str) -> Option<&'p str> {
        match &self.kind {
            Kind::Exact(p) => (path.trim_end_matches('/') == p).then_some(""),
            Kind::Wildcard(base) => {
                let rest = path.strip_prefix(base.as_str())?;
                (rest.is_empty() || rest.starts_with('/')).then_some(rest)
            }
        }
    }

    /// Orders matches: exact routes first, then wildcards by base length.
    fn rank(&self) -> (bool, usize) {
        match &self.kind {
            Kind::Exact(p) => (true, p.len()),
            Kind::Wildcard(b) => (false, b.len()),
        }
    }
}

/// The best of `routes` for `path`: its index and the path info.
pub fn best_match<'p>(routes: &[Route], path: &'p str) -> Option<(usize, &'p str)> {
    routes
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.matches(path).map(|info| (i, info, r.rank())))
        .max_by_key(|&(i, _, rank)| (rank, std::cmp::Reverse(i)))
        .map(|(i, info, _)| (i, info))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(raw: &[&str]) -> Vec<Route> {
        raw.iter().map(|r| Route::parse(r).unwrap()).collect()
    }

    #[test]
    fn matches_like_spin() {
        let rs = routes(&["/...", "/portal/...", "/portal/admin", "/api/v1/..."]);
        assert_eq!(best_match(&rs, "/"), Some((0, "/")));
        assert_eq!(best_match(&rs, "/weather/x"), Some((0, "/weather/x")));
        assert_eq!(best_match(&rs, "/portal"), Some((1, "")));
        assert_eq!(best_match(&rs, "/portal/"), Some((1, "/")));
        assert_eq!(best_match(&rs, "/portal/a/b"), Some((1, "/a/b")));
        assert_eq!(best_match(&rs, "/portalx"), Some((0, "/portalx")));
        assert_eq!(best_match(&rs, "/portal/admin"), Some((2, "")));
        assert_eq!(best_match(&rs, "/portal/admin/x"), Some((1, "/admin/x")));
        assert_eq!(best_match(&rs, "/api/v1/x"), Some((3, "/x")));
        let only = routes(&["/portal/..."]);
        assert_eq!(best_match(&only, "/other"), None);
    }

    #[test]
    fn parses_and_names() {
        let r = Route::parse("/portal/...").unwrap();
        assert_eq!(r.raw(), "/portal/...");
        assert_eq!(r.component_route(), "/portal");
        assert_eq!(Route::parse("/...").unwrap().component_route(), "");
        assert_eq!(Route::parse("/x").unwrap().component_route(), "/x");
        assert!(Route::parse("portal").is_err());
        assert!(Route::parse("/users/:id").is_err());
    }
}
