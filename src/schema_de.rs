//! The decode of a page of tokens where the derived one falls short:
//! [`ApiTokens`]' `Deserialize` is written by hand so a large page reserves
//! its items vector from the size of the body being decoded instead of
//! regrowing it (and copying every token so far) ten times; `ApiToken::scope`
//! is read into one exact allocation. [`ApiToken`] itself keeps the derived
//! decode: a hand-written one measured slower (callgrind), not faster.
//!
//! Behaviour is the derived one's: unknown fields are skipped, a field given
//! twice is an error, `null` is `None` for the `Option`s, and `items`
//! defaults to empty.

use std::cell::Cell;
use std::fmt;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use crate::schema::{ApiToken, ApiTokens};

/// Bytes a token of a page takes at least, as Losant writes one (its ID
/// twice, owner, dates and links come to several hundred): with the body's
/// length, a bound on the page's items that rarely over-reserves.
const TOKEN_BYTES_ESTIMATE: usize = 400;

/// The most tokens reserved up front on the body's length.
const MAX_PRESIZED_TOKENS: usize = 10_000;

thread_local! {
    /// The length of the body the client is decoding on this thread, 0 when
    /// none: lets a page reserve its items before it has seen them.
    static BODY_LEN: Cell<usize> = const { Cell::new(0) };
}

/// Runs `f` with [`BODY_LEN`] set to `len`, as the client decodes a body.
pub(crate) fn with_body_len<T>(len: usize, f: impl FnOnce() -> T) -> T {
    let outer = BODY_LEN.with(|c| c.replace(len));
    let out = f();
    BODY_LEN.with(|c| c.set(outer));
    out
}

/// The tokens to reserve for a page's items. The first page in a body takes
/// the hint and leaves 0, so a body of many pages (an answer type of the
/// caller's that nests them) cannot reserve the body's worth many times.
fn presized_items() -> usize {
    (BODY_LEN.with(|c| c.replace(0)) / TOKEN_BYTES_ESTIMATE).min(MAX_PRESIZED_TOKENS)
}

/// Sets a field once; a second value is the derived decode's error.
fn once<T, E: de::Error>(slot: &mut Option<T>, value: T, name: &'static str) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = Some(value);
    Ok(())
}

macro_rules! keys {
    ($name:ident { $( $variant:ident = $key:literal ),+ $(,)? }) => {
        #[derive(Clone, Copy)]
        enum $name { $( $variant, )+ Other }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a field name")
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok(match v { $( $key => $name::$variant, )+ _ => $name::Other })
                    }
                }
                d.deserialize_identifier(V)
            }
        }
    };
}

keys!(PageKey {
    Items = "items",
    Count = "count",
    TotalCount = "totalCount",
    PerPage = "perPage",
    Page = "page",
    Filter = "filter",
    FilterField = "filterField",
    SortField = "sortField",
    SortDirection = "sortDirection",
    OwnerId = "ownerId",
    OwnerType = "ownerType",
    ApplicationId = "applicationId",
    InstanceId = "instanceId",
});

thread_local! {
    /// Where [`scope`] collects a token's scopes before it knows how many.
    static SCOPE_SCRATCH: Cell<Vec<String>> = const { Cell::new(Vec::new()) };
}

/// A token's scopes (`ApiToken::scope`'s `deserialize_with`): read into a
/// scratch vector kept by the thread, then moved into a vector of exactly
/// their number, so a token's scopes cost one allocation (besides the
/// strings) however many there are, where growing a vector from empty costs
/// two or more, and a copy each.
pub(crate) fn scope<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let mut scratch = SCOPE_SCRATCH.with(Cell::take);
    let decoded = d.deserialize_seq(ScopeSeed {
        scratch: &mut scratch,
    });
    scratch.clear();
    SCOPE_SCRATCH.with(|c| c.set(scratch));
    decoded
}

struct ScopeSeed<'a> {
    scratch: &'a mut Vec<String>,
}

impl<'de> Visitor<'de> for ScopeSeed<'_> {
    type Value = Vec<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence of scopes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        self.scratch.clear();
        while let Some(scope) = seq.next_element()? {
            self.scratch.push(scope);
        }
        // `drain` knows its exact length, so this allocates exactly once.
        Ok(self.scratch.drain(..).collect())
    }
}

impl<'de> Deserialize<'de> for ApiTokens {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("ApiTokens", &[], PageVisitor)
    }
}

struct PageVisitor;

