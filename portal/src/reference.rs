//! An API's reference page: every operation with its parameters, request and response
//! schemas and examples, and a try-it console that calls the gateway from the browser
//! (`portal.js`); for a versioned API, how to call its version and the changelog.

use tollgate::host::Host;
use tollgate::http::Response;
use tollgate_config::{Api, BodyDoc, Config, OperationDoc, ReferenceSource, SchemaLine};

use crate::page::{esc, html, message, respond};
use crate::{Portal, Visit};

/// `GET {base}/apis/{id}`.
pub fn page(portal: &Portal, visit: &Visit<'_>, id: &str, _host: &Host<'_>) -> Response {
    let config = portal.config();
    let Some(api) = config.apis.iter().find(|api| api.id == id) else {
        return message(
            portal,
            visit,
            404,
            "API not found",
            "No API has this id. The catalogue lists every API.",
        );
    };
    let reference = portal.site().references.iter().find(|r| r.api == api.id);
    let mut main = String::new();
    if !api.description.is_empty() {
        main.push_str(&format!("<p class=\"lead\">{}</p>", esc(&api.description)));
    }
    if let Some(reference) = reference.filter(|r| !r.description.is_empty()) {
        main.push_str(&format!("<p>{}</p>", esc(&reference.description)));
    }
    let key_note = if api.subscription_required {
        format!(
            "Send your subscription key in the <code>{}</code> header.",
            esc(&api.subscription_key_header)
        )
    } else {
        "This API needs no subscription key.".to_string()
    };
    let source = match reference.map(|r| r.source) {
        Some(ReferenceSource::OpenApi) => "its OpenAPI description",
        _ => "the operations declared in the gateway configuration",
    };
    main.push_str(&format!(
        "<dl class=\"facts\"><dt>Base path</dt><dd><code>/{}</code> on this host</dd>{}\
         <dt>Authentication</dt><dd>{key_note}</dd><dt>Documented from</dt><dd>{source}</dd></dl>",
        esc(&crate::versions::base_path(config, api)),
        crate::versions::facts(config, api, &esc(&visit.base)),
    ));
    let operations = reference
        .map(|r| r.operations.as_slice())
        .unwrap_or_default();
    if operations.is_empty() {
        main.push_str(
            "<p>This API declares no operations: every method and path under its base path \
             is passed to the backend.</p>",
        );
        main.push_str(&console(config, api, None, "any"));
    } else {
        main.push_str("<nav aria-label=\"Operations\" class=\"toc\"><ul>");
        for operation in operations {
            main.push_str(&format!(
                "<li><a href=\"#op-{id}\"><span class=\"method\">{method}</span> {summary}</a></li>",
                id = esc(&operation.id),
                method = esc(&operation.method),
                summary = esc(title(operation)),
            ));
        }
        main.push_str("</ul></nav>");
        for operation in operations {
            main.push_str(&operation_section(config, api, operation));
        }
    }
    main.push_str(&crate::versions::changelog(config, api));
    respond(200, html(portal, visit, &api.display_name, &main))
}

fn title(operation: &OperationDoc) -> &str {
    if operation.summary.is_empty() {
        &operation.id
    } else {
        &operation.summary
    }
}

fn operation_section(config: &Config, api: &Api, operation: &OperationDoc) -> String {
    let id = esc(&operation.id);
    let mut out = format!(
        "<section class=\"operation\" id=\"op-{id}\" aria-labelledby=\"op-{id}-title\">\
         <h2 id=\"op-{id}-title\">{summary}</h2>\
         <p class=\"endpoint\"><span class=\"method\">{method}</span> <code>/{path}{rest}</code></p>",
        summary = esc(title(operation)),
        method = esc(&operation.method),
        path = esc(&crate::versions::base_path(config, api)),
        rest = esc(&operation.path),
    );
    if !operation.description.is_empty() {
        out.push_str(&format!("<p>{}</p>", esc(&operation.description)));
    }
    if !operation.parameters.is_empty() {
        out.push_str(
            "<h3>Parameters</h3><div class=\"scroll\"><table><thead><tr><th scope=\"col\">Name</th>\
             <th scope=\"col\">In</th><th scope=\"col\">Type</th><th scope=\"col\">Required</th>\
             <th scope=\"col\">Description</th></tr></thead><tbody>",
        );
        for p in &operation.parameters {
            let example = if p.example.is_empty() {
                String::new()
            } else {
                format!(" Example: <code>{}</code>", esc(&p.example))
            };
            out.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}{example}</td></tr>",
                esc(&p.name),
                esc(&p.location),
                esc(&p.schema_type),
                if p.required { "yes" } else { "no" },
                esc(&p.description),
            ));
        }
        out.push_str("</tbody></table></div>");
    }
    if let Some(body) = &operation.request_body {
        out.push_str("<h3>Request body</h3>");
        out.push_str(&body_block(body));
    }
    if !operation.responses.is_empty() {
        out.push_str("<h3>Responses</h3><dl class=\"responses\">");
        for response in &operation.responses {
            out.push_str(&format!(
                "<dt><code>{}</code></dt><dd>{}{}</dd>",
                esc(&response.status),
                esc(&response.description),
                response.body.as_ref().map(body_block).unwrap_or_default()
            ));
        }
        out.push_str("</dl>");
    }
    out.push_str(&console(config, api, Some(operation), &operation.id));
    out.push_str("</section>");
    out
}

