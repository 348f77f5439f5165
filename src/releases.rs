//! The GitHub release store: list releases (newest first, stopping early), fetch
//! one by tag, download, upload and delete result assets. Behind the `Releases`
//! trait so the step logic can be tested in memory.

use anyhow::{Context, Result, bail};
use http::Method;
use reqwest::Url;
use serde::Deserialize;

use crate::config::values::ReleaseTag;
use crate::github::{GitHub, origin};

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Release {
    pub id: u64,
    pub tag_name: String,
    #[serde(default)]
    pub draft: bool,
    pub upload_url: String,
    #[serde(default)]
    pub assets: Vec<Asset>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Asset {
    pub id: u64,
    pub name: String,
    pub url: String,
    /// `uploaded`, or `starter` for an upload that never completed (size 0,
    /// nothing to download, the name still taken). Absent counts as not
    /// uploaded: a result needs positive evidence.
    #[serde(default)]
    pub state: Option<String>,
}

impl Asset {
    /// Only a completed upload is a result.
    pub fn is_uploaded(&self) -> bool {
        self.state.as_deref() == Some("uploaded")
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Uploaded {
    Created(Asset),
    /// 422 `already_exists`: an asset of that name is there (an earlier attempt
    /// landed, or another build uploaded the same result).
    AlreadyExists,
}

#[allow(async_fn_in_trait)] // one current-thread runtime: no Send bound needed
pub trait Releases {
    /// Releases newest first. Paging stops after the page on which `enough`
    /// first returns true, so an unchanged check costs one request.
    async fn list(&self, enough: &mut dyn FnMut(&Release) -> bool) -> Result<Vec<Release>>;
    async fn by_tag(&self, tag: &ReleaseTag) -> Result<Option<Release>>;
    async fn download(&self, asset: &Asset) -> Result<Vec<u8>>;
    async fn upload(&self, release: &Release, name: &str, content: Vec<u8>) -> Result<Uploaded>;
    /// `false` when the asset was already gone (404).
    async fn delete(&self, asset: &Asset) -> Result<bool>;
    /// Ok when the repository itself can be seen; otherwise an error that
    /// says so. GitHub answers 404 both for what does not exist and for a
    /// private repository the token cannot read, so a missing release is only
    /// "gone" once the repository is known to be visible.
    async fn check_access(&self) -> Result<()>;
}

pub struct GitHubReleases {
    pub gh: GitHub,
    pub owner: String,
    pub repo: String,
    /// `github_uploads_url`, when set: used instead of the release's `upload_url`.
    pub uploads: Option<Url>,
}

const PAGE: u32 = 100;
/// A record is a few KiB; 10 MiB means something else is behind the name.
const MAX_ASSET: usize = 10 * 1024 * 1024;

impl GitHubReleases {
    fn repo_path(&self) -> String {
        format!("repos/{}/{}/", self.owner, self.repo)
    }

    fn upload_target(&self, release: &Release) -> Result<Url> {
        let raw = match &self.uploads {
            Some(base) => base
                .join(&format!(
                    "{}releases/{}/assets",
                    self.repo_path(),
                    release.id
                ))?
                .to_string(),
            // `https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}`
            None => release
                .upload_url
                .split('{')
                .next()
                .unwrap_or_default()
                .to_owned(),
        };
        Url::parse(&raw)
            .with_context(|| format!("release {} has no usable upload_url", release.tag_name))
    }
}

impl Releases for GitHubReleases {
    async fn list(&self, enough: &mut dyn FnMut(&Release) -> bool) -> Result<Vec<Release>> {
        let what = format!("listing releases of {}/{}", self.owner, self.repo);
        let mut url = self
            .gh
            .url(&format!("{}releases?per_page={PAGE}", self.repo_path()))?;
        let mut all = Vec::new();
        loop {
            let answer = self
                .gh
                .send(&what, || self.gh.request(Method::GET, &url))
                .await?;
            let page = self.gh.page::<Release>(&what, answer).await?;
            let mut done = false;
            for r in page.items {
                done |= enough(&r);
                all.push(r);
            }
            match page.next {
                Some(next) if !done => {
                    let next = Url::parse(&next.to_string())
                        .with_context(|| format!("{what}: a bad next-page link"))?;
                    // Pages of this list come from the API itself; a link elsewhere is not one.
                    if origin(&next) != origin(&self.gh.api) {
                        bail!(
                            "{what}: the next page is on another host ({}); refusing",
                            origin(&next)
                        );
                    }
                    url = next;
                }
                _ => return Ok(all),
            }
        }
    }

    async fn by_tag(&self, tag: &ReleaseTag) -> Result<Option<Release>> {
        let what = format!("fetching release {tag} of {}/{}", self.owner, self.repo);
        let mut url = self
            .gh
            .url(&format!("{}releases/tags/", self.repo_path()))?;
        url.path_segments_mut()
            .map_err(|_| anyhow::anyhow!("the GitHub API URL cannot take a path"))?
            .pop_if_empty()
            .push(tag.as_str());
        let answer = self
            .gh
            .send(&what, || self.gh.request(Method::GET, &url))
            .await?;
        if answer.status == 404 {
            return Ok(None);
        }
        let answer = self.gh.expect_ok(&what, answer)?;
        answer.json(&what).map(Some)
    }

    async fn download(&self, asset: &Asset) -> Result<Vec<u8>> {
        let what = format!("downloading {}", asset.name);
        let url = Url::parse(&asset.url).with_context(|| format!("{what}: bad asset URL"))?;
        let answer = self.gh.download(&what, &url).await?;
        if answer.body.len() > MAX_ASSET {
            bail!("{what}: the asset is larger than 10 MiB, not a record");
        }
        Ok(answer.body)
    }

    async fn upload(&self, release: &Release, name: &str, content: Vec<u8>) -> Result<Uploaded> {
        let what = format!("uploading {name} to release {}", release.tag_name);
        let mut url = self.upload_target(release)?;
        url.query_pairs_mut().append_pair("name", name);
        // The token may go to the release's own upload_url: GitHub gave it.
        let gh = match &self.uploads {
            Some(_) => self.gh.clone(),
            None => self.gh.with_uploads(&url)?,
        };
        let answer = gh
            .send(&what, || {
                let body = Some(("application/json", content.clone()));
                gh.request_accepting(Method::POST, &url, "application/vnd.github+json", body)
            })
            .await?;
        if answer.status == 422 && is_already_exists(&answer.body) {
            return Ok(Uploaded::AlreadyExists);
        }
        let answer = gh.expect_ok(&what, answer)?;
        answer.json(&what).map(Uploaded::Created)
    }

    async fn delete(&self, asset: &Asset) -> Result<bool> {
        let what = format!("deleting {}", asset.name);
        let url = Url::parse(&asset.url).with_context(|| format!("{what}: bad asset URL"))?;
        let answer = self
            .gh
            .send(&what, || self.gh.request(Method::DELETE, &url))
            .await?;
        match answer.status.as_u16() {
            204 | 200 => Ok(true),
            404 => Ok(false),
            _ => Err(self.gh.fail(&what, &answer)),
        }
    }

    async fn check_access(&self) -> Result<()> {
        let answer = self.repository_answer().await?;
        if answer.status == 404 {
            let token = if self.gh.has_token() {
                "check that access_token can read it"
            } else {
                "no access_token is configured"
            };
            bail!(
                "cannot see repository {}/{}: it does not exist, or it is private and the token cannot read it ({token})",
                self.owner,
                self.repo
            );
        }
        let what = format!("reading repository {}/{}", self.owner, self.repo);
        self.gh.expect_ok(&what, answer).map(|_| ())
    }
}

impl GitHubReleases {
    async fn repository_answer(&self) -> Result<crate::github::Answer> {
        let what = format!("reading repository {}/{}", self.owner, self.repo);
        let url = self.gh.url(self.repo_path().trim_end_matches('/'))?;
        self.gh
            .send(&what, || self.gh.request(Method::GET, &url))
            .await
    }
}

fn is_already_exists(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("errors").and_then(|e| e.as_array()).cloned())
        .is_some_and(|errors| {
            errors
                .iter()
                .any(|e| e.get("code").and_then(|c| c.as_str()) == Some("already_exists"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn already_exists_is_recognised() {
        assert!(is_already_exists(br#"{"message":"Validation Failed","errors":[{"resource":"ReleaseAsset","code":"already_exists","field":"name"}]}"#));
        assert!(!is_already_exists(
            br#"{"message":"Validation Failed","errors":[{"code":"invalid"}]}"#
        ));
    }
}