impl<'de> Visitor<'de> for PageVisitor {
    type Value = ApiTokens;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct ApiTokens")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ApiTokens, A::Error> {
        let mut items = None;
        let (mut count, mut total_count, mut per_page, mut page) = (None, None, None, None);
        let (mut filter, mut filter_field, mut sort_field) = (None, None, None);
        let (mut sort_direction, mut owner_id, mut owner_type) = (None, None, None);
        let (mut application_id, mut instance_id) = (None, None);
        while let Some(key) = map.next_key::<PageKey>()? {
            match key {
                PageKey::Items => once(&mut items, map.next_value_seed(ItemsSeed)?, "items")?,
                PageKey::Count => once(&mut count, map.next_value()?, "count")?,
                PageKey::TotalCount => {
                    once(&mut total_count, map.next_value()?, "totalCount")?;
                }
                PageKey::PerPage => once(&mut per_page, map.next_value()?, "perPage")?,
                PageKey::Page => once(&mut page, map.next_value()?, "page")?,
                PageKey::Filter => once(&mut filter, map.next_value()?, "filter")?,
                PageKey::FilterField => {
                    once(&mut filter_field, map.next_value()?, "filterField")?;
                }
                PageKey::SortField => once(&mut sort_field, map.next_value()?, "sortField")?,
                PageKey::SortDirection => {
                    once(&mut sort_direction, map.next_value()?, "sortDirection")?;
                }
                PageKey::OwnerId => once(&mut owner_id, map.next_value()?, "ownerId")?,
                PageKey::OwnerType => once(&mut owner_type, map.next_value()?, "ownerType")?,
                PageKey::ApplicationId => {
                    once(&mut application_id, map.next_value()?, "applicationId")?;
                }
                PageKey::InstanceId => {
                    once(&mut instance_id, map.next_value()?, "instanceId")?;
                }
                PageKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(ApiTokens {
            items: items.unwrap_or_default(),
            count: count.flatten(),
            total_count: total_count.flatten(),
            per_page: per_page.flatten(),
            page: page.flatten(),
            filter: filter.flatten(),
            filter_field: filter_field.flatten(),
            sort_field: sort_field.flatten(),
            sort_direction: sort_direction.flatten(),
            owner_id: owner_id.flatten(),
            owner_type: owner_type.flatten(),
            application_id: application_id.flatten(),
            instance_id: instance_id.flatten(),
        })
    }
}

/// The page's tokens, in a vector reserved from the body's length.
struct ItemsSeed;

impl<'de> DeserializeSeed<'de> for ItemsSeed {
    type Value = Vec<ApiToken>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<ApiToken>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed {
    type Value = Vec<ApiToken>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence of tokens")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<ApiToken>, A::Error> {
        let mut items = Vec::with_capacity(presized_items());
        while let Some(token) = seq.next_element()? {
            items.push(token);
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{CreatorType, OwnerType};

    const TOKEN: &str = r#"{"id":"5f1e3c9a2b4d00000000002a","apiTokenId":"5f1e3c9a2b4d00000000002a","ownerId":"o","ownerType":"user","creatorId":"c","creatorType":"flow","creatorName":"n","name":"ci","description":"d","creationDate":"c1","lastUpdated":"l1","expirationDate":null,"defaultRole":"view","orgRoles":[{"orgId":"sandbox","role":"edit"}],"scope":["a","b","c"],"status":"inactive","_type":"apiToken","_links":{"self":{"href":"/x"}},"applicationId":"app","instanceId":"inst","token":"secret"}"#;

    #[test]
    fn scopes_decode_into_an_exact_vector_and_misfits_are_errors() {
        let t: ApiToken = serde_json::from_str(TOKEN).unwrap();
        assert_eq!(t.scope, ["a", "b", "c"]);
        assert_eq!(t.scope.capacity(), 3);
        assert_eq!(
            t.token
                .as_ref()
                .map(crate::schema::SecretToken::expose_secret),
            Some("secret")
        );
        assert_eq!(t.creator_type, Some(CreatorType::Flow));
        let t: ApiToken = serde_json::from_str(r#"{"id":"a","name":"n"}"#).unwrap();
        assert!(t.scope.is_empty());
        for bad in [
            r#"{"id":"a","name":"n","scope":null}"#,
            r#"{"id":"a","name":"n","scope":[1]}"#,
            r#"{"id":"a","name":"n","scope":"a"}"#,
        ] {
            assert!(serde_json::from_str::<ApiToken>(bad).is_err(), "{bad}");
        }
        // A failed scope leaves nothing behind for the next token.
        let t: ApiToken = serde_json::from_str(r#"{"id":"a","name":"n","scope":["x"]}"#).unwrap();
        assert_eq!(t.scope, ["x"]);
    }

    #[test]
    fn a_page_field_given_twice_or_misfit_is_an_error() {
        for bad in [
            r#"{"items":[],"items":[]}"#,
            r#"{"count":"x"}"#,
            r#"{"items":{}}"#,
            "[]",
        ] {
            assert!(serde_json::from_str::<ApiTokens>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_page_reserves_its_items_from_the_body_and_shares_scope_scratch() {
        let items: Vec<_> = (0..5).map(|_| TOKEN).collect();
        let body = format!(
            r#"{{"items":[{}],"count":5,"totalCount":9,"perPage":5,"page":1,"sortField":"name","ownerType":"application"}}"#,
            items.join(",")
        );
        let page: ApiTokens = with_body_len(TOKEN_BYTES_ESTIMATE * 8, || {
            serde_json::from_str(&body).unwrap()
        });
        assert_eq!(page.items.len(), 5);
        assert_eq!(page.items.capacity(), 8);
        assert!(page.items.iter().all(|t| t.scope == ["a", "b", "c"]));
        assert_eq!(
            (page.count, page.total_count, page.per_page, page.page),
            (Some(5), Some(9), Some(5), Some(1))
        );
        assert_eq!(page.owner_type, Some(OwnerType::Application));
        // Two pages in one body: only the first is reserved ahead.
        let two = format!("[{body},{body}]");
        let pages: Vec<ApiTokens> = with_body_len(TOKEN_BYTES_ESTIMATE * 16, || {
            serde_json::from_str(&two).unwrap()
        });
        assert_eq!(pages[0].items.capacity(), 16);
        assert!(pages[1].items.capacity() < 16);
        // Outside the client's decode nothing is reserved ahead.
        let page: ApiTokens = serde_json::from_str(&body).unwrap();
        assert_eq!(page.items.len(), 5);
        let empty: ApiTokens = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, ApiTokens::default());
    }
}
