//! The fake's state: the tokens of each owner, the applications and
//! instances of the directories, ids, dates and seeding.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::date;

use serde_json::{Map, Value, json};

/// The id of the fake's only user: the signed-in user, and creator of every
/// created token.
pub(super) const USER_ID: &str = "5f1e2d3c4b5a69788796a5b4";

/// Whose tokens a request or a test hook is about: the client's own
/// [`tokens::Owner`](crate::tokens::Owner), so that a test names an owner
/// the way the request it checks does.
///
/// The fake accepts any well-formed application or instance ID; each starts
/// with no tokens. IDs compare case-insensitively, as Losant's do.
pub use crate::tokens::Owner;

/// The fake's view of an owner: how it keys its store and what it answers.
pub(super) trait OwnerExt {
    fn normalized(&self) -> Owner;
    fn kind(&self) -> &'static str;
    fn id(&self) -> &str;
    fn collection_path(&self) -> String;
    fn describe(&self, into: &mut Map<String, Value>, owner_ids: bool);
}

impl OwnerExt for Owner {
    /// The same owner with its ID lower-cased, the form the store keys on.
    fn normalized(&self) -> Owner {
        match self {
            Owner::Me => Owner::Me,
            Owner::Application(id) => Owner::Application(id.to_ascii_lowercase()),
            Owner::Instance(id) => Owner::Instance(id.to_ascii_lowercase()),
        }
    }

    /// Losant's `ownerType`.
    fn kind(&self) -> &'static str {
        match self {
            Owner::Me => "user",
            Owner::Application(_) => "application",
            Owner::Instance(_) => "instance",
        }
    }

    /// Losant's `ownerId`.
    fn id(&self) -> &str {
        match self {
            Owner::Me => USER_ID,
            Owner::Application(id) | Owner::Instance(id) => id,
        }
    }

    /// The path of the owner's token collection.
    fn collection_path(&self) -> String {
        match self {
            Owner::Me => "/me/tokens".to_owned(),
            Owner::Application(id) => format!("/applications/{id}/tokens"),
            Owner::Instance(id) => format!("/instances/{id}/tokens"),
        }
    }

    /// Adds `ownerId`, `ownerType` and, when the API version has them
    /// (`owner_ids`), `applicationId` or `instanceId` to a token or a list.
    fn describe(&self, into: &mut Map<String, Value>, owner_ids: bool) {
        into.insert("ownerId".into(), json!(self.id()));
        into.insert("ownerType".into(), json!(self.kind()));
        if owner_ids {
            match self {
                Owner::Me => {}
                Owner::Application(id) => {
                    into.insert("applicationId".into(), json!(id));
                }
                Owner::Instance(id) => {
                    into.insert("instanceId".into(), json!(id));
                }
            }
        }
    }
}

/// One owner's tokens, in insertion order.
#[derive(Default)]
struct Tokens {
    tokens: Vec<Map<String, Value>>,
    seeded: usize,
}

/// An application or an instance, as the directories list it.
#[derive(Debug, Clone)]
pub(super) struct Listed {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) created: String,
    /// For an organization's application: its ID and name.
    pub(super) org: Option<(String, String)>,
}

/// Every owner's tokens, and the directories.
#[derive(Default)]
pub(super) struct Store {
    owners: HashMap<Owner, Tokens>,
    last_ms: u64,
    pub(super) applications: Vec<Listed>,
    pub(super) instances: Vec<Listed>,
}

impl Store {
    /// Now, strictly later than any timestamp issued before, so that
    /// `lastUpdated` always moves and sorting by date is stable.
    pub(super) fn now(&mut self) -> String {
        self.last_ms = now_ms().max(self.last_ms + 1);
        ms_to_rfc3339(self.last_ms)
    }

    /// Lists a new application (for the user, or for the organization
    /// `org`: its ID and name) or instance; its ID.
    pub(super) fn add_listed(
        &mut self,
        instance: bool,
        name: &str,
        org: Option<(String, String)>,
    ) -> String {
        let id = new_id();
        let created = self.now();
        let listed = Listed {
            id: id.clone(),
            name: name.to_owned(),
            created,
            org,
        };
        if instance {
            self.instances.push(listed);
        } else {
            self.applications.push(listed);
        }
        id
    }

    /// The owner's tokens, in insertion order.
    pub(super) fn tokens(&self, owner: &Owner) -> &[Map<String, Value>] {
        self.owners
            .get(&owner.normalized())
            .map_or(&[], |t| t.tokens.as_slice())
    }

    fn entry(&mut self, owner: &Owner) -> &mut Tokens {
        self.owners.entry(owner.normalized()).or_default()
    }

    /// The owner's token with this id (case-insensitive).
    pub(super) fn get_mut(&mut self, owner: &Owner, id: &str) -> Option<&mut Map<String, Value>> {
        self.owners
            .get_mut(&owner.normalized())?
            .tokens
            .iter_mut()
            .find(|t| has_id(t, id))
    }

    /// Removes the owner's token with this id; whether there was one.
    pub(super) fn remove(&mut self, owner: &Owner, id: &str) -> bool {
        let Some(tokens) = self.owners.get_mut(&owner.normalized()) else {
            return false;
        };
        let before = tokens.tokens.len();
        tokens.tokens.retain(|t| !has_id(t, id));
        tokens.tokens.len() < before
    }

