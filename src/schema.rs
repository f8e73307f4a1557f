//! The bodies Losant sends and accepts, field for field from its published
//! JSON schemas. The crate is written against API version 1.31 (the
//! `instance` owner, `applicationId` and `instanceId`) and keeps working with
//! a 1.30 server, which leaves those out.
//!
//! Responses are lenient: unknown fields are ignored, enum values the server
//! adds later decode into an `Unknown` variant, and dates stay exactly the
//! strings the server sent. Request bodies are strict: they are built with
//! constructors and setters, and fields left unset are left out of the JSON
//! rather than sent as `null`.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

pub use crate::secret::SecretToken;

/// Declares a string enum from the server: a variant per known value, an
/// `Unknown(String)` for values added later, `as_str`, `Display`, and serde
/// impls that decode a known value without allocating.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $value:literal ),+ $(,)? }
        $(aliases { $( $alias:literal => $avariant:ident ),* })?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the crate does not know yet, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// The value as Losant spells it.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $value, )+
                    $name::Unknown(other) => other,
                }
            }

            fn from_borrowed(value: &str) -> Self {
                match value {
                    $( $value => $name::$variant, )+
                    $($( $alias => $name::$avariant, )*)?
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            /// Never fails: an unrecognised value becomes `Unknown`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($name::from_borrowed(s))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                $name::from_borrowed(value)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from_borrowed(v))
                    }
                }
                deserializer.deserialize_str(V)
            }
        }
    };
}

string_enum! {
    /// Whether a token can be used.
    TokenStatus {
        /// The token authenticates requests.
        Active = "active",
        /// The token is disabled.
        Inactive = "inactive",
    }
}

string_enum! {
    /// A role in an organization, or a token's default role.
    Role {
        /// Full control.
        Admin = "admin",
        /// May change resources.
        Edit = "edit",
        /// May work with resources without changing their settings.
        Collaborate = "collaborate",
        /// Read-only.
        View = "view",
        /// No access.
        None = "none",
    }
}

string_enum! {
    /// A role on one application or dashboard.
    ResourceRoleKind {
        /// May work with the resource.
        Collaborate = "collaborate",
        /// Read-only.
        View = "view",
        /// No access.
        None = "none",
    }
}

string_enum! {
    /// What owns a token.
    OwnerType {
        /// An application's token.
        Application = "application",
        /// A user's token.
        User = "user",
        /// An instance's token (API 1.31).
        Instance = "instance",
    }
}

string_enum! {
    /// What created a token.
    CreatorType {
        /// Another API token.
        ApiToken = "apiToken",
        /// A user.
        User = "user",
        /// A workflow.
        Flow = "flow",
    }
}

string_enum! {
    /// The field [`ListTokens`](crate::tokens::ListTokens) sorts by.
    SortField {
        /// The token's name (Losant's default).
        Name = "name",
        /// `active` before `inactive`, or the reverse.
        Status = "status",
        /// The token ID.
        Id = "id",
        /// When the token was created.
        CreationDate = "creationDate",
        /// When the token was last changed.
        LastUpdated = "lastUpdated",
        /// When the token expires.
        ExpirationDate = "expirationDate",
    }
}

string_enum! {
    /// The direction [`ListTokens`](crate::tokens::ListTokens) sorts in.
    SortDirection {
        /// Ascending (Losant's default).
        Asc = "asc",
        /// Descending.
        Desc = "desc",
    }
    aliases { "ASC" => Asc, "DESC" => Desc }
}

string_enum! {
    /// The field a [`ListTokens`](crate::tokens::ListTokens) filter applies to.
    FilterField {
        /// The token's name.
        Name = "name",
        /// The token's status, `active` or `inactive`.
        Status = "status",
    }
}

/// One API token, as Losant returns it.
///
/// Only `id` and `name` are always present. The secret
/// [`token`](Self::token) is present only in the answer to
/// [`CreateToken`](crate::tokens::CreateToken).
///
/// `Default` gives an empty token, for building answers in your own tests:
///
/// ```
/// let mut token = losant_rest::schema::ApiToken::default();
/// token.id = "575ec7417ae143cd83dc4a95".into();
/// token.name = "deploy bot".into();
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiToken {
    /// The token's ID, 24 hexadecimal characters.
    pub id: String,
    /// The token's name.
    pub name: String,
    /// The token's ID again, as Losant also sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_token_id: Option<String>,
    /// The ID of the user, application or instance that owns the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// What owns the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_type: Option<OwnerType>,
    /// The application that owns the token, for an application's token (API
    /// 1.31).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// The instance that owns the token, for an instance's token (API 1.31).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// The ID of whatever created the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<String>,
    /// What created the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_type: Option<CreatorType>,
    /// The creator's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_name: Option<String>,
    /// The token's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When the token was created, exactly as the server wrote it
    /// (ISO 8601, such as `2026-11-25T14:48:12.000Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<String>,
    /// When the token was last changed, as the server wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    /// When the token stops working, as the server wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    /// The role the token has in organizations not named in `org_roles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_role: Option<Role>,
    /// Per-organization roles; empty when the server sent none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub org_roles: Vec<OrgRole>,
    /// The token's scopes; empty when the server sent none.
    #[serde(
        default,
        deserialize_with = "crate::schema_de::scope",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub scope: Vec<String>,
    /// Whether the token can be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TokenStatus>,
    /// The secret, present only in the answer to a create. Never serialized.
    #[serde(default, skip_serializing)]
    pub token: Option<SecretToken>,
}

