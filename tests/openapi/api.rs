//! Calling the node and checking each answer against the operation the document declares.

use crate::common::*;
use crate::schema::{check, resolve};
use crate::DOC;
use reqwest::header::CONTENT_TYPE;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub const CONVERSATIONS: &str = "/api/v1/conversations";
pub const CONVERSATION: &str = "/api/v1/conversations/{id}";
pub const MESSAGES: &str = "/api/v1/conversations/{id}/messages";

pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
}

pub struct Api<'a> {
    pub node: &'a TestNode,
    pub doc: Value,
    /// Operations called, to prove that every documented one was.
    called: BTreeSet<(String, String)>,
}

pub enum Body {
    None,
    Json(Value),
    Raw(Vec<u8>),
}

impl<'a> Api<'a> {
    pub fn new(node: &'a TestNode) -> Self {
        Api {
            node,
            doc: serde_json::from_str(DOC).expect("docs/openapi.json is JSON"),
            called: BTreeSet::new(),
        }
    }

    fn operation(&self, method: &Method, template: &str) -> Value {
        let op = &self.doc["paths"][template][method.as_str().to_lowercase()];
        assert!(op.is_object(), "{method} {template} is not documented");
        op.clone()
    }

    /// The documented response for `status`, following a `$ref` to components.
    fn response(&self, method: &Method, template: &str, status: u16) -> Value {
        let op = self.operation(method, template);
        let r = &op["responses"][status.to_string()];
        assert!(
            r.is_object(),
            "{method} {template} answered {status}, which the document does not list"
        );
        match r.get("$ref").and_then(Value::as_str) {
            Some(reference) => resolve(&self.doc, reference).clone(),
            None => r.clone(),
        }
    }

    pub async fn call(
        &mut self,
        method: Method,
        template: &str,
        path: &str,
        token: Option<&str>,
        body: Body,
    ) -> Answer {
        assert_path_fits(template, path);
        let mut rb = self.node.http.request(method.clone(), self.node.url(path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        rb = match body {
            Body::None => rb,
            Body::Json(v) => rb.json(&v),
            Body::Raw(bytes) => rb
                .header(CONTENT_TYPE, "application/octet-stream")
                .body(bytes),
        };
        let r = rb.send().await.expect("the node answers");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.expect("a body").to_vec();
        let json = self.verify(&method, template, status, &headers, &bytes);
        Answer {
            status,
            headers,
            json,
        }
    }

    /// Checks status, headers, content type and (for JSON) the body; returns the parsed JSON.
    pub fn verify(
        &mut self,
        method: &Method,
        template: &str,
        status: u16,
        headers: &reqwest::header::HeaderMap,
        bytes: &[u8],
    ) -> Value {
        self.called
            .insert((method.as_str().to_string(), template.to_string()));
        let doc_resp = self.response(method, template, status);
        let where_ = format!("{method} {template} {status}");
        for (name, h) in doc_resp["headers"].as_object().into_iter().flatten() {
            let value = headers
                .get(name.as_str())
                .unwrap_or_else(|| panic!("{where_}: documented header {name} is missing"));
            let value = value.to_str().unwrap();
            if let Some(allowed) = h["schema"]["enum"].as_array() {
                assert!(
                    allowed.contains(&json!(value)),
                    "{where_}: header {name}: {value:?} is not one of {allowed:?}"
                );
            }
        }
        let Some(content) = doc_resp["content"].as_object() else {
            assert!(
                bytes.is_empty(),
                "{where_}: the document declares no body, the node sent {} bytes",
                bytes.len()
            );
            return Value::Null;
        };
        let actual = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let schema = match content.get(&actual) {
            Some(c) => &c["schema"],
            None => {
                assert!(
                    content.contains_key("*/*"),
                    "{where_}: content type {actual:?} is not among {:?}",
                    content.keys().collect::<Vec<_>>()
                );
                return Value::Null;
            }
        };
        if actual != "application/json" {
            return Value::Null;
        }
        let v: Value = serde_json::from_slice(bytes)
            .unwrap_or_else(|e| panic!("{where_}: body is not JSON: {e}"));
        let errs = check(&self.doc, schema, &v);
        assert!(errs.is_empty(), "{where_}: {errs:#?}\nbody: {v:#}");
        v
    }

    /// Every documented operation was called at least once.
    pub fn assert_all_called(&self) {
        let mut missing = Vec::new();
        for (path, item) in self.doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                let key = (method.to_uppercase(), path.clone());
                if !self.called.contains(&key) {
                    missing.push(format!("{} {}", key.0, key.1));
                }
            }
        }
        assert!(missing.is_empty(), "never called: {missing:?}");
    }

    /// Operations that need a token, as (method, template) pairs.
    pub fn secured(&self) -> Vec<(Method, String)> {
        let global = !self.doc["security"].as_array().unwrap().is_empty();
        let mut out = Vec::new();
        for (path, item) in self.doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let needs = match op.get("security").and_then(Value::as_array) {
                    Some(s) => !s.is_empty(),
                    None => global,
                };
                if needs {
                    out.push((method.to_uppercase().parse().unwrap(), path.clone()));
                }
            }
        }
        out
    }
}

fn assert_path_fits(template: &str, path: &str) {
    let path = path.split('?').next().unwrap();
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    assert!(
        t.len() == p.len()
            && t.iter()
                .zip(&p)
                .all(|(a, b)| a == b || (a.starts_with('{') && !b.is_empty())),
        "{path} is not an instance of {template}"
    );
}

pub fn fill(template: &str) -> String {
    template
        .replace("{id}", "1")
        .replace("{emoji}", "%F0%9F%91%8D")
        .replace("{file}", "x.js")
        .replace("{replyId}", "1")
}

pub fn s(v: &Value) -> String {
    v.as_str().expect("a string").to_string()
}
