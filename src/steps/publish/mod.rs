//! Recording a result on its release without a moment where the release carries
//! no complete result: upload the new asset first, then delete the older results
//! of the same test. An identical result already there is left as it is.
//!
//! Crash safety: a kill between upload and delete leaves two results; readers take
//! the newest (highest asset ID) and the next `out` deletes the older one. A kill
//! (or a dropped connection) mid-upload leaves a `starter` asset: never a result
//! to any reader, and removed by the next `out` (GitHub refuses its name until then).
//! Concurrency: each run deletes only results *older* than its own, so two
//! simultaneous runs end with exactly one result: the later upload.

use anyhow::{Context, Result, bail};

use crate::record::{AssetName, Record, results_on, unfinished_on};
use crate::releases::{Asset, Release, Releases, Uploaded};

#[derive(Debug, PartialEq, Eq)]
pub struct Published {
    pub asset: String,
    /// False when the same result was already on the release (a no-op).
    pub uploaded: bool,
    /// Older results of the same test that were deleted.
    pub removed: Vec<String>,
    /// A newer result recorded meanwhile by another build: it wins.
    pub superseded_by: Option<String>,
}

pub async fn publish(
    store: &impl Releases,
    release: &Release,
    record: &Record,
) -> Result<Published> {
    let name = record.asset_name();
    let rendered = name.render();
    let newest = results_on(&release.assets, &record.test_name)
        .pop()
        .map(|(_, a)| a.id);
    let (kept, uploaded, current) = match find(&release.assets, &rendered) {
        // Already the current result: an identical re-run changes nothing.
        Some(a) if Some(a.id) == newest => (a.clone(), false, release.clone()),
        // There, but not the current result: a stale copy behind a newer
        // result (a crash or another build), or an upload that never completed
        // (GitHub keeps its name taken and has nothing to serve). This run's
        // verdict is the latest observation, so it is recorded again; a newer
        // result, if any, covers the release meanwhile.
        Some(old) => {
            let why = if old.is_uploaded() {
                "replacing a stale copy of this result"
            } else {
                "removing an unfinished upload of this result"
            };
            store.delete(old).await.context(why)?;
            upload(store, release, record, &name).await?
        }
        None => upload(store, release, record, &name).await?,
    };
    let mut removed = Vec::new();
    let mut superseded_by = None;
    for (other, asset) in results_on(&current.assets, &record.test_name) {
        if asset.id < kept.id {
            if store
                .delete(asset)
                .await
                .context("removing the older result")?
            {
                removed.push(other.render());
            }
        } else if asset.id > kept.id {
            superseded_by = Some(other.render());
        }
    }
    // Unfinished uploads of other results of this test (a build killed
    // mid-upload) are never results; they only block their names.
    for (other, asset) in unfinished_on(&current.assets, &record.test_name) {
        if asset.id != kept.id
            && store
                .delete(asset)
                .await
                .context("removing an unfinished upload")?
        {
            removed.push(format!("{} (unfinished upload)", other.render()));
        }
    }
    Ok(Published {
        asset: rendered,
        uploaded,
        removed,
        superseded_by,
    })
}

/// Upload, then look at the release again: another build may have written too.
async fn upload(
    store: &impl Releases,
    release: &Release,
    record: &Record,
    name: &AssetName,
) -> Result<(Asset, bool, Release)> {
    let rendered = name.render();
    let tag = record.release.clone();
    // Twice at most: the second after removing an unfinished upload of the name.
    for _ in 0..2 {
        let created = store.upload(release, &rendered, record.to_json()).await?;
        let current = store.by_tag(&tag).await?.with_context(|| {
            format!("release {tag} disappeared while its result was being recorded")
        })?;
        match (created, find(&current.assets, &rendered)) {
            (Uploaded::Created(a), _) => return Ok((a, true, current)),
            // A retried upload that had landed, or another build's identical result.
            (Uploaded::AlreadyExists, Some(a)) if a.is_uploaded() => {
                return Ok((a.clone(), false, current));
            }
            // 422 on a name whose upload never completed (a lost attempt of ours
            // or a killed build's): GitHub takes the name again once it is deleted.
            (Uploaded::AlreadyExists, Some(unfinished)) => {
                store
                    .delete(unfinished)
                    .await
                    .context("removing an unfinished upload of this result")?;
            }
            (Uploaded::AlreadyExists, None) => {
                bail!(
                    "uploading {rendered}: GitHub says it exists, but release {tag} does not list it"
                )
            }
        }
    }
    bail!(
        "uploading {rendered}: GitHub keeps answering that it exists, but never as a completed upload"
    )
}

fn find<'a>(assets: &'a [Asset], name: &str) -> Option<&'a Asset> {
    assets.iter().find(|a| a.name == name)
}

#[cfg(test)]
mod tests;
