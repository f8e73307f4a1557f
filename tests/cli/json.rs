//! `--json` of every command, and its one key order.

use std::fmt;

use losant_rest::fake::FakeLosant;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::json;

use crate::*;

#[test]
fn json_output_for_every_command() {
    let fake = FakeLosant::start();
    let ids = fake.seed(3);

    let doc = json_of(&run(&fake, &["get", &ids[0], "--json"]));
    assert_eq!(doc["id"], json!(ids[0]));
    assert_eq!(doc["name"], "seeded-token-0000");
    assert!(doc.get("secret").is_none() && doc.get("token").is_none());

    let out = run(
        &fake,
        &["--json", "create", "ci", "--scope", "all.User.read"],
    );
    let doc = json_of(&out);
    let secret = doc["secret"].as_str().expect("a secret");
    assert!(secret.starts_with("fake-secret-"), "{doc:#}");
    assert!(!out.stderr.contains(secret), "{out:#?}");
    assert_eq!(doc["name"], "ci");
    assert_eq!(doc["scope"], json!(["all.User.read"]));
    assert!(doc.get("token").is_none(), "{doc:#}");
    assert_eq!(stored(&fake, doc["id"].as_str().unwrap())["name"], "ci");

    let doc = json_of(&run(&fake, &["disable", &ids[1], "--json"]));
    assert_eq!(
        (&doc["id"], &doc["status"]),
        (&json!(ids[1]), &json!("inactive"))
    );
    let doc = json_of(&run(&fake, &["enable", "--json", &ids[1]]));
    assert_eq!(doc["status"], "active");
    let doc = json_of(&run(&fake, &["rename", &ids[1], "new name", "--json"]));
    assert_eq!(doc["name"], "new name");
    let doc = json_of(&run(&fake, &["delete", &ids[2], "--json"]));
    assert_eq!(doc, json!({"id": ids[2], "success": true}));

    let out = run(&fake, &["rotate", &ids[0], "--json", "--no-expiry"]);
    let doc = json_of(&out);
    let secret = doc["secret"].as_str().expect("a secret");
    assert!(!out.stderr.contains(secret), "{out:#?}");
    assert_eq!(doc["oldAction"], "disabled");
    assert_eq!(doc["old"]["id"], json!(ids[0]));
    assert_eq!(doc["old"]["status"], "inactive");
    assert_eq!(doc["new"]["name"], "seeded-token-0000");
    assert_eq!(doc["new"]["status"], "active");
    assert!(doc["new"].get("token").is_none(), "{doc:#}");
    let new = doc["new"]["id"].as_str().expect("an id");
    assert_eq!(stored(&fake, new)["status"], "active");
    assert_eq!(stored(&fake, &ids[0])["status"], "inactive");

    // Errors stay on stderr with nothing on stdout.
    run(&fake, &["get", MISSING_ID, "--json"]).assert_error(1);
}

/// Every object's keys in the order the text has them (serde_json's `Value`
/// would sort or keep them depending on its features, so the text is read
/// directly).
fn key_orders(text: &str) -> Vec<Vec<String>> {
    struct Collect<'a>(&'a mut Vec<Vec<String>>);
    impl<'de> DeserializeSeed<'de> for Collect<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Collect<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let all = self.0;
            let index = all.len();
            all.push(Vec::new());
            while let Some(key) = map.next_key::<String>()? {
                all[index].push(key);
                map.next_value_seed(Collect(&mut *all))?;
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let all = self.0;
            while seq.next_element_seed(Collect(&mut *all))?.is_some() {}
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }
    let mut all = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    Collect(&mut all).deserialize(&mut de).expect("JSON");
    all
}

#[test]
fn every_command_sorts_its_json_keys_at_every_depth() {
    let fake = FakeLosant::start();
    let ids = fake.seed(3);
    fake.insert(
        json!({"name": "rich", "status": "active", "scope": ["all.User.read"],
        "orgRoles": [{"role": "edit", "orgId": "sandbox", "applicationRoles": [
            {"role": "view", "resourceId": "5a5a5a5a5a5a5a5a5a5a5a5a"}]}]}),
    );
    let dir = std::env::temp_dir();
    let mut outputs = Vec::new();
    for args in [
        &["list", "--json"][..],
        &["get", &ids[0], "--json"],
        &["create", "ci", "--json", "--scope", "all.User.read"],
        &["disable", &ids[1], "--json"],
        &["enable", &ids[1], "--json"],
        &["rename", &ids[1], "renamed", "--json"],
        &["delete", &ids[2], "--json"],
        &["rotate", &ids[0], "--json", "--no-expiry"],
        &["rotate", &ids[1], "--json", "--exec", "cat > /dev/null"],
    ] {
        let mut command = command(Some(&fake), args);
        command.current_dir(&dir);
        let out = output(command);
        out.assert_ok();
        let orders = key_orders(&out.stdout);
        assert!(!orders.is_empty(), "{args:?}: {out:#?}");
        for keys in &orders {
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(*keys, sorted, "{args:?}: {}", out.stdout);
        }
        outputs.push(orders.concat());
    }
    // The nested objects were looked at: orgRoles' keys and rotate's parts.
    let all: Vec<String> = outputs.concat();
    for key in ["applicationRoles", "oldAction", "secret", "success"] {
        assert!(all.iter().any(|k| k == key), "{key}");
    }
}
