// Tollgate developer portal: the try-it consoles and the copy buttons. Plain JavaScript,
// no framework, no build step. The subscription key travels in a request header, never in
// the URL, and is never stored by this script.
"use strict";

function encodePath(template, fields) {
  return template.replace(/\{(\*?)([^}]+)\}/g, (_, rest, name) => {
    const value = fields.get("path:" + name) || "";
    if (rest) {
      return value.split("/").map(encodeURIComponent).join("/").replace(/^([^/])/, "/$1");
    }
    return encodeURIComponent(value);
  });
}

async function sendTryIt(form) {
  const fields = new FormData(form);
  const method = (form.dataset.method === "*" ? fields.get("method") : form.dataset.method) || "GET";
  let url = encodePath(form.dataset.template, fields);
  const query = new URLSearchParams();
  const headers = new Headers();
  for (const [name, value] of fields.entries()) {
    if (name.startsWith("query:") && value !== "") query.append(name.slice(6), value);
    if (name.startsWith("header:") && value !== "") headers.set(name.slice(7), value);
  }
  if (query.toString()) url += "?" + query.toString();
  const key = fields.get("key");
  if (key) headers.set(form.dataset.keyHeader, key);
  const body = fields.get("body");
  const init = { method, headers, credentials: "omit", cache: "no-store", redirect: "manual" };
  if (body && method !== "GET" && method !== "HEAD") {
    init.body = body;
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }

  const result = form.querySelector(".result");
  const status = result.querySelector(".status");
  const headersOut = result.querySelector(".headers");
  const bodyOut = result.querySelector(".body");
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  status.textContent = "Sending " + method + " " + url + " …";
  status.className = "status";
  headersOut.textContent = "";
  bodyOut.textContent = "";
  result.hidden = false;
  const started = performance.now();
  try {
    const response = await fetch(url, init);
    const text = await response.text();
    const ms = Math.round(performance.now() - started);
    status.textContent = response.status + " " + response.statusText + " · " + ms + " ms · " + method + " " + url;
    status.className = "status " + (response.ok ? "ok" : "failed");
    result.dataset.status = String(response.status);
    const lines = [];
    response.headers.forEach((value, name) => lines.push(name + ": " + value));
    headersOut.textContent = lines.join("\n");
    try {
      bodyOut.textContent = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      bodyOut.textContent = text;
    }
  } catch (error) {
    status.textContent = "The request failed: " + error.message;
    status.className = "status failed";
    result.dataset.status = "error";
  } finally {
    button.disabled = false;
  }
}

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form.try-it");
  if (!form) return;
  event.preventDefault();
  sendTryIt(form);
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.textContent);
    button.textContent = "Copied";
  } catch {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    button.textContent = "Selected: press Ctrl+C";
  }
});
