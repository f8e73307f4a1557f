//! Decoding answers into the caller's own types: the path behind
//! [`Client::send_as`](crate::Client::send_as) and
//! [`Client::paginate_as`](crate::Client::paginate_as), and the page of items
//! they walk.
//!
//! The exchange is the client's own (`run::prepare`, `run::run`, every check
//! and retry); only the last step, the decode, differs from `send`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use crate::client::Client;
use crate::error::{DecodeError, Error, Result};
use crate::paginate::Page;
use crate::request::Request;
use crate::run::{self, Outcome};

/// What Losant answers a delete with; the answer when a retried delete finds
/// its target already gone (the request's `response_when_gone`), decoded
/// into the caller's type like any answer.
const GONE_BODY: &[u8] = br#"{"success":true}"#;

/// The fewest bytes an item of a JSON array takes, with its comma: bounds a
/// vector sized from a hint by what the body can hold.
const MIN_ITEM_BYTES: usize = 2;

/// The most items reserved up front on the word of a request's `perPage`;
/// a larger page grows the vector as it arrives.
const MAX_PRESIZED_ITEMS: usize = 10_000;

/// Sends `request` through the client's exchange and decodes the answer with
/// the seed `seed(body length)` makes.
pub(crate) fn send_seeded<R, S, V>(
    client: &Client,
    request: &R,
    seed: impl FnOnce(usize) -> S,
) -> Result<V>
where
    R: Request + ?Sized,
    S: for<'de> DeserializeSeed<'de, Value = V>,
{
    let (prepared, when_gone) = run::prepare(&client.inner, request)?;
    match (
        run::run(&client.inner, &client.token, &prepared)?,
        when_gone,
    ) {
        (Outcome::Answer { status, body }, _) => decode_seed(status, &body, seed(body.len())),
        // The request's own answer for "already gone" is of its own type,
        // not `V`: Losant's answer to a delete stands for it.
        (Outcome::Gone(_), Some(_)) => decode_seed(200, GONE_BODY, seed(GONE_BODY.len())),
        (Outcome::Gone(not_found), None) => Err(not_found),
    }
}

/// Decodes a successful body straight from the buffer it was read into, as
/// `send` does: UTF-8 checked once for the whole body, then parsed as `str`
/// (markedly faster than `from_slice`, which checks every string on its
/// own); a body that is not UTF-8 goes through `from_slice` for its error.
pub(crate) fn decode_seed<S, V>(status: u16, body: &[u8], seed: S) -> Result<V>
where
    S: for<'de> DeserializeSeed<'de, Value = V>,
{
    // An empty success (a 204, a 200 with no body) says "nothing": the
    // JSON `null`, which a type that accepts it (`Value`, `Option<T>`, `()`)
    // decodes; any other type fails as before. The error keeps the body
    // as it arrived.
    let text = if body.is_empty() {
        Ok("null")
    } else {
        std::str::from_utf8(body)
    };
    // The body's length lets a page of tokens reserve its items up front.
    let decoded = crate::schema_de::with_body_len(body.len(), || {
        if let Ok(text) = text {
            let mut de = serde_json::Deserializer::from_str(text);
            seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v))
        } else {
            let mut de = serde_json::Deserializer::from_slice(body);
            seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v))
        }
    });
    decoded.map_err(|e| Error::Decode(DecodeError::new(status, body, e)))
}

/// Decodes `body` as `T` exactly as [`Client::send_as`](crate::Client::send_as)
/// does; the benchmark measures the client's own decode through it.
#[doc(hidden)]
pub fn decode_as<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    decode_seed(200, body, PhantomData::<T>)
}

/// The number of items to reserve for a page: the hint, bounded by what a
/// body of `body_len` bytes can hold and by a fixed ceiling.
pub(crate) fn presize(hint: Option<u32>, body_len: usize) -> usize {
    hint.map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX))
        .min(body_len / MIN_ITEM_BYTES)
        .min(MAX_PRESIZED_ITEMS)
}

/// A page of any list whose JSON has `items`: the items as `T`, and the
/// counts the walk needs. Everything else on the page is skipped unread.
pub(crate) struct ItemsPage<T> {
    items: Vec<T>,
    total_count: Option<u64>,
    per_page: Option<u32>,
}

impl<T: DeserializeOwned> ItemsPage<T> {
    /// The seed that decodes a page into a vector sized for `hint` items.
    pub(crate) fn seed(hint: Option<u32>, body_len: usize) -> ItemsPageSeed<T> {
        ItemsPageSeed {
            capacity: presize(hint, body_len),
            marker: PhantomData,
        }
    }
}

