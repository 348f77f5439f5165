//! `/_fake/…` on the api origin: seeding and inspection when the fake runs as
//! a process (bin/demo). Never logged, never faulted, no token needed.

use super::state::{AddError, NewAsset};
use super::{Fault, Inner};
use crate::http::{Request, Response, b64_decode, b64_encode};
use serde_json::{Value, json};

/// Admin paths sit at the root or under the api prefix.
pub(super) fn admin_path<'a>(inner: &Inner, path: &'a str) -> Option<&'a str> {
    let p = path
        .strip_prefix(inner.opts.api_prefix.as_str())
        .unwrap_or(path);
    p.starts_with("/_fake/").then_some(p)
}

pub(super) fn handle(inner: &Inner, req: &Request, path: &str) -> Response {
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    match (req.method.as_str(), path) {
        ("POST", "/_fake/repos") => create_repo(inner, &body),
        ("POST", "/_fake/assets") => add_asset(inner, &body),
        ("GET", "/_fake/assets") => list_assets(inner, req),
        ("GET", "/_fake/requests") => {
            let log: Vec<Value> = inner.state().requests.iter().map(|r| r.to_json()).collect();
            Response::json(200, &Value::Array(log))
        }
        ("DELETE", "/_fake/requests") => {
            inner.state().requests.clear();
            Response::new(204)
        }
        ("GET", "/_fake/dispatches") => {
            let d: Vec<Value> = inner
                .state()
                .dispatches
                .iter()
                .map(|d| d.to_json())
                .collect();
            Response::json(200, &Value::Array(d))
        }
        ("POST", "/_fake/faults") => match Fault::from_json(&body) {
            Ok(f) => {
                inner.state().faults.push(f);
                Response::new(204)
            }
            Err(e) => bad(&e),
        },
        _ => bad("unknown admin endpoint"),
    }
}

fn bad(message: &str) -> Response {
    Response::json(400, &json!({"message": message}))
}

fn field<'a>(body: &'a Value, key: &str) -> Result<&'a str, Response> {
    body[key]
        .as_str()
        .ok_or_else(|| bad(&format!("missing string field `{key}`")))
}

fn create_repo(inner: &Inner, body: &Value) -> Response {
    let (Ok(owner), Ok(repo)) = (field(body, "owner"), field(body, "repo")) else {
        return bad("need `owner` and `repo`");
    };
    inner
        .state()
        .create_repo(owner, repo, body["private"].as_bool().unwrap_or(false));
    Response::new(204)
}

/// `{"owner","repo","tag","name","content_base64"[,"content_type"]}`: the
/// release with that tag must exist (create it with the real API).
fn add_asset(inner: &Inner, body: &Value) -> Response {
    let fields = ["owner", "repo", "tag", "name", "content_base64"].map(|k| field(body, k));
    let [Ok(owner), Ok(repo), Ok(tag), Ok(name), Ok(content)] = fields else {
        return bad("need `owner`, `repo`, `tag`, `name`, `content_base64`");
    };
    let Some(content) = b64_decode(content) else {
        return bad("`content_base64` is not base64");
    };
    let content_type = body["content_type"]
        .as_str()
        .unwrap_or(super::content_type_for(name));
    let mut st = inner.state();
    let Some(release) = st
        .repo(owner, repo)
        .and_then(|r| r.release_by_tag(tag))
        .map(|r| r.id)
    else {
        return Response::json(404, &json!({"message": "no such release"}));
    };
    let new = NewAsset {
        name,
        label: None,
        content_type,
        content: &content,
        uploaded: true,
    };
    match st.add_asset(owner, repo, release, new) {
        Ok(id) => Response::json(201, &json!({"id": id})),
        Err(AddError::Duplicate) => Response::json(422, &json!({"message": "asset name taken"})),
        Err(AddError::NoRelease) => Response::json(404, &json!({"message": "no such release"})),
    }
}

/// `GET /_fake/assets?owner=&repo=&tag=`: names and contents, in upload order.
fn list_assets(inner: &Inner, req: &Request) -> Response {
    let q = |k: &str| req.query_param(k).unwrap_or_default();
    let st = inner.state();
    let Some(rel) = st
        .repo(&q("owner"), &q("repo"))
        .and_then(|r| r.release_by_tag(&q("tag")))
    else {
        return Response::json(404, &json!({"message": "no such release"}));
    };
    let list: Vec<Value> = rel
        .assets
        .iter()
        .map(|a| json!({"name": a.name, "content_base64": b64_encode(&a.content)}))
        .collect();
    Response::json(200, &Value::Array(list))
}
