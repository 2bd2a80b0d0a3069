use super::*;

const B: BusinessId = BusinessId(1);
const OTHER: BusinessId = BusinessId(2);
const CUSTOMER: UserId = UserId(10);
const STRANGER: UserId = UserId(11);
const AGENT: UserId = UserId(20);

fn direct() -> Room {
    Room {
        id: ConversationId(5),
        business: B,
        kind: ConversationType::Direct,
        customer: Some(CUSTOMER),
    }
}

fn community() -> Room {
    Room {
        id: ConversationId(6),
        business: B,
        kind: ConversationType::Community,
        customer: None,
    }
}

fn customer(user: UserId) -> Actor {
    Actor {
        user,
        role: Role::Customer,
    }
}

fn agent() -> Actor {
    Actor {
        user: AGENT,
        role: Role::Agent,
    }
}

/// The sessions that hear an event, described as people: each audience, who in it is left
/// out, and how it sees messages.
fn hearers(happening: Happening, room: &Room) -> Vec<String> {
    let mut out = Vec::new();
    for r in routes(happening, room) {
        let who: Vec<&str> = r
            .topics
            .iter()
            .map(|t| match t {
                Topic::Staff(b) if *b == B => "staff",
                Topic::User(u) if *u == CUSTOMER => "customer",
                Topic::Community(b) if *b == B => "subscribers",
                Topic::Watch(b) if *b == B => "customers of the business",
                other => panic!("unexpected topic {other:?}"),
            })
            .collect();
        let mut s = who.join(" + ");
        if let Some(u) = r.except_user {
            let actor = if u == AGENT {
                "the agent"
            } else {
                "the customer"
            };
            s.push_str(&format!(", except {actor}"));
        }
        if r.view == View::Subscriber {
            s.push_str(" (reactions as counts)");
        }
        out.push(s);
    }
    if out.is_empty() {
        out.push("nobody else".into());
    }
    out
}

#[test]
fn direct_conversations_reach_their_customer_and_all_staff() {
    let room = direct();
    assert_eq!(hearers(Happening::Message, &room), ["staff + customer"]);
    assert_eq!(
        hearers(Happening::Typing(customer(CUSTOMER)), &room),
        ["staff + customer, except the customer"]
    );
    assert_eq!(
        hearers(Happening::Read(agent()), &room),
        ["staff + customer, except the agent"]
    );
    assert_eq!(hearers(Happening::Unread, &room), ["staff + customer"]);
    assert_eq!(hearers(Happening::Opened, &room), ["staff + customer"]);
    assert_eq!(hearers(Happening::Desk, &room), ["staff + customer"]);
    assert_eq!(
        hearers(Happening::Note, &room),
        ["staff"],
        "a private note never reaches the customer"
    );
}

#[test]
fn communities_never_tell_subscribers_about_each_other() {
    let room = community();
    assert_eq!(
        hearers(Happening::Message, &room),
        ["staff", "subscribers (reactions as counts)"]
    );
    assert_eq!(
        hearers(Happening::Typing(agent()), &room),
        ["staff, except the agent"]
    );
    assert_eq!(
        hearers(Happening::Read(customer(CUSTOMER)), &room),
        ["nobody else"],
        "a subscriber's read receipt reaches nobody else"
    );
    assert_eq!(
        hearers(Happening::Read(agent()), &room),
        ["staff, except the agent"]
    );
    assert_eq!(hearers(Happening::Unread, &room), ["staff"]);
    for h in [
        Happening::Typing(customer(CUSTOMER)),
        Happening::Read(customer(STRANGER)),
        Happening::Unread,
    ] {
        assert!(
            routes(h, &room)
                .iter()
                .all(|r| !r.topics.contains(&Topic::Community(B))),
            "{h:?} must not reach subscribers"
        );
    }
}

#[test]
fn unread_is_personal() {
    let p = Payload::Unread {
        conversation_id: ConversationId(5),
        counts: vec![(CUSTOMER, 2)],
        others: Some(7),
    };
    let count = |u| match p.for_user(u).as_deref() {
        Some(ServerEvent::Unread { count, .. }) => Some(*count),
        _ => None,
    };
    assert_eq!(count(CUSTOMER), Some(2));
    assert_eq!(
        count(AGENT),
        Some(7),
        "staff without a cursor count everything"
    );
    let own_only = Payload::Unread {
        conversation_id: ConversationId(5),
        counts: vec![(CUSTOMER, 0)],
        others: None,
    };
    assert!(own_only.for_user(AGENT).is_none());
}

