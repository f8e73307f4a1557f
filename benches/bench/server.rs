//! The benchmark's own HTTP/1.1 keep-alive server on 127.0.0.1: canned
//! bodies with `Content-Length`, a thread per connection.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Whole responses (status line, headers, body) built once, and the bodies.
pub(crate) struct Canned {
    pub(crate) token_body: Vec<u8>,
    pub(crate) page_body: Vec<u8>,
    pub(crate) token_response: Vec<u8>,
    pub(crate) page_response: Vec<u8>,
    pub(crate) not_found_response: Vec<u8>,
}

impl Canned {
    pub(crate) fn new() -> Self {
        let mut token = String::new();
        write_token(&mut token, 42, TOKEN_DESCRIPTION_LONG);
        let page = page_body(0, PAGE_SIZE.into(), PAGE_SIZE.into());
        Canned {
            token_response: response(200, token.as_bytes()),
            page_response: response(200, page.as_bytes()),
            not_found_response: response(404, br#"{"type":"NotFound","message":"No such route"}"#),
            token_body: token.into_bytes(),
            page_body: page.into_bytes(),
        }
    }
}

pub(crate) const TOKEN_DESCRIPTION: &str = "Deploys application workflows from CI";
pub(crate) const TOKEN_DESCRIPTION_LONG: &str =
    "Deploys application workflows and dashboards from the CI pipeline";

/// One token as Losant writes it, about 670 bytes, its ID and name derived
/// from `index`.
pub(crate) fn write_token(out: &mut String, index: u64, description: &str) {
    let status = if index % 7 == 3 { "inactive" } else { "active" };
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        concat!(
            r#"{{"id":"5f1e3c9a2b4d{i:012x}","apiTokenId":"5f1e3c9a2b4d{i:012x}","#,
            r#""ownerId":"{owner}","ownerType":"user","creatorId":"{owner}","#,
            r#""creatorType":"user","creatorName":"Avery Example","#,
            r#""name":"ci-deploy-{i:06}","description":"{description}","#,
            r#""creationDate":"2025-03-14T09:26:53.589Z","#,
            r#""lastUpdated":"2025-11-02T17:41:08.112Z","#,
            r#""expirationDate":"2027-03-14T00:00:00.000Z","defaultRole":"view","#,
            r#""scope":["all.User.read","userApiTokens.get","applications.get","#,
            r#""devices.get","dashboards.get"],"status":"{status}","_type":"apiToken","#,
            r#""_links":{{"self":{{"href":"/me/tokens/5f1e3c9a2b4d{i:012x}"}},"#,
            r#""tokens":{{"href":"/me/tokens"}}}}}}"#
        ),
        i = index,
        owner = OWNER_ID,
        description = description,
        status = status,
    );
}

/// Page `page` of a collection of `total` tokens, `per_page` to a page.
pub(crate) fn page_body(page: u64, per_page: u64, total: u64) -> String {
    let first = page.saturating_mul(per_page).min(total);
    let last = first.saturating_add(per_page).min(total);
    let mut out = String::with_capacity(usize::try_from((last - first) * 680 + 512).unwrap_or(0));
    out.push_str(r#"{"items":["#);
    for i in first..last {
        if i > first {
            out.push(',');
        }
        write_token(&mut out, i, TOKEN_DESCRIPTION);
    }
    let _ = write!(
        out,
        concat!(
            r#"],"count":{count},"totalCount":{total},"perPage":{per_page},"page":{page},"#,
            r#""sortField":"name","sortDirection":"asc","ownerId":"{owner}","#,
            r#""ownerType":"user","_type":"apiTokens","#,
            r#""_links":{{"self":{{"href":"/me/tokens?page={page}&perPage={per_page}"}}}}}}"#
        ),
        count = last - first,
        total = total,
        per_page = per_page,
        page = page,
        owner = OWNER_ID,
    );
    out
}

/// A whole HTTP/1.1 response with a JSON body.
pub(crate) fn response(status: u16, body: &[u8]) -> Vec<u8> {
    let reason = if status == 200 { "OK" } else { "Not Found" };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json; charset=utf-8\r\n\
         content-length: {}\r\nconnection: keep-alive\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

pub(crate) struct Server {
    pub(crate) port: u16,
}

impl Server {
    /// Listens on a free port of 127.0.0.1 and serves every connection on its
    /// own thread, until the process ends.
    pub(crate) fn start(canned: Arc<Canned>) -> BenchResult<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let canned = Arc::clone(&canned);
                thread::spawn(move || {
                    // A client that goes away mid-request is not our problem.
                    let _ = serve(stream, &canned);
                });
            }
        });
        Ok(Server { port })
    }

    /// The server's base URL, naming it `host` (it listens on 127.0.0.1).
    pub(crate) fn url(&self, host: &str) -> String {
        format!("http://{host}:{}", self.port)
    }
}

