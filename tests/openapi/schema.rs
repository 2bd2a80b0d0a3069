//! A small JSON Schema checker for the subset of OpenAPI 3.0 schemas the document uses, and
//! its self-test: it must refuse what the document does not allow.

use crate::DOC;
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub fn resolve<'a>(doc: &'a Value, reference: &str) -> &'a Value {
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

fn pattern_matches(doc: &Value, pattern: &str, s: &str) -> bool {
    if pattern == "^[0-9]+$" {
        return !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    }
    if pattern == "^-?[0-9]+$" {
        let digits = s.strip_prefix('-').unwrap_or(s);
        return !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    }
    if pattern == "^[a-z0-9_-]{1,32}$" {
        return (1..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    }
    // The document's named text patterns, each checked by what it states (the regexes are for
    // generators such as schemathesis; the node's own rules are the reference).
    let named =
        |name: &str| doc["components"]["schemas"][name]["pattern"].as_str() == Some(pattern);
    let visible = |c: char| !c.is_whitespace() && !c.is_control();
    if named("ClientId") {
        !s.is_empty() && !s.chars().any(char::is_control)
    } else if named("BusinessName") {
        !s.chars().any(char::is_control) && s.chars().any(visible)
    } else if named("EditedBody") {
        s.chars().any(visible)
    } else if named("Emoji") {
        servihub_actors::service::text::is_emoji(s)
    } else {
        panic!("the checker does not know the pattern {pattern}")
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
            if !pattern_matches(doc, p, s) {
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

pub fn check(doc: &Value, schema: &Value, v: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    validate(doc, schema, v, "$", &mut errs);
    errs
}

#[test]
fn the_checker_refuses_what_the_document_does_not_allow() {
    let doc: Value = serde_json::from_str(DOC).unwrap();
    let message = json!({"$ref": "#/components/schemas/Message"});
    let good = json!({
        "id": "5", "conversationId": "1", "senderId": "9",
        "sender": {"id": "9", "name": null, "role": "CUSTOMER"},
        "contentType": "TEXT", "body": "hi", "fileUrl": null, "mimeType": null,
        "attachments": [], "reactions": [{"emoji": "👍", "userIds": ["9"], "count": 1}],
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
    assert!(!broken(&|v| v["private"] = json!("yes")).is_empty());
    assert!(
        broken(&|v| v["senderId"] = json!("-1")).is_empty(),
        "the away sender"
    );
    let conversation = json!({"$ref": "#/components/schemas/Conversation"});
    let conv = json!({
        "id": "1", "businessId": "1", "businessName": "B", "type": "DIRECT", "participants": [],
        "unreadCount": 0, "lastMessage": good, "createdAt": "2026-11-25T18:00:00Z",
        "updatedAt": "2026-11-25T18:00:00Z", "status": "open", "snoozedUntil": null,
        "assigneeId": null, "assigneeName": null
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
