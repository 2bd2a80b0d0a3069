//! The OpenAPI document against the real node: every documented operation is called, every
//! status it answers must be documented for that operation, and every JSON body must match the
//! schema the document declares for that status. A drift between code and document fails here.

#[path = "../common/mod.rs"]
mod common;

use common::*;
use reqwest::header::CONTENT_TYPE;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const DOC: &str = include_str!("../../docs/openapi.json");

// ---------------------------------------------------------------------------------------------
// A small JSON Schema checker for the subset of OpenAPI 3.0 schemas the document uses.

fn resolve<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("only local references are supported: {reference}"));
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("dangling reference {reference}"))
}

fn type_matches(kind: &str, v: &Value) -> bool {
    match kind {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        other => panic!("unknown schema type {other}"),
    }
}

fn pattern_matches(pattern: &str, s: &str) -> bool {
    match pattern {
        "^[0-9]+$" => !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
        other => panic!("the checker does not know the pattern {other}"),
    }
}

/// Collects every way `v` breaks `schema` into `errs`, each prefixed with its JSON path.
fn validate(doc: &Value, schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return validate(doc, resolve(doc, r), v, at, errs);
    }
    if v.is_null() {
        if schema.get("nullable") != Some(&json!(true)) {
            errs.push(format!("{at}: null, but the schema is not nullable"));
        }
        return;
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            validate(doc, s, v, at, errs);
        }
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = one
            .iter()
            .filter(|s| {
                let mut e = Vec::new();
                validate(doc, s, v, at, &mut e);
                e.is_empty()
            })
            .count();
        if matching != 1 {
            errs.push(format!(
                "{at}: matches {matching} of the oneOf schemas, not 1"
            ));
        }
    }
    if let Some(kind) = schema.get("type").and_then(Value::as_str) {
        if !type_matches(kind, v) {
            errs.push(format!("{at}: expected {kind}, got {v}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(v) {
            errs.push(format!("{at}: {v} is not one of {allowed:?}"));
        }
    }
    if let Some(s) = v.as_str() {
        let len = s.chars().count() as u64;
        if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
            if !pattern_matches(p, s) {
                errs.push(format!("{at}: {s:?} does not match {p}"));
            }
        }
        if schema.get("format").and_then(Value::as_str) == Some("date-time")
            && chrono::DateTime::parse_from_rfc3339(s).is_err()
        {
            errs.push(format!("{at}: {s:?} is not an RFC 3339 time"));
        }
        if schema["maxLength"].as_u64().is_some_and(|m| len > m) {
            errs.push(format!("{at}: longer than maxLength"));
        }
        if schema["minLength"].as_u64().is_some_and(|m| len < m) {
            errs.push(format!("{at}: shorter than minLength"));
        }
    }
    if let Some(n) = v.as_f64() {
        if schema["minimum"].as_f64().is_some_and(|m| n < m) {
            errs.push(format!("{at}: {n} is below the minimum"));
        }
        if schema["maximum"].as_f64().is_some_and(|m| n > m) {
            errs.push(format!("{at}: {n} is above the maximum"));
        }
    }
    if let Some(items) = v.as_array() {
        if schema["maxItems"]
            .as_u64()
            .is_some_and(|m| items.len() as u64 > m)
        {
            errs.push(format!("{at}: more than maxItems"));
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                validate(doc, item_schema, item, &format!("{at}[{i}]"), errs);
            }
        }
    }
    if let Some(obj) = v.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for req in schema["required"].as_array().into_iter().flatten() {
            let name = req.as_str().expect("required names are strings");
            if !obj.contains_key(name) {
                errs.push(format!("{at}: required property {name} is missing"));
            }
        }
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(doc, s, val, &format!("{at}.{k}"), errs),
                None if schema.get("additionalProperties") == Some(&json!(false)) => {
                    errs.push(format!("{at}: property {k} is not in the document"))
                }
                None => {}
            }
        }
    }
}

fn check(doc: &Value, schema: &Value, v: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    validate(doc, schema, v, "$", &mut errs);
    errs
}

// ---------------------------------------------------------------------------------------------
// Calling the node and checking each answer against the operation the document declares.

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    json: Value,
}

struct Api<'a> {
    node: &'a TestNode,
    doc: Value,
    /// Operations called, to prove that every documented one was.
    called: BTreeSet<(String, String)>,
}

enum Body {
    None,
    Json(Value),
    Raw(Vec<u8>),
}