/// A page of tokens: the answer to [`ListTokens`](crate::tokens::ListTokens).
/// (Its `Deserialize` is written by hand, in `schema_de.rs`, to reserve the
/// items of a large page up front.)
/// `Default` gives an empty page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiTokens {
    /// The tokens on this page.
    #[serde(default)]
    pub items: Vec<ApiToken>,
    /// How many tokens are on this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// How many tokens match the filter, over all pages.
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
    /// The field the filter applied to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_field: Option<FilterField>,
    /// The field the server sorted by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_field: Option<SortField>,
    /// The direction the server sorted in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort_direction: Option<SortDirection>,
    /// The ID of the tokens' owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// What owns the tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_type: Option<OwnerType>,
    /// The application that owns the tokens, for an application's list (API
    /// 1.31).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// The instance that owns the tokens, for an instance's list (API 1.31).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
}

/// A token's role in one organization.
///
/// ```
/// use losant_rest::schema::{OrgRole, ResourceRole, ResourceRoleKind, Role};
///
/// let role = OrgRole::new("sandbox", Role::View)
///     .application_role(ResourceRole::new("575ec7417ae143cd83dc4a95", ResourceRoleKind::Collaborate));
/// assert_eq!(role.application_roles.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrgRole {
    /// The organization's ID, or `sandbox` for the user's own sandbox.
    pub org_id: String,
    /// The role in the organization.
    pub role: Role,
    /// Roles on single applications, at most 100.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub application_roles: Vec<ResourceRole>,
    /// Roles on single dashboards, at most 100.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dashboard_roles: Vec<ResourceRole>,
}

impl OrgRole {
    /// A role in the organization `org_id` (an ID, or `sandbox`).
    pub fn new(org_id: impl Into<String>, role: Role) -> Self {
        OrgRole {
            org_id: org_id.into(),
            role,
            application_roles: Vec::new(),
            dashboard_roles: Vec::new(),
        }
    }

    /// Adds a role on one application. Defaults to none.
    #[must_use]
    pub fn application_role(mut self, role: ResourceRole) -> Self {
        self.application_roles.push(role);
        self
    }

    /// Adds a role on one dashboard. Defaults to none.
    #[must_use]
    pub fn dashboard_role(mut self, role: ResourceRole) -> Self {
        self.dashboard_roles.push(role);
        self
    }
}

/// A role on one application or dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourceRole {
    /// The application's or dashboard's ID.
    pub resource_id: String,
    /// The role on it.
    pub role: ResourceRoleKind,
}

impl ResourceRole {
    /// A role on the resource `resource_id`.
    pub fn new(resource_id: impl Into<String>, role: ResourceRoleKind) -> Self {
        ResourceRole {
            resource_id: resource_id.into(),
            role,
        }
    }
}

/// The body of [`CreateToken`](crate::tokens::CreateToken): a name, and
/// whatever else is set. Unset fields are left out of the JSON.
///
/// ```
/// use losant_rest::schema::{ApiTokenPost, TokenStatus};
///
/// let post = ApiTokenPost::new("deploy bot")
///     .description("used by CI")
///     .scope(["all.User.read", "userApiTokens.get"])
///     .expiration_date("2030-01-01T00:00:00.000Z")
///     .status(TokenStatus::Active);
/// assert_eq!(post.scope.as_deref().map(<[_]>::len), Some(2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiTokenPost {
    /// The name, 1 to 255 characters.
    pub name: String,
    /// A description, at most 32767 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When the token stops working (ISO 8601 date-time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    /// The role in organizations not listed in `org_roles`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_role: Option<Role>,
    /// Per-organization roles, at most 25.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_roles: Option<Vec<OrgRole>>,
    /// Scopes: unique, each 1 to 1024 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<Vec<String>>,
    /// Whether the token starts active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TokenStatus>,
}

impl ApiTokenPost {
    /// A new token called `name`, with Losant's defaults for everything else.
    pub fn new(name: impl Into<String>) -> Self {
        ApiTokenPost {
            name: name.into(),
            description: None,
            expiration_date: None,
            default_role: None,
            org_roles: None,
            scope: None,
            status: None,
        }
    }

