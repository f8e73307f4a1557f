//! Checks made before a request is sent, from Losant's published schemas
//! only: ID patterns, lengths, item counts and the `date-time` format of
//! `expirationDate`. Limits the schemas do not state (`perPage`, scope
//! names) are the server's to judge.

use crate::error::{Error, Result};
use crate::schema::{ApiTokenPatch, ApiTokenPost, OrgRole, ResourceRole};

const NAME_MAX: usize = 255;
const DESCRIPTION_MAX: usize = 32767;
const SCOPE_ITEM_MAX: usize = 1024;
const ORG_ROLES_MAX: usize = 25;
const RESOURCE_ROLES_MAX: usize = 100;

/// Whether `s` is a Losant ID: exactly 24 hexadecimal characters.
pub(crate) fn is_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

pub(crate) fn id(field: &str, value: &str) -> Result<()> {
    if is_id(value) {
        Ok(())
    } else {
        // Not echoed: a secret pasted in the wrong place must not end up in
        // an error message or a log.
        let n = value.chars().count();
        let what = if value.chars().all(|c| c.is_ascii_hexdigit()) {
            format!("{n} hexadecimal characters")
        } else {
            format!("{n} characters, not all hexadecimal")
        };
        Err(Error::invalid(
            field,
            format!("must be 24 hexadecimal characters, got {what}"),
        ))
    }
}

fn length(field: &str, value: &str, min: usize, max: usize) -> Result<()> {
    // JSON Schema counts characters (code points), not bytes.
    let n = value.chars().count();
    if n < min {
        Err(Error::invalid(
            field,
            format!("must be at least {min} character(s), got {n}"),
        ))
    } else if n > max {
        Err(Error::invalid(
            field,
            format!("must be at most {max} characters, got {n}"),
        ))
    } else {
        Ok(())
    }
}

fn count(field: &str, n: usize, max: usize) -> Result<()> {
    if n > max {
        Err(Error::invalid(
            field,
            format!("must have at most {max} entries, got {n}"),
        ))
    } else {
        Ok(())
    }
}

pub(crate) fn post(body: &ApiTokenPost) -> Result<()> {
    length("name", &body.name, 1, NAME_MAX)?;
    if let Some(d) = &body.description {
        length("description", d, 0, DESCRIPTION_MAX)?;
    }
    if let Some(date) = &body.expiration_date {
        expiration_date(date)?;
    }
    if let Some(roles) = &body.org_roles {
        org_roles(roles)?;
    }
    if let Some(scope) = &body.scope {
        for (i, item) in scope.iter().enumerate() {
            length(&format!("scope[{i}]"), item, 1, SCOPE_ITEM_MAX)?;
            if scope[..i].contains(item) {
                return Err(Error::invalid(
                    format!("scope[{i}]"),
                    format!("items must be unique; {item:?} repeats"),
                ));
            }
        }
    }
    Ok(())
}

/// The schema's `"format": "date-time"`: RFC 3339.
fn expiration_date(date: &str) -> Result<()> {
    if crate::date::parse(date).is_some() {
        Ok(())
    } else {
        // Not echoed, like an ID: it is the user's input, of any length.
        Err(Error::invalid(
            "expirationDate",
            "must be an RFC 3339 date-time, such as 2030-01-01T00:00:00.000Z",
        ))
    }
}

pub(crate) fn patch(body: &ApiTokenPatch) -> Result<()> {
    if let Some(name) = &body.name {
        length("name", name, 1, NAME_MAX)?;
    }
    if let Some(d) = &body.description {
        length("description", d, 0, DESCRIPTION_MAX)?;
    }
    if let Some(roles) = &body.org_roles {
        org_roles(roles)?;
    }
    Ok(())
}

fn org_roles(roles: &[OrgRole]) -> Result<()> {
    count("orgRoles", roles.len(), ORG_ROLES_MAX)?;
    for (i, role) in roles.iter().enumerate() {
        if role.org_id != "sandbox" && !is_id(&role.org_id) {
            return Err(Error::invalid(
                format!("orgRoles[{i}].orgId"),
                "must be 24 hexadecimal characters or \"sandbox\"",
            ));
        }
        resource_roles(
            &format!("orgRoles[{i}].applicationRoles"),
            &role.application_roles,
        )?;
        resource_roles(
            &format!("orgRoles[{i}].dashboardRoles"),
            &role.dashboard_roles,
        )?;
    }
    Ok(())
}