/// Serves requests on one keep-alive connection until the client closes it.
pub(crate) fn serve(stream: TcpStream, canned: &Canned) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::with_capacity(16 * 1024, stream.try_clone()?);
    let mut writer = stream;
    let mut request_line = Vec::with_capacity(256);
    let mut line = Vec::with_capacity(256);
    loop {
        request_line.clear();
        if reader.read_until(b'\n', &mut request_line)? == 0 {
            return Ok(());
        }
        let mut content_length = 0u64;
        let mut mirrored = Vec::new();
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                return Ok(());
            }
            if line == b"\r\n" || line == b"\n" {
                break;
            }
            if let Some(value) = header_value(&line, b"content-length") {
                content_length = value.trim().parse().unwrap_or(0);
            }
            for name in ["accept-version", "user-agent", "accept"] {
                if let Some(value) = header_value(&line, name.as_bytes()) {
                    mirrored.push((name, value.trim().to_owned()));
                }
            }
        }
        io::copy(&mut (&mut reader).take(content_length), &mut io::sink())?;
        let target = std::str::from_utf8(&request_line)
            .ok()
            .and_then(|l| l.split(' ').nth(1))
            .unwrap_or("/");
        match route(target) {
            Route::Token => writer.write_all(&canned.token_response)?,
            Route::CannedPage => writer.write_all(&canned.page_response)?,
            Route::Page {
                page,
                per_page,
                total,
            } => writer.write_all(&response(200, page_body(page, per_page, total).as_bytes()))?,
            Route::NotFound => writer.write_all(&canned.not_found_response)?,
            Route::Echo => {
                let query = target.split_once('?').map_or("", |(_, q)| q);
                let mut echo = serde_json::Map::new();
                echo.insert("query".to_owned(), format!("?{query}").into());
                for (name, value) in mirrored {
                    echo.insert(name.to_owned(), value.into());
                }
                let body = serde_json::Value::Object(echo).to_string();
                writer.write_all(&response(200, body.as_bytes()))?;
            }
        }
    }
}

/// The value of header `name` (lower case) if `line` is that header.
pub(crate) fn header_value<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a str> {
    let colon = line.iter().position(|&b| b == b':')?;
    if !line[..colon].eq_ignore_ascii_case(name) {
        return None;
    }
    std::str::from_utf8(&line[colon + 1..]).ok()
}

pub(crate) enum Route {
    Token,
    /// The canned first page of a 1000-token collection.
    CannedPage,
    /// Page `page` of a `total`-token collection (a path under `/c<total>`).
    Page {
        page: u64,
        per_page: u64,
        total: u64,
    },
    NotFound,
    /// `/bench/echo`: the headers and query the request came with, as JSON.
    Echo,
}

pub(crate) fn route(target: &str) -> Route {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path == "/bench/echo" {
        return Route::Echo;
    }
    // `/c<total>/me/tokens...`: a generated collection of `total` tokens.
    let (total, path) = match path
        .strip_prefix("/c")
        .and_then(|p| p.find('/').map(|at| p.split_at(at)))
    {
        Some((total, rest)) => match total.parse::<u64>() {
            Ok(total) => (Some(total), rest),
            Err(_) => return Route::NotFound,
        },
        None => (None, path),
    };
    if path == "/me/tokens" {
        let param = |key: &str| {
            query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| v.parse::<u64>().ok())
        };
        return match total {
            None => Route::CannedPage,
            Some(total) => Route::Page {
                page: param("page").unwrap_or(0),
                per_page: param("perPage").unwrap_or(100),
                total,
            },
        };
    }
    match path.strip_prefix("/me/tokens/") {
        Some(id) if !id.is_empty() && !id.contains('/') => Route::Token,
        _ => Route::NotFound,
    }
}