impl<T> ItemsPage<T> {
    pub(crate) fn into_page(self) -> Page<T> {
        Page::new(self.items, self.total_count, self.per_page)
    }
}

pub(crate) struct ItemsPageSeed<T> {
    capacity: usize,
    marker: PhantomData<fn() -> T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for ItemsPageSeed<T> {
    type Value = ItemsPage<T>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for ItemsPageSeed<T> {
    type Value = ItemsPage<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a page with `items`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items = None;
        let mut total_count = None;
        let mut per_page = None;
        while let Some(key) = map.next_key::<PageKey>()? {
            match key {
                PageKey::Items => {
                    items = Some(map.next_value_seed(VecSeed::<T>::new(self.capacity))?);
                }
                PageKey::TotalCount => total_count = map.next_value::<Option<u64>>()?,
                // Read wide and kept only when it fits: an absurd page size
                // from the server is no reason to lose the page.
                PageKey::PerPage => {
                    per_page = map
                        .next_value::<Option<u64>>()?
                        .and_then(|n| u32::try_from(n).ok());
                }
                PageKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(ItemsPage {
            items: items.ok_or_else(|| de::Error::missing_field("items"))?,
            total_count,
            per_page,
        })
    }
}

/// The keys of a page that the walk reads; the rest are skipped.
enum PageKey {
    Items,
    TotalCount,
    PerPage,
    Other,
}

impl<'de> de::Deserialize<'de> for PageKey {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = PageKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PageKey, E> {
                Ok(match v {
                    "items" => PageKey::Items,
                    "totalCount" => PageKey::TotalCount,
                    "perPage" => PageKey::PerPage,
                    _ => PageKey::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// A JSON array decoded into a vector reserved for `capacity` items up
/// front, so a page of known size is read without regrowing.
pub(crate) struct VecSeed<T> {
    capacity: usize,
    marker: PhantomData<fn() -> T>,
}

impl<T> VecSeed<T> {
    pub(crate) fn new(capacity: usize) -> Self {
        VecSeed {
            capacity,
            marker: PhantomData,
        }
    }
}

impl<'de, T: de::Deserialize<'de>> DeserializeSeed<'de> for VecSeed<T> {
    type Value = Vec<T>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: de::Deserialize<'de>> Visitor<'de> for VecSeed<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::with_capacity(self.capacity.max(seq.size_hint().unwrap_or(0)));
        while let Some(item) = seq.next_element()? {
            out.push(item);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presize_is_bounded_by_the_body_and_a_ceiling() {
        assert_eq!(presize(None, 1_000_000), 0);
        assert_eq!(presize(Some(1000), 1_000_000), 1000);
        assert_eq!(presize(Some(1000), 100), 50);
        assert_eq!(presize(Some(u32::MAX), usize::MAX), MAX_PRESIZED_ITEMS);
    }

    #[test]
    fn a_page_keeps_items_and_counts_and_skips_the_rest() {
        #[derive(serde::Deserialize)]
        struct N {
            n: u32,
        }
        let body = br#"{"_links":{"a":[1,{"b":2}]},"items":[{"n":1},{"n":2}],"perPage":18446744073709551615,"totalCount":7,"count":2}"#;
        let page = decode_seed(200, body, ItemsPage::<N>::seed(Some(10), body.len()))
            .unwrap()
            .into_page();
        assert_eq!(page.items.iter().map(|i| i.n).collect::<Vec<_>>(), [1, 2]);
        assert!(page.items.capacity() >= 10);
        assert_eq!(page.total_count, Some(7));
        assert_eq!(page.per_page, None);
    }

    #[test]
    fn a_page_without_items_is_a_decode_error() {
        let body = br#"{"totalCount":7}"#;
        let err = decode_seed(200, body, ItemsPage::<u8>::seed(None, body.len()))
            .err()
            .unwrap();
        assert!(matches!(err, Error::Decode(_)), "{err:?}");
    }

    #[test]
    fn trailing_bytes_are_a_decode_error() {
        assert!(matches!(decode_as::<u8>(b"1 2"), Err(Error::Decode(_))));
        assert!(matches!(decode_as::<u8>(b"\xff"), Err(Error::Decode(_))));
        assert_eq!(decode_as::<u8>(b" 7 ").unwrap(), 7);
    }
}