    /// A token with this id, whoever owns it; the user's first.
    pub(super) fn find_any(&self, id: &str) -> Option<&Map<String, Value>> {
        self.tokens(&Owner::Me)
            .iter()
            .chain(
                self.owners
                    .iter()
                    .filter(|(o, _)| **o != Owner::Me)
                    .flat_map(|(_, t)| &t.tokens),
            )
            .find(|t| has_id(t, id))
    }

    /// Stores a newly created token: the defaults, then `body` over them.
    pub(super) fn create(
        &mut self,
        owner: &Owner,
        body: Map<String, Value>,
        owner_ids: bool,
    ) -> Map<String, Value> {
        let id = new_id();
        let now = self.now();
        let mut t = new_token(&owner.normalized(), &id, "", &now, owner_ids);
        t.extend(body);
        self.entry(owner).tokens.push(t.clone());
        t
    }

    /// See [`super::FakeLosant::seed_for`]: dates relative to now.
    pub(super) fn seed(&mut self, owner: &Owner, n: usize, owner_ids: bool) -> Vec<String> {
        const DAY: u64 = 86_400_000;
        let now = now_ms();
        // Every seeded token was created 358 to 400 days ago.
        let base = now.saturating_sub(400 * DAY);
        let key = owner.normalized();
        let tokens = self.entry(owner);
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let i = tokens.seeded;
            tokens.seeded += 1;
            let k = i as u64;
            // Scattered so that creation order, name order and date order differ.
            let created = base + (k * 7919 % 1000) * 3_600_000 + (k % 3600) * 1000 + k % 1000;
            let id = new_id();
            let mut t = new_token(
                &key,
                &id,
                &format!("seeded-token-{i:04}"),
                &ms_to_rfc3339(created),
                owner_ids,
            );
            t.insert(
                "lastUpdated".into(),
                json!(ms_to_rfc3339(created + (k % 5) * 3_600_000)),
            );
            t.insert(
                "status".into(),
                json!(if i % 3 == 2 { "inactive" } else { "active" }),
            );
            let expires = match i % 8 {
                1 | 3 | 5 | 7 => None,
                0 => Some(now + 3650 * DAY),
                2 => Some(now + 7 * DAY + k % 1000),
                4 => Some(now.saturating_sub(30 * DAY) + k % 1000),
                _ => Some(now + 180 * DAY + k % 1000),
            };
            if let Some(expires) = expires {
                t.insert("expirationDate".into(), json!(ms_to_rfc3339(expires)));
            }
            tokens.tokens.push(t);
            ids.push(id);
        }
        ids
    }

    /// See [`super::FakeLosant::insert_for`].
    pub(super) fn insert(&mut self, owner: &Owner, token: Value) -> String {
        let mut t = match token {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        t.remove("token");
        let id = match (t.get("id"), t.get("apiTokenId")) {
            (Some(Value::String(id)), _) | (None, Some(Value::String(id))) => id.clone(),
            _ => new_id(),
        };
        t.entry("id").or_insert_with(|| json!(id));
        t.entry("apiTokenId").or_insert_with(|| json!(id));
        let tokens = &mut self.entry(owner).tokens;
        match tokens.iter().position(|x| has_id(x, &id)) {
            Some(p) => tokens[p] = t,
            None => tokens.push(t),
        }
        id
    }
}

fn has_id(t: &Map<String, Value>, id: &str) -> bool {
    t.get("id")
        .and_then(Value::as_str)
        .is_some_and(|x| x.eq_ignore_ascii_case(id))
}

fn new_token(
    owner: &Owner,
    id: &str,
    name: &str,
    now: &str,
    owner_ids: bool,
) -> Map<String, Value> {
    let all = match owner {
        Owner::Me => "all.User",
        Owner::Application(_) => "all.Application",
        Owner::Instance(_) => "all.Instance",
    };
    let v = json!({
        "id": id, "apiTokenId": id,
        "creatorId": USER_ID, "creatorType": "user", "creatorName": "Fake User",
        "name": name, "creationDate": now, "lastUpdated": now,
        "scope": [all], "status": "active",
        "_type": "apiToken",
        "_links": {"self": {"href": format!("{}/{id}", owner.collection_path())}},
    });
    let mut t = match v {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    owner.describe(&mut t, owner_ids);
    t
}

static ID_COUNTER: AtomicU64 = AtomicU64::new(0);

fn random_u64(salt: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    RandomState::new().hash_one((nanos, salt, ID_COUNTER.fetch_add(1, Ordering::SeqCst)))
}

/// A fresh id shaped like a Mongo `ObjectId`: seconds, random bits, counter.
fn new_id() -> String {
    static RANDOM: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let rnd = *RANDOM.get_or_init(|| random_u64(0));
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let count = ID_COUNTER.fetch_add(1, Ordering::SeqCst);
    format!(
        "{:08x}{:010x}{:06x}",
        secs & 0xffff_ffff,
        rnd & 0xff_ffff_ffff,
        count & 0xff_ffff
    )
}

pub(super) fn new_secret(id: &str) -> String {
    let salt = RandomState::new().hash_one(id);
    let hex = (0..3).fold(String::new(), |mut acc, i| {
        let _ = write!(acc, "{:016x}", random_u64(salt ^ i));
        acc
    });
    format!("fake-secret-{}", &hex[..40])
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0))
}

fn ms_to_rfc3339(ms: u64) -> String {
    date::format(UNIX_EPOCH + Duration::from_millis(ms))
}
