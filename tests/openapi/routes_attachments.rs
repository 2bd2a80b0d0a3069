//! Attachments: upload, attach, download.

use crate::api::*;
use crate::Walk;
use reqwest::header::CONTENT_TYPE;
use reqwest::Method;
use serde_json::{json, Value};

const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x00, 0x02, 0x00,
    0x00, 0x05, 0x00, 0x01, 0x7a, 0x5e, 0xab, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
    0xae, 0x42, 0x60, 0x82,
];

/// Attachments: upload, attach, download.
pub async fn upload_attach_download(api: &mut Api<'_>, w: &mut Walk) {
    let tm = MESSAGES;
    let cust = w.cust.clone();
    let other = w.other.clone();
    let agent = w.agent.clone();
    let conv = w.conv.clone();
    let pm = format!("/api/v1/conversations/{conv}/messages");
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
    let tl = "/api/v1/attachments/{id}/link";
    let pl = format!("{url}/link");
    let link = api
        .call(Method::GET, tl, &pl, Some(&agent), Body::None)
        .await;
    assert_eq!(link.status, 200);
    let signed = s(&link.json["url"]);
    let a = api.call(Method::GET, ta, &signed, None, Body::None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.headers[CONTENT_TYPE], "image/png");
    assert_eq!(
        api.call(Method::GET, tl, &pl, Some(&other), Body::None)
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
    w.file_msg = file_msg;
}
