//! Validation of request bodies against Losant's published token schemas
//! (`apiTokenPost`, `apiTokenPatch`), with messages that name the offending
//! field by its path, as Losant's validator does.

use serde_json::{Map, Value};

const ROLES: &[&str] = &["admin", "edit", "collaborate", "view", "none"];
const RESOURCE_ROLES: &[&str] = &["collaborate", "view", "none"];
const STATUSES: &[&str] = &["active", "inactive"];

fn check_string<'a>(field: &str, v: &'a Value, min: usize, max: usize) -> Result<&'a str, String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("{field} must be a string"))?;
    let n = s.chars().count();
    if n < min {
        return Err(format!("{field} must be at least {min} characters long"));
    }
    if n > max {
        return Err(format!("{field} must be at most {max} characters long"));
    }
    Ok(s)
}

fn check_enum(field: &str, v: &Value, allowed: &[&str]) -> Result<(), String> {
    match v.as_str() {
        Some(s) if allowed.contains(&s) => Ok(()),
        _ => Err(format!("{field} must be one of {}", allowed.join(", "))),
    }
}

fn check_array<'a>(field: &str, v: &'a Value, max: usize) -> Result<&'a [Value], String> {
    let a = v
        .as_array()
        .ok_or_else(|| format!("{field} must be an array"))?;
    if a.len() > max {
        return Err(format!("{field} must have at most {max} items"));
    }
    Ok(a)
}

/// Checks the keys of `obj`: all `required` present, none outside `allowed`.
fn check_object<'a>(
    field: &str,
    v: &'a Value,
    allowed: &[&str],
    required: &[&str],
) -> Result<&'a Map<String, Value>, String> {
    let m = v
        .as_object()
        .ok_or_else(|| format!("{field} must be an object"))?;
    if let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("{field}.{k} is not allowed"));
    }
    if let Some(k) = required.iter().find(|k| !m.contains_key(**k)) {
        return Err(format!("{field}.{k} is required"));
    }
    Ok(m)
}

fn check_org_roles(value: &Value) -> Result<(), String> {
    for (i, item) in check_array("orgRoles", value, 25)?.iter().enumerate() {
        let path = format!("orgRoles[{i}]");
        let org = check_object(
            &path,
            item,
            &["orgId", "role", "applicationRoles", "dashboardRoles"],
            &["orgId", "role"],
        )?;
        if !org["orgId"]
            .as_str()
            .is_some_and(|s| s == "sandbox" || crate::validate::is_id(s))
        {
            return Err(format!(
                "{path}.orgId must be a 24 character hex id or \"sandbox\""
            ));
        }
        check_enum(&format!("{path}.role"), &org["role"], ROLES)?;
        for list in ["applicationRoles", "dashboardRoles"] {
            let Some(roles) = org.get(list) else { continue };
            for (j, role) in check_array(&format!("{path}.{list}"), roles, 100)?
                .iter()
                .enumerate()
            {
                let item_path = format!("{path}.{list}[{j}]");
                let role = check_object(
                    &item_path,
                    role,
                    &["resourceId", "role"],
                    &["resourceId", "role"],
                )?;
                if !role["resourceId"]
                    .as_str()
                    .is_some_and(crate::validate::is_id)
                {
                    return Err(format!(
                        "{item_path}.resourceId must be a 24 character hex id"
                    ));
                }
                check_enum(&format!("{item_path}.role"), &role["role"], RESOURCE_ROLES)?;
            }
        }
    }
    Ok(())
}

/// Validates a POST (`post`) or PATCH body against Losant's schemas; the
/// message names the offending field with its index path (`orgRoles[0].orgId`).
pub(super) fn validate_body(body: &Map<String, Value>, post: bool) -> Result<(), String> {
    let allowed: &[&str] = if post {
        &[
            "name",
            "description",
            "expirationDate",
            "defaultRole",
            "orgRoles",
            "scope",
            "status",
        ]
    } else {
        &["name", "description", "defaultRole", "orgRoles", "status"]
    };
    if let Some(k) = body.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("{k} is not allowed"));
    }
    if post && !body.contains_key("name") {
        return Err("name is required".into());
    }
    if let Some(v) = body.get("name") {
        check_string("name", v, 1, 255)?;
    }
    if let Some(v) = body.get("description") {
        check_string("description", v, 0, 32767)?;
    }
    if let Some(v) = body.get("expirationDate") {
        if crate::date::parse(check_string("expirationDate", v, 0, usize::MAX)?).is_none() {
            return Err("expirationDate must be a valid RFC 3339 date-time".into());
        }
    }
    if let Some(v) = body.get("defaultRole") {
        check_enum("defaultRole", v, ROLES)?;
    }
    if let Some(v) = body.get("status") {
        check_enum("status", v, STATUSES)?;
    }
    if let Some(v) = body.get("orgRoles") {
        check_org_roles(v)?;
    }
    if let Some(v) = body.get("scope") {
        let items = check_array("scope", v, usize::MAX)?;
        for (i, s) in items.iter().enumerate() {
            check_string(&format!("scope[{i}]"), s, 1, 1024)?;
            if items[..i].contains(s) {
                return Err(format!(
                    "scope[{i}] is a duplicate; scope items must be unique"
                ));
            }
        }
    }
    Ok(())
}