impl<'a> Api<'a> {
    fn new(node: &'a TestNode) -> Self {
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

    async fn call(
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
    fn verify(
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
    fn assert_all_called(&self) {
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
    fn secured(&self) -> Vec<(Method, String)> {
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

fn fill(template: &str) -> String {
    template
        .replace("{id}", "1")
        .replace("{emoji}", "%F0%9F%91%8D")
        .replace("{file}", "x.js")
}

fn s(v: &Value) -> String {
    v.as_str().expect("a string").to_string()
}

const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x00, 0x02, 0x00,
    0x00, 0x05, 0x00, 0x01, 0x7a, 0x5e, 0xab, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
    0xae, 0x42, 0x60, 0x82,
];

// ---------------------------------------------------------------------------------------------

#[test]
fn the_checker_refuses_what_the_document_does_not_allow() {
    let doc: Value = serde_json::from_str(DOC).unwrap();
    let message = json!({"$ref": "#/components/schemas/Message"});
    let good = json!({
        "id": "5", "conversationId": "1", "senderId": "9",
        "sender": {"id": "9", "name": null, "role": "CUSTOMER"},
        "contentType": "TEXT", "body": "hi", "fileUrl": null, "mimeType": null,
        "attachments": [], "reactions": [{"emoji": "👍", "userIds": ["9"]}],
        "clientId": "c1", "createdAt": "2026-11-25T18:00:00.5Z", "editedAt": null, "deletedAt": null
    });
    assert_eq!(check(&doc, &message, &good), Vec::<String>::new());
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        check(&doc, &message, &v)
    };
    assert!(
        !broken(&|v| v["id"] = json!(5)).is_empty(),
        "ids are strings"
    );
    assert!(
        !broken(&|v| v["id"] = json!("5a")).is_empty(),
        "decimal ids"
    );
    assert!(!broken(&|v| v["contentType"] = json!("text")).is_empty());
    assert!(!broken(&|v| v["createdAt"] = json!("yesterday")).is_empty());
    assert!(!broken(&|v| v["createdAt"] = Value::Null).is_empty());
    assert!(!broken(&|v| v["extra"] = json!(1)).is_empty());
    assert!(!broken(&|v| {
        v.as_object_mut().unwrap().remove("clientId");
    })
    .is_empty());
    assert!(!broken(&|v| v["sender"]["role"] = json!("ADMIN")).is_empty());
    assert!(!broken(&|v| v["reactions"][0]["userIds"] = json!([1])).is_empty());
    assert!(!broken(&|v| v["body"] = json!("x".repeat(4001))).is_empty());
    let conversation = json!({"$ref": "#/components/schemas/Conversation"});
    let conv = json!({
        "id": "1", "businessId": "1", "businessName": "B", "type": "DIRECT", "participants": [],
        "unreadCount": 0, "lastMessage": good, "createdAt": "2026-11-25T18:00:00Z",
        "updatedAt": "2026-11-25T18:00:00Z"
    });
    assert_eq!(check(&doc, &conversation, &conv), Vec::<String>::new());
    let mut bad = conv.clone();
    bad["lastMessage"]["body"] = json!(3);
    assert!(!check(&doc, &conversation, &bad).is_empty(), "nested refs");
    bad["lastMessage"] = Value::Null;
    assert_eq!(check(&doc, &conversation, &bad), Vec::<String>::new());
    bad["unreadCount"] = json!(-1);
    assert!(!check(&doc, &conversation, &bad).is_empty());
    let id_input = json!({"$ref": "#/components/schemas/IdInput"});
    assert!(check(&doc, &id_input, &json!("3")).is_empty());
    assert!(check(&doc, &id_input, &json!(3)).is_empty());
    assert!(!check(&doc, &id_input, &json!(true)).is_empty());
}

#[test]
fn every_reference_in_the_document_resolves() {
    fn walk(doc: &Value, v: &Value) {
        match v {
            Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                    resolve(doc, r);
                }
                m.values().for_each(|x| walk(doc, x));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(doc, x)),
            _ => {}
        }
    }
    let doc: Value = serde_json::from_str(DOC).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    walk(&doc, &doc);
    let mut ids = BTreeSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let id = op["operationId"]
                .as_str()
                .expect("every operation has an id");
            assert!(ids.insert(id.to_string()), "duplicate operationId {id}");
        }
    }
}

