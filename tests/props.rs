//! Property tests: whatever a caller puts in a filter or an ID-shaped path,
//! the server receives exactly that.

mod common;

use common::setup;
use losant_rest::schema::FilterField;
use losant_rest::tokens::{GetToken, ListTokens};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_filter_reaches_the_server_unchanged(filter in "\\PC*") {
        let (fake, client) = setup();
        client.send(ListTokens::new().filter_field(FilterField::Name).filter(filter.as_str())).unwrap();
        let seen = fake.requests();
        prop_assert_eq!(seen.len(), 1);
        prop_assert_eq!(seen[0].query_param("filter"), Some(filter));
        // The value never spills into other parameters.
        prop_assert_eq!(seen[0].query_pairs().len(), 5);
    }

    #[test]
    fn any_id_shaped_path_reaches_the_server_unchanged(id in "[0-9a-fA-F]{24}") {
        let (fake, client) = setup();
        let err = client.send(GetToken::new(id.as_str())).unwrap_err();
        prop_assert_eq!(err.status(), Some(404));
        prop_assert_eq!(&fake.requests()[0].path, &format!("/me/tokens/{id}"));
    }
}
