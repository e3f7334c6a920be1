//! The portal's Spin edge: exports `wasi:http/incoming-handler` and reuses the core's host
//! adapters (`tollgate::spin`), so the store, variables and randomness are reached exactly as
//! the gateway reaches them.

// The SDK's export macro expands to `unsafe` glue; nothing else here is unsafe.
#![allow(unsafe_code)]

use spin_sdk::http::{IncomingRequest, ResponseOutparam};
use tollgate::http::Response;

use crate::Portal;

#[spin_sdk::http_component]
async fn handle(incoming: IncomingRequest, out: ResponseOutparam) {
    let response = match tollgate::spin::read_request(incoming).await {
        Ok(request) => match Portal::embedded() {
            Ok(portal) => tollgate::spin::with_host(|host| portal.handle(request, host)),
            Err(error) => {
                eprintln!("tollgate-portal: the embedded configuration does not load: {error}");
                plain(
                    500,
                    "The portal's configuration does not load; see the log.",
                )
            }
        },
        Err(detail) => {
            eprintln!("tollgate-portal: could not read the request body: {detail}");
            plain(400, "The request body could not be read.")
        }
    };
    tollgate::spin::write_response(response, out);
}

fn plain(status: u16, text: &str) -> Response {
    let mut response = Response::new(status);
    response
        .headers
        .set("content-type", "text/plain; charset=utf-8");
    response.body = text.as_bytes().to_vec();
    response
}
