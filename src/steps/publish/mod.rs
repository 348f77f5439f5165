//! Recording a result on its release without a moment where the release carries
//! no complete result: upload the new asset first, then delete the older results
//! of the same test. An identical result already there is left as it is.
//!
//! Crash safety: a kill between upload and delete leaves two results; readers take
//! the newest (highest asset ID) and the next `out` deletes the older one.
//! Concurrency: each run deletes only results *older* than its own, so two
//! simultaneous runs end with exactly one result: the later upload.

use anyhow::{Context, Result, bail};

use crate::record::{AssetName, Record, results_on};
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
        // There, but a newer result of this test exists (a crash or another
        // build): this run's verdict is the latest observation, so it is
        // recorded again. The newer result covers the release meanwhile.
        Some(stale) => {
            store
                .delete(stale)
                .await
                .context("replacing a stale copy of this result")?;
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
    let created = store.upload(release, &rendered, record.to_json()).await?;
    let tag = record.release.clone();
    let current = store.by_tag(&tag).await?.with_context(|| {
        format!("release {tag} disappeared while its result was being recorded")
    })?;
    let (kept, uploaded) = match (created, find(&current.assets, &rendered)) {
        (Uploaded::Created(a), _) => (a, true),
        (Uploaded::AlreadyExists, Some(a)) => (a.clone(), false),
        (Uploaded::AlreadyExists, None) => {
            bail!("uploading {rendered}: GitHub says it exists, but release {tag} does not list it")
        }
    };
    Ok((kept, uploaded, current))
}

fn find<'a>(assets: &'a [Asset], name: &str) -> Option<&'a Asset> {
    assets.iter().find(|a| a.name == name)
}

#[cfg(test)]
mod tests;