fn key(user: UserId, staff_of: Option<BusinessId>, watches: &[BusinessId]) -> PresenceKey {
    PresenceKey {
        user_id: user,
        staff_of,
        watches: watches.to_vec(),
    }
}

#[test]
fn presence_reaches_the_business_and_its_customers_only() {
    let staff = key(AGENT, Some(B), &[]);
    let colleague = key(UserId(21), Some(B), &[]);
    let rival = key(UserId(30), Some(OTHER), &[]);
    let newcomer = key(CUSTOMER, None, &[B]);
    let elsewhere = key(STRANGER, None, &[OTHER]);
    assert_eq!(
        presence_routes(&staff),
        vec![(B, vec![Topic::Staff(B), Topic::Watch(B)])]
    );
    assert_eq!(presence_routes(&newcomer), vec![(B, vec![Topic::Staff(B)])]);
    assert!(
        hears_presence(&staff, &newcomer),
        "staff see their customers"
    );
    assert!(hears_presence(&newcomer, &staff), "customers see the staff");
    assert!(
        hears_presence(&colleague, &staff),
        "colleagues see each other"
    );
    assert!(
        !hears_presence(&rival, &newcomer),
        "another business sees nothing"
    );
    assert!(
        !hears_presence(&elsewhere, &newcomer),
        "customers never see customers"
    );
    assert!(!hears_presence(&newcomer, &elsewhere));
    assert!(!hears_presence(&staff, &staff), "not oneself");
    assert_eq!(
        session_topics(&newcomer, &[B]),
        vec![Topic::User(CUSTOMER), Topic::Watch(B), Topic::Community(B)]
    );
    assert_eq!(
        session_topics(&staff, &[]),
        vec![Topic::User(AGENT), Topic::Staff(B)]
    );
}

#[test]
fn access_follows_the_same_rule() {
    let viewer = |user, role, business| Viewer {
        user,
        role,
        business,
    };
    let c = viewer(CUSTOMER, Role::Customer, None);
    let s = viewer(STRANGER, Role::Customer, None);
    let a = viewer(AGENT, Role::Agent, Some(B));
    let rival = viewer(UserId(30), Role::Owner, Some(OTHER));
    assert_eq!(may_read(&direct(), &c, false), Ok(()));
    assert_eq!(may_read(&direct(), &s, true), Err(Refusal::NotParticipant));
    assert_eq!(may_read(&direct(), &a, false), Ok(()));
    assert_eq!(
        may_read(&direct(), &rival, false),
        Err(Refusal::OtherBusiness)
    );
    assert_eq!(may_read(&community(), &c, true), Ok(()));
    assert_eq!(
        may_read(&community(), &c, false),
        Err(Refusal::NotSubscribed),
        "after unsubscribing, nothing"
    );
    assert_eq!(may_write(&community(), &c, true), Err(Refusal::StaffOnly));
    assert_eq!(may_write(&community(), &a, false), Ok(()));
}

/// The "who hears what" table of docs/architecture.md is this module's rule, rendered: the test
/// fails when either changes without the other.
#[test]
fn the_documented_table_matches_the_rule() {
    let rows: Vec<(&str, Happening)> = vec![
        (
            "message new / updated / deleted, reaction",
            Happening::Message,
        ),
        (
            "typing (by the customer or staff)",
            Happening::Typing(customer(CUSTOMER)),
        ),
        (
            "read receipt by a customer",
            Happening::Read(customer(CUSTOMER)),
        ),
        ("read receipt by staff", Happening::Read(agent())),
        ("unread (each session its own count)", Happening::Unread),
        ("conversation.new", Happening::Opened),
        ("conversation.updated (status, assignee)", Happening::Desk),
        ("private note (new / updated / deleted)", Happening::Note),
    ];
    let mut table = String::from("| event | DIRECT conversation | COMMUNITY |\n|---|---|---|\n");
    for (label, h) in rows {
        let cells: Vec<String> = [direct(), community()]
            .iter()
            .map(|room| {
                let h = match (h, room.kind) {
                    (Happening::Typing(_), ConversationType::Community) => {
                        Happening::Typing(agent())
                    }
                    _ => h,
                };
                hearers(h, room).join("; ")
            })
            .collect();
        table.push_str(&format!("| {label} | {} | {} |\n", cells[0], cells[1]));
    }
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/architecture.md"
    ))
    .expect("docs/architecture.md");
    let start = "<!-- who-hears-what:start -->\n";
    let end = "<!-- who-hears-what:end -->";
    let documented = doc
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(t, _)| t)
        .unwrap_or("");
    assert_eq!(
        documented, table,
        "docs/architecture.md's who-hears-what table is out of date; it should read:\n{table}"
    );
}