fn resource_roles(field: &str, roles: &[ResourceRole]) -> Result<()> {
    count(field, roles.len(), RESOURCE_ROLES_MAX)?;
    for (i, role) in roles.iter().enumerate() {
        id(&format!("{field}[{i}].resourceId"), &role.resource_id)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ResourceRoleKind, Role};

    fn field(r: Result<()>) -> String {
        match r {
            Err(Error::InvalidRequest(e)) => e.field().to_owned(),
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
    }

    #[test]
    fn ids() {
        assert!(is_id("575ec7417ae143cd83dc4a95"));
        assert!(is_id("575EC7417AE143CD83DC4A95"));
        assert!(!is_id("575ec7417ae143cd83dc4a9"));
        assert!(!is_id("575ec7417ae143cd83dc4a9g"));
        assert!(!is_id("../../../me/tokens/aaaaa"));
    }

    #[test]
    fn names_count_characters_not_bytes() {
        assert!(post(&ApiTokenPost::new("é".repeat(255))).is_ok());
        assert_eq!(field(post(&ApiTokenPost::new("é".repeat(256)))), "name");
        assert_eq!(field(post(&ApiTokenPost::new(""))), "name");
        assert_eq!(field(patch(&ApiTokenPatch::new().name(""))), "name");
    }

    #[test]
    fn descriptions_and_scopes() {
        assert!(post(&ApiTokenPost::new("n").description("d".repeat(32767))).is_ok());
        let long = ApiTokenPost::new("n").description("d".repeat(32768));
        assert_eq!(field(post(&long)), "description");
        assert_eq!(field(post(&ApiTokenPost::new("n").scope([""]))), "scope[0]");
        assert_eq!(
            field(post(&ApiTokenPost::new("n").scope(["a".repeat(1025)]))),
            "scope[0]"
        );
        assert_eq!(
            field(post(&ApiTokenPost::new("n").scope(["a", "b", "a"]))),
            "scope[2]"
        );
        assert!(post(&ApiTokenPost::new("n").scope(["a".repeat(1024)])).is_ok());
    }

    #[test]
    fn expiration_dates_must_be_date_times() {
        for ok in ["2030-01-01T00:00:00.000Z", "2030-01-01T00:00:00+02:00"] {
            assert!(post(&ApiTokenPost::new("n").expiration_date(ok)).is_ok());
        }
        for bad in ["tomorrow", "2030-01-01", "", "2030-02-30T00:00:00Z"] {
            let r = post(&ApiTokenPost::new("n").expiration_date(bad));
            assert_eq!(field(r), "expirationDate", "{bad:?}");
        }
    }

    fn ok_role() -> OrgRole {
        OrgRole::new("sandbox", Role::View)
    }

    #[test]
    fn org_role_limits() {
        let ok = OrgRole::new("sandbox", Role::View);
        assert!(post(&ApiTokenPost::new("n").org_roles(vec![ok.clone(); 25])).is_ok());
        assert_eq!(
            field(post(&ApiTokenPost::new("n").org_roles(vec![ok; 26]))),
            "orgRoles"
        );
        let bad = OrgRole::new("my-org", Role::View);
        assert_eq!(
            field(patch(&ApiTokenPatch::new().org_roles([ok_role(), bad]))),
            "orgRoles[1].orgId"
        );
        let app = ResourceRole::new("575ec7417ae143cd83dc4a95", ResourceRoleKind::View);
        let mut many = OrgRole::new("575ec7417ae143cd83dc4a95", Role::Edit);
        many.application_roles = vec![app; 101];
        assert_eq!(
            field(post(&ApiTokenPost::new("n").org_roles([many]))),
            "orgRoles[0].applicationRoles"
        );
        let bad_dash = OrgRole::new("sandbox", Role::Edit)
            .dashboard_role(ResourceRole::new("nope", ResourceRoleKind::None));
        assert_eq!(
            field(post(&ApiTokenPost::new("n").org_roles([bad_dash]))),
            "orgRoles[0].dashboardRoles[0].resourceId"
        );
    }
}
