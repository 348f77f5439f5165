//! `Inner`'s helpers: the state lock and the URLs the fake hands out.

use super::{Inner, State, state};
use std::hash::BuildHasher;
use std::sync::MutexGuard;
use std::sync::atomic::Ordering;

impl Inner {
    /// Poisoning is ignored: one panicking test thread must not wedge the fake.
    pub(super) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn api_base(&self) -> String {
        format!("{}{}", self.api_origin, self.opts.api_prefix)
    }

    pub(super) fn uploads_base(&self) -> String {
        format!("{}{}", self.uploads_origin, self.opts.uploads_prefix)
    }

    /// Where `html_url`s point: the web UI lives at the host's root.
    pub(super) fn web_base(&self) -> String {
        self.api_origin.clone()
    }

    pub(super) fn signature(&self, asset_id: u64) -> String {
        format!("{:016x}", self.signer.hash_one(asset_id))
    }

    /// A URL shaped like GitHub's pre-signed S3 links (signature in the query).
    pub(super) fn storage_url(&self, repo_id: u64, asset: &state::Asset) -> String {
        format!(
            "{}/github-production-release-asset/{repo_id}/{}?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=FAKEKEY%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z\
             &X-Amz-Expires=300&X-Amz-Signature={}&X-Amz-SignedHeaders=host\
             &response-content-disposition=attachment%3B%20filename%3D{}\
             &response-content-type=application%2Foctet-stream",
            self.storage_origin,
            asset.id,
            self.signature(asset.id),
            crate::http::percent_encode(&asset.name),
        )
    }

    /// Shaped like `X-GitHub-Request-Id`; unique per call.
    pub(super) fn request_id(&self) -> String {
        let n = self.request_seq.fetch_add(1, Ordering::Relaxed);
        format!(
            "FAKE:{:04X}:{:06X}:{:08X}",
            self.started % 0xFFFF,
            n,
            self.signer.hash_one(n) as u32
        )
    }
}