    /// Sets the description. Defaults to none.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets when the token expires, as an ISO 8601 date-time such as
    /// `2030-01-01T00:00:00.000Z`. Defaults to never.
    #[must_use]
    pub fn expiration_date(mut self, date: impl Into<String>) -> Self {
        self.expiration_date = Some(date.into());
        self
    }

    /// Sets the default role. Defaults to Losant's choice.
    #[must_use]
    pub fn default_role(mut self, role: Role) -> Self {
        self.default_role = Some(role);
        self
    }

    /// Sets the per-organization roles. Defaults to none.
    #[must_use]
    pub fn org_roles(mut self, roles: impl IntoIterator<Item = OrgRole>) -> Self {
        self.org_roles = Some(roles.into_iter().collect());
        self
    }

    /// Sets the scopes, such as `all.User` or `userApiTokens.get`. Defaults
    /// to Losant's choice.
    #[must_use]
    pub fn scope<I>(mut self, scope: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.scope = Some(scope.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the initial status. Defaults to active.
    #[must_use]
    pub fn status(mut self, status: TokenStatus) -> Self {
        self.status = Some(status);
        self
    }
}

/// The body of [`UpdateToken`](crate::tokens::UpdateToken): only the fields
/// that are set change.
///
/// ```
/// use losant_rest::schema::{ApiTokenPatch, TokenStatus};
///
/// let patch = ApiTokenPatch::new().name("renamed").status(TokenStatus::Inactive);
/// assert_eq!(patch.status, Some(TokenStatus::Inactive));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiTokenPatch {
    /// A new name, 1 to 255 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new description, at most 32767 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A new default role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_role: Option<Role>,
    /// New per-organization roles, at most 25.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_roles: Option<Vec<OrgRole>>,
    /// A new status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TokenStatus>,
}

impl ApiTokenPatch {
    /// A patch that changes nothing yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Renames the token. Defaults to unchanged.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Replaces the description. Defaults to unchanged.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Replaces the default role. Defaults to unchanged.
    #[must_use]
    pub fn default_role(mut self, role: Role) -> Self {
        self.default_role = Some(role);
        self
    }

    /// Replaces the per-organization roles. Defaults to unchanged.
    #[must_use]
    pub fn org_roles(mut self, roles: impl IntoIterator<Item = OrgRole>) -> Self {
        self.org_roles = Some(roles.into_iter().collect());
        self
    }

    /// Enables or disables the token. Defaults to unchanged.
    #[must_use]
    pub fn status(mut self, status: TokenStatus) -> Self {
        self.status = Some(status);
        self
    }
}

/// The answer to a delete: `{"success": true}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Success {
    /// Whether the action succeeded.
    #[serde(default)]
    pub success: bool,
}

impl Success {
    pub(crate) const TRUE: Success = Success { success: true };
}

// The directories (`GET /applications`, `/instances`, `/me`) and the date
// helpers on tokens, each in a file of its own.
mod directories;
mod time;
pub use directories::{
    Application, ApplicationOwnerType, ApplicationSortField, Applications, Instance,
    InstanceSortField, Instances, Me,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_enum_values_are_kept() {
        let t: ApiToken = serde_json::from_str(
            r#"{"id":"575ec7417ae143cd83dc4a95","name":"n","status":"suspended","creatorType":"robot","_type":"apiToken","extra":{"a":[1]}}"#,
        )
        .unwrap();
        assert_eq!(t.status, Some(TokenStatus::Unknown("suspended".into())));
        assert_eq!(
            t.creator_type.as_ref().map(CreatorType::as_str),
            Some("robot")
        );
        assert!(t.scope.is_empty() && t.org_roles.is_empty());
    }

    #[test]
    fn sort_direction_accepts_upper_case() {
        let d: SortDirection = serde_json::from_str("\"DESC\"").unwrap();
        assert_eq!(d, SortDirection::Desc);
    }

    #[test]
    fn unset_fields_are_left_out() {
        let json = serde_json::to_string(&ApiTokenPost::new("n")).unwrap();
        assert_eq!(json, r#"{"name":"n"}"#);
        assert_eq!(serde_json::to_string(&ApiTokenPatch::new()).unwrap(), "{}");
    }

    #[test]
    fn secret_is_never_serialized() {
        let t: ApiToken =
            serde_json::from_str(r#"{"id":"a","name":"n","token":"hunter2"}"#).unwrap();
        assert_eq!(
            t.token.as_ref().map(SecretToken::expose_secret),
            Some("hunter2")
        );
        assert!(!serde_json::to_string(&t).unwrap().contains("hunter2"));
        assert!(!format!("{t:?}").contains("hunter2"));
    }
}