fn body_block(body: &BodyDoc) -> String {
    let mut out = format!("<p><code>{}</code>", esc(&body.content_type));
    if !body.description.is_empty() {
        out.push_str(&format!(": {}", esc(&body.description)));
    }
    out.push_str("</p>");
    out.push_str(&schema_list(&body.schema));
    if !body.example.is_empty() {
        out.push_str(&format!(
            "<pre class=\"example\"><code>{}</code></pre>",
            esc(&body.example)
        ));
    }
    out
}

/// A schema as nested lists: `name` `type` (required) description, children in a list
/// inside their parent's item. Properties are listed by name.
fn schema_list(lines: &[SchemaLine]) -> String {
    let Some(root) = lines.first() else {
        return String::new();
    };
    let mut out = format!(
        "<div class=\"schema\"><p>Schema: <code>{}</code></p>",
        esc(&root.schema_type)
    );
    // Open lists; each but the first level sits inside an open item.
    let mut depth = 0;
    for line in &lines[1..] {
        if line.depth > depth {
            while depth < line.depth {
                out.push_str("<ul>");
                depth += 1;
            }
        } else {
            out.push_str("</li>");
            while depth > line.depth {
                out.push_str("</ul></li>");
                depth -= 1;
            }
        }
        let name = if line.name.is_empty() {
            "items".to_string()
        } else {
            format!("<code>{}</code>", esc(&line.name))
        };
        let required = if line.required { " required" } else { "" };
        let description = if line.description.is_empty() {
            String::new()
        } else {
            format!(": {}", esc(&line.description))
        };
        out.push_str(&format!(
            "<li>{name} <span class=\"type\">{}</span><span class=\"required\">{required}</span>{description}",
            esc(&line.schema_type)
        ));
    }
    if depth > 0 {
        out.push_str("</li>");
        for level in (1..=depth).rev() {
            out.push_str(if level > 1 { "</ul></li>" } else { "</ul>" });
        }
    }
    out.push_str("</div>");
    out
}

/// The try-it form. `portal.js` fills the path template from the `path:` fields, adds the
/// `query:` fields to the query, sends the key in the API's key header (never in the URL) and
/// shows the status, headers, body and latency. Without an operation, the path is free text.
fn console(config: &Config, api: &Api, operation: Option<&OperationDoc>, slug: &str) -> String {
    let slug = esc(slug);
    let base = crate::versions::base_path(config, api);
    let (method, template) = match operation {
        Some(op) => (op.method.as_str(), format!("/{base}{}", op.path)),
        None => ("*", format!("/{base}{{*path}}")),
    };
    let mut fields = String::new();
    let mut field = |name: &str, label: &str, required: bool, hint: &str| {
        let required_attr = if required { " required" } else { "" };
        fields.push_str(&format!(
            "<label>{label}{hint}<input name=\"{name}\" autocomplete=\"off\"{required_attr}></label>",
            label = esc(label),
            name = esc(name),
            hint = if hint.is_empty() {
                String::new()
            } else {
                format!(" <span class=\"muted\">{}</span>", esc(hint))
            },
        ));
    };
    match operation {
        Some(op) => {
            for p in &op.parameters {
                let (prefix, hint) = match p.location.as_str() {
                    "path" => ("path", "path"),
                    "query" => ("query", "query"),
                    "header" => ("header", "header"),
                    _ => continue,
                };
                field(&format!("{prefix}:{}", p.name), &p.name, p.required, hint);
            }
        }
        None => field(
            "path:path",
            "Path",
            false,
            "after the base path, e.g. /items/1",
        ),
    }
    // The header or query parameter naming the version, filled in.
    if let Some((place, name, value)) = crate::versions::version_field(config, api) {
        fields.push_str(&format!(
            "<label>{label} <span class=\"muted\">{place}</span><input name=\"{place}:{label}\" \
             value=\"{value}\" autocomplete=\"off\"></label>",
            label = esc(&name),
            value = esc(&value),
        ));
    }
    let method_field = if method == "*" {
        let options: String = ["GET", "POST", "PUT", "PATCH", "DELETE"]
            .iter()
            .map(|m| format!("<option>{m}</option>"))
            .collect();
        format!("<label>Method<select name=\"method\">{options}</select></label>")
    } else {
        String::new()
    };
    let body_field = if matches!(method, "GET" | "HEAD" | "DELETE" | "OPTIONS") {
        String::new()
    } else {
        let example = operation
            .and_then(|op| op.request_body.as_ref())
            .map(|b| esc(&b.example))
            .unwrap_or_default();
        format!("<label>Body<textarea name=\"body\" rows=\"4\">{example}</textarea></label>")
    };
    let key_field = if api.subscription_required {
        format!(
            "<label>Subscription key <span class=\"muted\">sent as {header}</span>\
             <input name=\"key\" type=\"password\" autocomplete=\"off\" spellcheck=\"false\" \
             class=\"key-input\"></label>",
            header = esc(&api.subscription_key_header)
        )
    } else {
        String::new()
    };
    format!(
        "<form class=\"try-it\" id=\"try-{slug}\" data-method=\"{method}\" data-template=\"{template}\" \
         data-key-header=\"{key_header}\"><fieldset><legend>Try it</legend>{fields}{method_field}\
         {body_field}{key_field}<button type=\"submit\">Send request</button></fieldset>\
         <div class=\"result\" aria-live=\"polite\" hidden><p class=\"status\"></p>\
         <h4>Response headers</h4><pre class=\"headers\"></pre><h4>Response body</h4>\
         <pre class=\"body\"></pre></div></form>",
        method = esc(method),
        template = esc(&template),
        key_header = esc(&api.subscription_key_header),
    )
}
