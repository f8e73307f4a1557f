//! `GET /me`: the signed-in user, the owner of `/me/tokens`.
//!
//! ```
//! use losant_rest::me::GetMe;
//!
//! # fn main() -> losant_rest::Result<()> {
//! # let fake = losant_rest::fake::FakeLosant::start();
//! # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
//! let me = client.send(GetMe::new())?;
//! assert_eq!(me.id.len(), 24);
//! println!("signed in as {}", me.display_name().unwrap_or_default());
//! # Ok(()) }
//! ```

use crate::request::{Method, Params, Path, Request};
use crate::schema::Me;

/// `GET /me`: the signed-in user.
///
/// Scopes, any one of: `all.User`, `all.User.read`, `me.get`.
///
/// Answers [`Me`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetMe {
    params: Params,
}

impl GetMe {
    /// The signed-in user.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

params_setters!(GetMe);

impl Request for GetMe {
    type Response = Me;

    fn method(&self) -> Method {
        Method::Get
    }

    fn path(&self, path: &mut Path<'_>) {
        path.push("/me");
    }

    fn params(&self) -> &Params {
        &self.params
    }
}