#[tokio::test]
async fn every_documented_route_answers_as_documented() {
    let widget = std::env::temp_dir().join(format!("shc-widget-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(widget.join("dist")).unwrap();
    std::fs::create_dir_all(widget.join("demo")).unwrap();
    std::fs::write(widget.join("dist/chat-widget.es.js"), "export {};\n").unwrap();
    for page in ["index", "customer", "agent"] {
        std::fs::write(
            widget.join(format!("demo/{page}.html")),
            format!("<!doctype html><title>{page}</title>"),
        )
        .unwrap();
    }
    let n = TestNode::start_with(|c| {
        c.demo = true;
        c.widget_dir = widget.to_string_lossy().into_owned();
    })
    .await;
    let mut api = Api::new(&n);

    // The served document is the file.
    let a = api
        .call(
            Method::GET,
            "/api/v1/openapi.json",
            "/api/v1/openapi.json",
            None,
            Body::None,
        )
        .await;
    assert_eq!(a.json, api.doc);

    // System.
    let a = api
        .call(Method::GET, "/health", "/health", None, Body::None)
        .await;
    assert_eq!(a.json["status"], "ok");
    let a = api
        .call(Method::GET, "/ready", "/ready", None, Body::None)
        .await;
    assert_eq!((a.status, &a.json["redis"]), (200, &Value::Null));
    assert_eq!(
        api.call(Method::GET, "/metrics", "/metrics", None, Body::None)
            .await
            .status,
        200
    );

    // Every secured operation refuses a request without a token, as documented.
    for (method, template) in api.secured() {
        let a = api
            .call(
                method.clone(),
                &template,
                &fill(&template),
                None,
                Body::None,
            )
            .await;
        assert_eq!(a.status, 401, "{method} {template}");
        assert_eq!(a.json["code"], "unauthorized");
    }

    let cust = n.customer(300);
    let other = n.customer(301);
    let agent = n.agent(2001, 1);
    let owner = n.owner(2002, 1);
    let agent2 = n.agent(2101, 2);

    // Conversations.
    let t = "/api/v1/conversations";
    let a = api
        .call(
            Method::POST,
            t,
            t,
            Some(&cust),
            Body::Json(json!({"businessId": "1"})),
        )
        .await;
    assert_eq!(a.status, 201);
    let conv = s(&a.json["id"]);
    let a = api
        .call(
            Method::POST,
            t,
            t,
            Some(&cust),
            Body::Json(json!({"businessId": 1})),
        )
        .await;
    assert_eq!((a.status, s(&a.json["id"])), (200, conv.clone()));
    let a = api
        .call(
            Method::POST,
            t,
            t,
            Some(&cust),
            Body::Json(json!({"business": "1"})),
        )
        .await;
    assert_eq!(a.status, 400);
    let a = api
        .call(
            Method::POST,
            t,
            t,
            Some(&cust),
            Body::Json(json!({"businessId": "999"})),
        )
        .await;
    assert_eq!(a.status, 404);
    let a = api
        .call(
            Method::POST,
            t,
            t,
            Some(&agent),
            Body::Json(json!({"businessId": "1"})),
        )
        .await;
    assert_eq!(a.status, 403);
    let huge = json!({"businessId": "1", "pad": "x".repeat(70 * 1024)});
    let a = api
        .call(Method::POST, t, t, Some(&cust), Body::Json(huge))
        .await;
    assert_eq!(a.status, 413);
    let other_conv = {
        let a = api
            .call(
                Method::POST,
                t,
                t,
                Some(&other),
                Body::Json(json!({"businessId": "2"})),
            )
            .await;
        s(&a.json["id"])
    };

    // Messages: send, repeat, bad input, access.
    let tm = "/api/v1/conversations/{id}/messages";
    let pm = format!("/api/v1/conversations/{conv}/messages");
    let mut sent = Vec::new();
    for i in 0..4 {
        let a = api
            .call(
                Method::POST,
                tm,
                &pm,
                Some(&cust),
                Body::Json(json!({"clientId": format!("oa-{i}"), "body": format!("hello {i}")})),
            )
            .await;
        assert_eq!(a.status, 201);
        sent.push(s(&a.json["id"]));
    }
    let a = api
        .call(
            Method::POST,
            tm,
            &pm,
            Some(&cust),
            Body::Json(json!({"clientId": "oa-0", "body": "again"})),
        )
        .await;
    assert_eq!((a.status, s(&a.json["id"])), (200, sent[0].clone()));
    let a = api
        .call(
            Method::POST,
            tm,
            &pm,
            Some(&agent),
            Body::Json(json!({"body": "Hi, Alice here"})),
        )
        .await;
    assert_eq!(
        (a.status, &a.json["sender"]["role"]),
        (201, &json!("AGENT"))
    );
    let agent_msg = s(&a.json["id"]);
    for bad in [
        json!({"body": ""}),
        json!({"body": "x".repeat(4001)}),
        json!({"body": 5}),
    ] {
        let a = api
            .call(Method::POST, tm, &pm, Some(&cust), Body::Json(bad))
            .await;
        assert_eq!(a.status, 400);
    }
    let a = api
        .call(
            Method::POST,
            tm,
            &pm,
            Some(&other),
            Body::Json(json!({"body": "x"})),
        )
        .await;
    assert_eq!(a.status, 403);
    let a = api
        .call(
            Method::POST,
            tm,
            &pm,
            Some(&agent2),
            Body::Json(json!({"body": "x"})),
        )
        .await;
    assert_eq!(a.status, 403);
    let a = api
        .call(
            Method::POST,
            tm,
            "/api/v1/conversations/987654/messages",
            Some(&cust),
            Body::Json(json!({"body": "x"})),
        )
        .await;
    assert_eq!(a.status, 404);

    // History: latest, before, after, bad parameters.
    let a = api
        .call(Method::GET, tm, &pm, Some(&cust), Body::None)
        .await;
    assert_eq!(
        (
            a.json["items"].as_array().unwrap().len(),
            &a.json["hasMore"]
        ),
        (5, &json!(false))
    );
    let a = api
        .call(
            Method::GET,
            tm,
            &format!("{pm}?limit=2"),
            Some(&cust),
            Body::None,
        )
        .await;
    assert_eq!(a.json["hasMore"], true);
    let a = api
        .call(
            Method::GET,
            tm,
            &format!("{pm}?before={}", sent[2]),
            Some(&cust),
            Body::None,
        )
        .await;
    assert_eq!(a.json["items"].as_array().unwrap().len(), 2);
    let a = api
        .call(
            Method::GET,
            tm,
            &format!("{pm}?after={}", sent[2]),
            Some(&agent),
            Body::None,
        )
        .await;
    assert_eq!(a.json["items"].as_array().unwrap().len(), 2);
    for q in [
        "?before=1&after=2",
        "?limit=0",
        "?limit=201",
        "?limit=x",
        "?after=x",
    ] {
        let a = api
            .call(
                Method::GET,
                tm,
                &format!("{pm}{q}"),
                Some(&cust),
                Body::None,
            )
            .await;
        assert_eq!(a.status, 400, "{q}");
    }
    let a = api
        .call(Method::GET, tm, &pm, Some(&other), Body::None)
        .await;
    assert_eq!(a.status, 403);

    // One conversation; the list with a last message and unread counts.
    let tc = "/api/v1/conversations/{id}";
    let a = api
        .call(
            Method::GET,
            tc,
            &format!("/api/v1/conversations/{conv}"),
            Some(&cust),
            Body::None,
        )
        .await;
    assert_eq!((a.status, &a.json["unreadCount"]), (200, &json!(1)));
    assert_eq!(a.json["lastMessage"]["id"], json!(agent_msg));
    for (path, who, status) in [
        ("/api/v1/conversations/abc".to_string(), &cust, 400),
        ("/api/v1/conversations/0".to_string(), &cust, 400),
        (format!("/api/v1/conversations/{other_conv}"), &cust, 403),
        (format!("/api/v1/conversations/{conv}"), &agent2, 403),
        ("/api/v1/conversations/987654".to_string(), &cust, 404),
    ] {
        assert_eq!(
            api.call(Method::GET, tc, &path, Some(who), Body::None)
                .await
                .status,
            status,
            "{path}"
        );
    }
    let a = api.call(Method::GET, t, t, Some(&agent), Body::None).await;
    let inbox = a.json["items"].as_array().unwrap();
    assert!(inbox.iter().any(|c| c["id"] == json!(conv)), "{inbox:?}");
    assert!(inbox.iter().all(|c| c["businessId"] == "1"));
    let a = api.call(Method::GET, t, t, Some(&cust), Body::None).await;
    assert_eq!(a.json["items"].as_array().unwrap().len(), 1);

    // Read receipts and typing.
    let tr = "/api/v1/conversations/{id}/read";
    let pr = format!("/api/v1/conversations/{conv}/read");
    let a = api
        .call(
            Method::POST,
            tr,
            &pr,
            Some(&cust),
            Body::Json(json!({"messageId": agent_msg})),
        )
        .await;
    assert_eq!(a.status, 204);
    let a = api
        .call(
            Method::POST,
            tr,
            &pr,
            Some(&cust),
            Body::Json(json!({"messageId": "987654"})),
        )
        .await;
    assert_eq!(a.status, 404);
    let a = api
        .call(
            Method::POST,
            tr,
            &pr,
            Some(&cust),
            Body::Json(json!({"message": "1"})),
        )
        .await;
    assert_eq!(a.status, 400);
    let a = api
        .call(
            Method::POST,
            tr,
            &pr,
            Some(&other),
            Body::Json(json!({"messageId": agent_msg})),
        )
        .await;
    assert_eq!(a.status, 403);
    let a = api
        .call(
            Method::GET,
            tc,
            &format!("/api/v1/conversations/{conv}"),
            Some(&cust),
            Body::None,
        )
        .await;
    assert_eq!(a.json["unreadCount"], 0);
    let tt = "/api/v1/conversations/{id}/typing";
    let pt = format!("/api/v1/conversations/{conv}/typing");
    let a = api
        .call(
            Method::POST,
            tt,
            &pt,
            Some(&cust),
            Body::Json(json!({"isTyping": true})),
        )
        .await;
    assert_eq!(a.status, 204);
    let a = api
        .call(
            Method::POST,
            tt,
            &pt,
            Some(&cust),
            Body::Json(json!({"isTyping": "yes"})),
        )
        .await;
    assert_eq!(a.status, 400);
    let a = api
        .call(
            Method::POST,
            tt,
            &pt,
            Some(&other),
            Body::Json(json!({"isTyping": true})),
        )
        .await;
    assert_eq!(a.status, 403);

    // Attachments: upload, attach, download.
    let tu = "/api/v1/conversations/{id}/attachments";
    let pu = format!("/api/v1/conversations/{conv}/attachments");
    let a = api
        .call(
            Method::POST,
            tu,
            &pu,
            Some(&cust),
            Body::Raw(PNG_1X1.to_vec()),
        )
        .await;
    assert_eq!(a.status, 201);
    assert_eq!(
        (&a.json["mimeType"], &a.json["width"], &a.json["height"]),
        (&json!("image/png"), &json!(2), &json!(3))
    );
    let attachment = s(&a.json["id"]);
    let url = s(&a.json["url"]);
    let a = api
        .call(
            Method::POST,
            tu,
            &pu,
            Some(&cust),
            Body::Raw(b"plain notes".to_vec()),
        )
        .await;
    assert_eq!((a.status, &a.json["width"]), (201, &Value::Null));
    assert_eq!(
        api.call(Method::POST, tu, &pu, Some(&cust), Body::Raw(Vec::new()))
            .await
            .status,
        400
    );
    let over = vec![b'a'; 10 * 1024 * 1024 + 1];
    assert_eq!(
        api.call(Method::POST, tu, &pu, Some(&cust), Body::Raw(over))
            .await
            .status,
        413
    );
    assert_eq!(
        api.call(
            Method::POST,
            tu,
            &pu,
            Some(&other),
            Body::Raw(b"x".to_vec())
        )
        .await
        .status,
        403
    );
    let a = api
        .call(
            Method::POST,
            tm,
            &pm,
            Some(&cust),
            Body::Json(json!({"clientId": "oa-file", "attachmentIds": [attachment]})),
        )
        .await;
    assert_eq!((a.status, &a.json["contentType"]), (201, &json!("IMAGE")));
    assert_eq!(a.json["fileUrl"], json!(url));
    assert_eq!(a.json["attachments"][0]["id"], json!(attachment));
    let file_msg = s(&a.json["id"]);
    let a = api
        .call(
            Method::POST,
            tm,
            &pm,
            Some(&cust),
            Body::Json(json!({"clientId": "oa-file-2", "attachmentIds": [attachment]})),
        )
        .await;
    assert_eq!(a.status, 400, "an upload is attached once");
    let ta = "/api/v1/attachments/{id}";
    let a = api
        .call(Method::GET, ta, &url, Some(&agent), Body::None)
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.headers[CONTENT_TYPE], "image/png");
    assert_eq!(a.headers["content-disposition"], "inline");
    let a = api
        .call(
            Method::GET,
            ta,
            &format!("{url}?access_token={cust}"),
            None,
            Body::None,
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        api.call(Method::GET, ta, &url, Some(&other), Body::None)
            .await
            .status,
        403
    );
    assert_eq!(
        api.call(
            Method::GET,
            ta,
            "/api/v1/attachments/987654",
            Some(&cust),
            Body::None
        )
        .await
        .status,
        404
    );

    // Edit, reactions, delete.
    let te = "/api/v1/messages/{id}";
    let pe = format!("/api/v1/messages/{}", sent[1]);
    let a = api
        .call(
            Method::PATCH,
            te,
            &pe,
            Some(&cust),
            Body::Json(json!({"body": "<i>edited</i>"})),
        )
        .await;
    assert_eq!((a.status, &a.json["body"]), (200, &json!("edited")));
    assert!(a.json["editedAt"].is_string());
    for (who, b, status) in [
        (&agent, json!({"body": "mine now"}), 403),
        (&cust, json!({"body": "  "}), 400),
        (&cust, json!({"text": "x"}), 400),
        (&other, json!({"body": "x"}), 403),
    ] {
        assert_eq!(
            api.call(Method::PATCH, te, &pe, Some(who), Body::Json(b))
                .await
                .status,
            status
        );
    }
    assert_eq!(
        api.call(
            Method::PATCH,
            te,
            "/api/v1/messages/987654",
            Some(&cust),
            Body::Json(json!({"body": "x"}))
        )
        .await
        .status,
        404
    );
    let tx = "/api/v1/messages/{id}/reactions/{emoji}";
    let px = format!("/api/v1/messages/{}/reactions/%F0%9F%91%8D", sent[1]);
    let a = api
        .call(Method::PUT, tx, &px, Some(&agent), Body::None)
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.json["reactions"],
        json!([{"emoji": "👍", "userIds": ["2001"]}])
    );
    let a = api
        .call(Method::PUT, tx, &px, Some(&cust), Body::None)
        .await;
    assert_eq!(
        a.json["reactions"][0]["userIds"].as_array().unwrap().len(),
        2
    );
    let a = api
        .call(Method::DELETE, tx, &px, Some(&agent), Body::None)
        .await;
    assert_eq!(
        (a.status, &a.json["reactions"][0]["userIds"]),
        (200, &json!(["300"]))
    );
    let bad = format!("/api/v1/messages/{}/reactions/abc", sent[1]);
    assert_eq!(
        api.call(Method::PUT, tx, &bad, Some(&cust), Body::None)
            .await
            .status,
        400
    );
    assert_eq!(
        api.call(Method::PUT, tx, &px, Some(&other), Body::None)
            .await
            .status,
        403
    );
    let pd = format!("/api/v1/messages/{}", sent[2]);
    assert_eq!(
        api.call(Method::DELETE, te, &pd, Some(&agent), Body::None)
            .await
            .status,
        403
    );
    let a = api
        .call(Method::DELETE, te, &pd, Some(&cust), Body::None)
        .await;
    assert_eq!((a.status, &a.json["body"]), (200, &json!("")));
    assert!(a.json["deletedAt"].is_string());
    assert_eq!(
        api.call(Method::DELETE, te, &pd, Some(&cust), Body::None)
            .await
            .status,
        404
    );
    let a = api
        .call(
            Method::DELETE,
            te,
            &format!("/api/v1/messages/{file_msg}"),
            Some(&owner),
            Body::None,
        )
        .await;
    assert_eq!(a.status, 200, "an owner deletes a customer's message");
    assert_eq!(
        (&a.json["attachments"], &a.json["fileUrl"]),
        (&json!([]), &Value::Null)
    );

    // Community.
    let tg = "/api/v1/businesses/{id}/community";
    let ts = "/api/v1/businesses/{id}/community/subscription";
    let a = api
        .call(
            Method::GET,
            tg,
            "/api/v1/businesses/1/community",
            Some(&cust),
            Body::None,
        )
        .await;
    assert_eq!(
        (a.status, &a.json["type"], &a.json["subscribed"]),
        (200, &json!("COMMUNITY"), &json!(false))
    );
    let community = s(&a.json["id"]);
    let a = api
        .call(
            Method::PUT,
            ts,
            "/api/v1/businesses/1/community/subscription",
            Some(&cust),
            Body::None,
        )
        .await;
    assert_eq!(a.status, 204);
    let a = api
        .call(
            Method::GET,
            tg,
            "/api/v1/businesses/1/community",
            Some(&cust),
            Body::None,
        )
        .await;
    assert_eq!(
        (&a.json["subscribed"], &a.json["subscriberCount"]),
        (&json!(true), &json!(1))
    );
    let a = api
        .call(
            Method::GET,
            tg,
            "/api/v1/businesses/1/community",
            Some(&agent),
            Body::None,
        )
        .await;
    assert_eq!(a.status, 200);
    let pc = format!("/api/v1/conversations/{community}/messages");
    let a = api
        .call(
            Method::POST,
            tm,
            &pc,
            Some(&agent),
            Body::Json(json!({"body": "Sale on Friday"})),
        )
        .await;
    assert_eq!(a.status, 201);
    let a = api
        .call(
            Method::POST,
            tm,
            &pc,
            Some(&cust),
            Body::Json(json!({"body": "me too"})),
        )
        .await;
    assert_eq!(a.status, 403, "only staff post into a community");
    let a = api
        .call(Method::GET, tm, &pc, Some(&cust), Body::None)
        .await;
    assert_eq!(a.json["items"].as_array().unwrap().len(), 1);
    for (m, tpl, path, who, status) in [
        (
            Method::GET,
            tg,
            "/api/v1/businesses/1/community",
            &agent2,
            403,
        ),
        (
            Method::GET,
            tg,
            "/api/v1/businesses/999/community",
            &cust,
            404,
        ),
        (
            Method::GET,
            tg,
            "/api/v1/businesses/x/community",
            &cust,
            400,
        ),
        (
            Method::PUT,
            ts,
            "/api/v1/businesses/1/community/subscription",
            &agent,
            400,
        ),
        (
            Method::PUT,
            ts,
            "/api/v1/businesses/999/community/subscription",
            &cust,
            404,
        ),
        (
            Method::DELETE,
            ts,
            "/api/v1/businesses/1/community/subscription",
            &cust,
            204,
        ),
    ] {
        assert_eq!(
            api.call(m, tpl, path, Some(who), Body::None).await.status,
            status,
            "{path}"
        );
    }
    let a = api
        .call(Method::GET, tm, &pc, Some(&cust), Body::None)
        .await;
    assert_eq!(
        a.status, 403,
        "unsubscribed customers no longer read the channel"
    );

    // Rate limit: a fresh customer's 21st message in 5 s is refused and not stored.
    let rl = n.customer(302);
    let rconv = {
        let a = api
            .call(
                Method::POST,
                t,
                t,
                Some(&rl),
                Body::Json(json!({"businessId": "1"})),
            )
            .await;
        s(&a.json["id"])
    };
    let prl = format!("/api/v1/conversations/{rconv}/messages");
    // All at once, so that the window cannot slide on a slow machine.
    let ids: Vec<String> = (0..20).map(|i| format!("r{i}")).collect();
    let sends = ids.iter().map(|id| n.send(&rl, &rconv, id, id));
    let statuses: Vec<u16> = futures_util::future::join_all(sends)
        .await
        .into_iter()
        .map(|(status, _)| status)
        .collect();
    assert_eq!(statuses, vec![201; 20]);
    let a = api
        .call(
            Method::POST,
            tm,
            &prl,
            Some(&rl),
            Body::Json(json!({"body": "one too many"})),
        )
        .await;
    assert_eq!((a.status, &a.json["code"]), (429, &json!("rate_limited")));
    assert!(a.json["retryAfterMs"].as_u64().is_some_and(|ms| ms <= 5000));

    // SSE: an event stream, with or without a cursor.
    let tv = "/api/v1/events";
    for cursor in [None, Some("v1.1700000000000.1-1")] {
        let mut rb = n.http.get(n.url(tv)).bearer_auth(&cust);
        if let Some(c) = cursor {
            rb = rb.header("last-event-id", c);
        }
        let r = rb.send().await.unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        drop(r);
        api.verify(&Method::GET, tv, status, &headers, b"");
        assert_eq!(status, 200);
        assert_eq!(headers[CONTENT_TYPE], "text/event-stream");
    }

    // WebSocket: 101 with a token, 400 for a plain GET.
    let (ws, resp) = tokio_tungstenite::connect_async(format!("{}?access_token={cust}", n.ws))
        .await
        .expect("upgrade");
    api.verify(
        &Method::GET,
        "/ws",
        resp.status().as_u16(),
        &Default::default(),
        b"",
    );
    drop(ws);
    let a = api
        .call(Method::GET, "/ws", "/ws", Some(&cust), Body::None)
        .await;
    assert_eq!(a.status, 400);

    // Widget bundle and demo pages (this node runs with --demo).
    let tw = "/widget/{file}";
    let a = api
        .call(
            Method::GET,
            tw,
            "/widget/chat-widget.es.js",
            None,
            Body::None,
        )
        .await;
    assert_eq!(a.status, 200);
    assert!(a.headers[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    for missing in ["/widget/missing.js", "/widget/..secret"] {
        assert_eq!(
            api.call(Method::GET, tw, missing, None, Body::None)
                .await
                .status,
            404
        );
    }
    for page in ["/demo", "/demo/customer", "/demo/agent"] {
        let a = api.call(Method::GET, page, page, None, Body::None).await;
        assert_eq!(a.status, 200, "{page}");
    }
    let td = "/demo/session";
    let a = api.call(Method::GET, td, td, None, Body::None).await;
    assert_eq!(
        (&a.json["userId"], &a.json["role"]),
        (&json!("1001"), &json!("CUSTOMER"))
    );
    let a = api
        .call(
            Method::GET,
            td,
            "/demo/session?as=customer&user=4242&name=Dana",
            None,
            Body::None,
        )
        .await;
    assert_eq!(
        (&a.json["userId"], &a.json["name"]),
        (&json!("4242"), &json!("Dana"))
    );
    let token = s(&a.json["token"]);
    let a = api.call(Method::GET, t, t, Some(&token), Body::None).await;
    assert_eq!(a.status, 200, "a demo token is a valid token");
    let a = api
        .call(Method::GET, td, "/demo/session?as=agent", None, Body::None)
        .await;
    assert_eq!(
        (&a.json["role"], &a.json["businessId"]),
        (&json!("AGENT"), &json!("1"))
    );
    for q in ["?as=boss", "?user=0", "?user=abc"] {
        let a = api
            .call(Method::GET, td, &format!("{td}{q}"), None, Body::None)
            .await;
        assert_eq!(a.status, 400, "{q}");
    }

    api.assert_all_called();
    n.stop().await;
    let _ = std::fs::remove_dir_all(widget);
}

#[tokio::test]
async fn demo_routes_are_not_found_without_demo_mode() {
    let n = TestNode::start().await;
    let mut api = Api::new(&n);
    for path in ["/demo", "/demo/customer", "/demo/agent", "/demo/session"] {
        let a = api.call(Method::GET, path, path, None, Body::None).await;
        assert_eq!(
            (a.status, &a.json["code"]),
            (404, &json!("not_found")),
            "{path}"
        );
    }
    n.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Realtime frames: the `ClientFrame` and `ServerEvent` schemas of the document.

/// Validates every event read from a socket and remembers which types were seen.
struct Events {
    doc: Value,
    seen: BTreeSet<String>,
}

impl Events {
    fn check(&mut self, v: &Value) {
        let errs = check(
            &self.doc,
            &json!({"$ref": "#/components/schemas/ServerEvent"}),
            v,
        );
        assert!(errs.is_empty(), "{errs:#?}\nevent: {v:#}");
        self.seen.insert(v["type"].as_str().unwrap().to_string());
    }

    /// The next event of `kind`, validating every event on the way.
    async fn expect(&mut self, ws: &mut Ws, kind: &str) -> Value {
        loop {
            let e = next_event(ws).await;
            assert_ne!(
                e["type"], "closed",
                "socket closed while waiting for {kind}"
            );
            self.check(&e);
            if e["type"] == kind {
                return e;
            }
        }
    }

    async fn send(&self, ws: &mut Ws, frame: Value) {
        let errs = check(
            &self.doc,
            &json!({"$ref": "#/components/schemas/ClientFrame"}),
            &frame,
        );
        assert!(errs.is_empty(), "{errs:#?}\nframe: {frame:#}");
        ws_send(ws, frame).await;
    }
}

async fn connect(n: &TestNode, token: &str) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(format!("{}?access_token={token}", n.ws))
        .await
        .expect("ws connects");
    ws
}

#[test]
fn every_client_frame_the_node_decodes_is_documented() {
    use servihub_actors::protocol::{ClientFrame, ContentType, Id};
    let doc: Value = serde_json::from_str(DOC).unwrap();
    let schema = json!({"$ref": "#/components/schemas/ClientFrame"});
    let frames = [
        ClientFrame::MessageSend {
            conversation_id: Id(1),
            client_id: "c1".into(),
            body: "hi".into(),
            content_type: Some(ContentType::Image),
            attachment_ids: Some(vec![Id(2)]),
        },
        ClientFrame::MessageSend {
            conversation_id: Id(1),
            client_id: "c2".into(),
            body: "hi".into(),
            content_type: None,
            attachment_ids: None,
        },
        ClientFrame::MessageEdit {
            message_id: Id(3),
            body: "edited".into(),
            client_id: Some("c3".into()),
        },
        ClientFrame::MessageDelete {
            message_id: Id(3),
            client_id: None,
        },
        ClientFrame::Typing {
            conversation_id: Id(1),
            is_typing: true,
        },
        ClientFrame::Read {
            conversation_id: Id(1),
            message_id: Id(3),
        },
        ClientFrame::Resume {
            conversation_id: Id(1),
            after_id: Id(0),
        },
        ClientFrame::Ping,
    ];
    for f in frames {
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(check(&doc, &schema, &v), Vec::<String>::new(), "{v}");
    }
    let unknown = json!({"type": "message.sned", "conversationId": "1"});
    assert!(!check(&doc, &schema, &unknown).is_empty());
}

#[tokio::test]
async fn every_realtime_event_matches_the_document() {
    let n = TestNode::start().await;
    let doc: Value = serde_json::from_str(DOC).unwrap();
    let documented: BTreeSet<String> = doc["components"]["schemas"]["ServerEvent"]["discriminator"]
        ["mapping"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut ev = Events {
        doc,
        seen: BTreeSet::new(),
    };
    let agent = n.agent(2001, 1);
    let cust = n.customer(600);

    let mut a = connect(&n, &agent).await;
    ev.expect(&mut a, "hello").await;
    let conv = n.open(&cust, 1).await;
    let opened = ev.expect(&mut a, "conversation.new").await;
    assert_eq!(opened["conversation"]["id"], json!(conv));

    let mut c = connect(&n, &cust).await;
    let hello = ev.expect(&mut c, "hello").await;
    assert_eq!(hello["userId"], "600");
    let online = ev.expect(&mut a, "presence").await;
    assert_eq!(
        (&online["userId"], &online["status"]),
        (&json!("600"), &json!("online"))
    );

    let send =
        json!({"type": "message.send", "conversationId": conv, "clientId": "ws-1", "body": "hi"});
    ev.send(&mut c, send).await;
    let ack = ev.expect(&mut c, "message.ack").await;
    let first = ack["message"]["id"].clone();
    let new = ev.expect(&mut a, "message.new").await;
    assert_eq!(new["message"]["id"], first);

    let reply = json!({"type": "message.send", "conversationId": conv, "clientId": "ws-2", "body": "hello!"});
    ev.send(&mut a, reply).await;
    let reply = ev.expect(&mut a, "message.ack").await["message"]["id"].clone();
    let unread = ev.expect(&mut c, "unread").await;
    assert_eq!(unread["count"], 1);

    ev.send(
        &mut a,
        json!({"type": "typing", "conversationId": conv, "isTyping": true}),
    )
    .await;
    let typing = ev.expect(&mut c, "typing").await;
    assert_eq!(
        (&typing["userId"], &typing["isTyping"]),
        (&json!("2001"), &json!(true))
    );

    ev.send(
        &mut c,
        json!({"type": "read", "conversationId": conv, "messageId": reply}),
    )
    .await;
    let read = ev.expect(&mut a, "read").await;
    assert_eq!(read["messageId"], reply);
    assert_eq!(ev.expect(&mut c, "unread").await["count"], 0);

    ev.send(
        &mut c,
        json!({"type": "resume", "conversationId": conv, "afterId": "0"}),
    )
    .await;
    let replayed = ev.expect(&mut c, "message.new").await;
    assert_eq!(replayed["message"]["id"], first);
    let done = ev.expect(&mut c, "resume.done").await;
    assert_eq!(done["lastId"], reply);

    ev.send(&mut c, json!({"type": "ping"})).await;
    ev.expect(&mut c, "pong").await;

    ev.send(
        &mut c,
        json!({"type": "message.edit", "messageId": first, "body": "hi there", "clientId": "ws-e"}),
    )
    .await;
    let updated = ev.expect(&mut c, "message.updated").await;
    assert_eq!(updated["message"]["body"], "hi there");
    ev.send(
        &mut a,
        json!({"type": "message.delete", "messageId": first, "clientId": "ws-d"}),
    )
    .await;
    let refused = ev.expect(&mut a, "error").await;
    assert_eq!(
        (&refused["code"], &refused["ref"]),
        (&json!("forbidden"), &json!("ws-d"))
    );
    ev.send(
        &mut c,
        json!({"type": "message.delete", "messageId": first}),
    )
    .await;
    let deleted = ev.expect(&mut a, "message.deleted").await;
    assert!(deleted["message"]["deletedAt"].is_string());

    drop(c);
    let offline = ev.expect(&mut a, "presence").await;
    assert_eq!(
        (&offline["status"], &offline["userId"]),
        (&json!("offline"), &json!("600"))
    );
    assert!(offline["lastSeenAt"].is_string());

    assert_eq!(ev.seen, documented, "every documented event type was seen");
    n.stop().await;
}
