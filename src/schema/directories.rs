//! The directories that lead to every owner's tokens: the applications and
//! instances an access token can reach, and the signed-in user, as
//! `GET /applications`, `GET /instances` and `GET /me` answer them.
//!
//! Only the fields a program needs to find and name owners are typed; the
//! rest of Losant's large application, instance and user schemas (summaries,
//! globals, limits…) are ignored when decoding. Decode into your own type
//! with [`Client::send_as`](crate::Client) when you need more.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::SortDirection;

string_enum! {
    /// The field [`ListApplications`](crate::applications::ListApplications)
    /// sorts by.
    ApplicationSortField {
        /// The application's name (Losant's default).
        Name = "name",
        /// The application ID.
        Id = "id",
        /// When the application was created.
        CreationDate = "creationDate",
        /// The ID of the user or organization that owns it.
        OwnerId = "ownerId",
        /// When the application was last changed.
        LastUpdated = "lastUpdated",
    }
}

string_enum! {
    /// The field [`ListInstances`](crate::instances::ListInstances) sorts by.
    InstanceSortField {
        /// The instance's name (Losant's default).
        Name = "name",
        /// The instance ID.
        Id = "id",
        /// When the instance was created.
        CreationDate = "creationDate",
        /// When the instance was last changed.
        LastUpdated = "lastUpdated",
    }
}

string_enum! {
    /// What owns an application.
    ApplicationOwnerType {
        /// A user's own (sandbox) application.
        User = "user",
        /// An organization's application.
        Organization = "organization",
    }
}

/// One application, as `GET /applications` lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Application {
    /// The application's ID, 24 hexadecimal characters.
    #[serde(default)]
    pub id: String,
    /// The application's name.
    #[serde(default)]
    pub name: String,
    /// The ID again, as Losant also sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// The application's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The ID of the user or organization that owns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// Whether a user or an organization owns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_type: Option<ApplicationOwnerType>,
    /// The owning organization's name, for an organization's application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    /// The slug of the application's experience endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_slug: Option<String>,
    /// When the application was created, as the server wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
    /// When the application was last changed, as the server wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
}

/// A page of applications: the answer to
/// [`ListApplications`](crate::applications::ListApplications).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Applications {
    /// The applications on this page.
    #[serde(default)]
    pub items: Vec<Application>,
    /// How many applications are on this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// How many applications match the filter, over all pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    /// The page size the server used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u32>,
    /// This page's number, from 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// The filter the server applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// The field the filter applied to (only `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_field: Option<String>,
    /// The field the server sorted by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_field: Option<ApplicationSortField>,
    /// The direction the server sorted in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_direction: Option<SortDirection>,
}

/// One instance, as `GET /instances` lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Instance {
    /// The instance's ID, 24 hexadecimal characters.
    #[serde(default)]
    pub id: String,
    /// The instance's name.
    #[serde(default)]
    pub name: String,
    /// The ID again, as Losant also sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// When the instance was created, as the server wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
    /// When the instance was last changed, as the server wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
}

/// A page of instances: the answer to
/// [`ListInstances`](crate::instances::ListInstances).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Instances {
    /// The instances on this page.
    #[serde(default)]
    pub items: Vec<Instance>,
    /// How many instances are on this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// How many instances match the filter, over all pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    /// The page size the server used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u32>,
    /// This page's number, from 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// The filter the server applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// The field the filter applied to (only `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_field: Option<String>,
    /// The field the server sorted by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_field: Option<InstanceSortField>,
    /// The direction the server sorted in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_direction: Option<SortDirection>,
}

/// The signed-in user: the answer to [`GetMe`](crate::me::GetMe).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Me {
    /// The user's ID, 24 hexadecimal characters.
    #[serde(default)]
    pub id: String,
    /// The ID again, as Losant also sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The user's email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The user's first name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The user's last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The user's full name, as Losant composes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// The user's company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// When the account was created, as the server wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
    /// When the account was last changed, as the server wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    /// Whether the email address is verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Whether the user signs in with a second factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub two_factor_auth_enabled: Option<bool>,
}

impl Me {
    /// A name to show for the user: the full name, else first and last
    /// name, else the email address; `None` when the server sent none.
    #[must_use]
    pub fn display_name(&self) -> Option<String> {
        fn nonempty(s: Option<&str>) -> Option<&str> {
            s.filter(|s| !s.trim().is_empty())
        }
        if let Some(full) = nonempty(self.full_name.as_deref()) {
            return Some(full.to_owned());
        }
        let parts: Vec<&str> = [
            nonempty(self.first_name.as_deref()),
            nonempty(self.last_name.as_deref()),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() {
            nonempty(self.email.as_deref()).map(str::to_owned)
        } else {
            Some(parts.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_and_fields_are_kept_or_ignored() {
        let a: Applications = serde_json::from_str(
            r#"{"items":[{"id":"575ec8687ae143cd83dc4a97","name":"a","ownerType":"team",
                "summary":{"deviceCount":3},"globals":[]}],
                "count":1,"totalCount":1,"perPage":100,"page":0,
                "sortField":"rank","sortDirection":"DESC","_type":"applications"}"#,
        )
        .unwrap();
        assert_eq!(
            a.items[0].owner_type,
            Some(ApplicationOwnerType::Unknown("team".into()))
        );
        assert_eq!(
            a.sort_field,
            Some(ApplicationSortField::Unknown("rank".into()))
        );
        assert_eq!(a.sort_direction, Some(SortDirection::Desc));
        let i: Instances = serde_json::from_str(
            r#"{"items":[{"id":"575ecf887ae143cd83dc4aa2","name":"i","limits":{}}],"sortField":"id"}"#,
        )
        .unwrap();
        assert_eq!(i.sort_field, Some(InstanceSortField::Id));
        assert_eq!(i.items[0].name, "i");
    }

    #[test]
    fn display_names() {
        let me: Me = serde_json::from_str(
            r#"{"id":"5f1e2d3c4b5a69788796a5b4","firstName":"Ada","lastName":"","email":"a@x"}"#,
        )
        .unwrap();
        assert_eq!(me.display_name().as_deref(), Some("Ada"));
        let only_mail = Me {
            email: Some("a@x".into()),
            ..Me::default()
        };
        assert_eq!(only_mail.display_name().as_deref(), Some("a@x"));
        assert_eq!(Me::default().display_name(), None);
    }
}
