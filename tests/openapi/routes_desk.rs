//! The support desk: status, assignee, staff, settings, canned replies and search, with the
//! access rule of each role.

use crate::api::*;
use crate::Walk;
use reqwest::Method;
use serde_json::json;

pub async fn desk(api: &mut Api<'_>, w: &Walk) {
    let (cust, agent, owner, rival) = (
        w.cust.clone(),
        w.agent.clone(),
        w.owner.clone(),
        w.agent2.clone(),
    );
    let status_t = "/api/v1/conversations/{id}/status";
    let status_p = format!("/api/v1/conversations/{}/status", w.conv);
    for (token, body, code) in [
        (&agent, json!({"status": "pending"}), 200),
        (&agent, json!({"status": "snoozed"}), 400),
        (
            &agent,
            json!({"status": "open", "snoozedUntil": "2030-01-01T00:00:00Z"}),
            400,
        ),
        (&agent, json!({"status": "closed"}), 400),
        (&cust, json!({"status": "resolved"}), 403),
        (&rival, json!({"status": "resolved"}), 403),
        (&agent, json!({"status": "open"}), 200),
    ] {
        let a = api
            .call(
                Method::POST,
                status_t,
                &status_p,
                Some(token),
                Body::Json(body),
            )
            .await;
        assert_eq!(a.status, code, "{}", a.json);
    }
    let a = api
        .call(
            Method::POST,
            status_t,
            "/api/v1/conversations/999999/status",
            Some(&agent),
            Body::Json(json!({"status": "open"})),
        )
        .await;
    assert_eq!(a.status, 404);

    let assign_t = "/api/v1/conversations/{id}/assignee";
    let assign_p = format!("/api/v1/conversations/{}/assignee", w.conv);
    for (token, body, code) in [
        (&agent, json!({"userId": "2002"}), 200),
        (&agent, json!({"userId": "424242"}), 400),
        (&cust, json!({"userId": null}), 403),
        (&agent, json!({"userId": null}), 200),
    ] {
        let a = api
            .call(
                Method::POST,
                assign_t,
                &assign_p,
                Some(token),
                Body::Json(body),
            )
            .await;
        assert_eq!(a.status, code, "{}", a.json);
    }

    let staff_t = "/api/v1/businesses/{id}/staff";
    let a = api
        .call(
            Method::GET,
            staff_t,
            "/api/v1/businesses/1/staff",
            Some(&agent),
            Body::None,
        )
        .await;
    assert_eq!(a.status, 200);
    let a = api
        .call(
            Method::GET,
            staff_t,
            "/api/v1/businesses/1/staff",
            Some(&cust),
            Body::None,
        )
        .await;
    assert_eq!(a.status, 403);

    let set_t = "/api/v1/businesses/{id}/settings";
    let set_p = "/api/v1/businesses/1/settings";
    let a = api
        .call(Method::GET, set_t, set_p, Some(&agent), Body::None)
        .await;
    assert_eq!(
        (a.status, a.json["autoAssign"].as_bool()),
        (200, Some(false))
    );
    let good = json!({"autoAssign": false, "maxOpenPerAgent": 5,
        "awayMessage": "Back within {{reply_time}}", "expectedReplyMinutes": 30});
    for (token, body, code) in [
        (&agent, good.clone(), 403),
        (&owner, json!({"autoAssign": true}), 400),
        (
            &owner,
            json!({"autoAssign": false, "maxOpenPerAgent": 0, "awayMessage": null,
            "expectedReplyMinutes": null}),
            400,
        ),
        (&owner, good, 200),
    ] {
        let a = api
            .call(Method::PUT, set_t, set_p, Some(token), Body::Json(body))
            .await;
        assert_eq!(a.status, code, "{}", a.json);
    }

    let list_t = "/api/v1/businesses/{id}/canned-replies";
    let list_p = "/api/v1/businesses/1/canned-replies";
    let a = api
        .call(
            Method::POST,
            list_t,
            list_p,
            Some(&owner),
            Body::Json(json!({"shortcut": "hello", "body": "Hi {{customer.name}}!"})),
        )
        .await;
    assert_eq!(a.status, 201);
    let reply = s(&a.json["id"]);
    for (token, body, code) in [
        (&owner, json!({"shortcut": "hello", "body": "again"}), 400),
        (&owner, json!({"shortcut": "Bad Word", "body": "x"}), 400),
        (&agent, json!({"shortcut": "mine", "body": "x"}), 403),
    ] {
        let a = api
            .call(Method::POST, list_t, list_p, Some(token), Body::Json(body))
            .await;
        assert_eq!(a.status, code, "{}", a.json);
    }
    let a = api
        .call(Method::GET, list_t, list_p, Some(&agent), Body::None)
        .await;
    assert_eq!(a.json["items"][0]["shortcut"], "hello");
    let a = api
        .call(Method::GET, list_t, list_p, Some(&cust), Body::None)
        .await;
    assert_eq!(a.status, 403);
    let one_t = "/api/v1/businesses/{id}/canned-replies/{replyId}";
    let one_p = format!("/api/v1/businesses/1/canned-replies/{reply}");
    let a = api
        .call(
            Method::PUT,
            one_t,
            &one_p,
            Some(&owner),
            Body::Json(json!({"shortcut": "hi", "body": "Hello {{customer.name}}"})),
        )
        .await;
    assert_eq!((a.status, s(&a.json["shortcut"])), (200, "hi".into()));
    let a = api
        .call(Method::DELETE, one_t, &one_p, Some(&agent), Body::None)
        .await;
    assert_eq!(a.status, 403);
    let a = api
        .call(Method::DELETE, one_t, &one_p, Some(&owner), Body::None)
        .await;
    assert_eq!(a.status, 204);
    let a = api
        .call(Method::DELETE, one_t, &one_p, Some(&owner), Body::None)
        .await;
    assert_eq!(a.status, 404);

    let search_t = "/api/v1/search";
    for (token, q, code) in [
        (&agent, "?q=hello", 200),
        (&cust, "?q=hello&limit=5", 200),
        (&agent, "?q=", 400),
        (&agent, "?q=x&limit=51", 400),
    ] {
        let a = api
            .call(
                Method::GET,
                search_t,
                &format!("{search_t}{q}"),
                Some(token),
                Body::None,
            )
            .await;
        assert_eq!(a.status, code, "{q}: {}", a.json);
    }

    // The inbox's filters and pages, as documented.
    let t = CONVERSATIONS;
    let a = api
        .call(
            Method::GET,
            t,
            &format!("{t}?status=open&assignee=unassigned&limit=1"),
            Some(&agent),
            Body::None,
        )
        .await;
    assert_eq!(a.status, 200);
    assert!(a.json["counts"]["open"]["all"].as_i64().unwrap() >= 1);
    let a = api
        .call(
            Method::GET,
            t,
            &format!("{t}?status=nope"),
            Some(&agent),
            Body::None,
        )
        .await;
    assert_eq!(a.status, 400);
}
