//! The five-checkpoint audit of a campaign (DESIGN.md; rules in `frameproof_domain::audit_checks`
//! and ADR 0009), read from the campaign's own records. Works for projects without a workflow
//! too: every live asset counts as a deliverable. Team members only.

use std::collections::BTreeMap;

use frameproof_domain::audit_checks::{
    self as checks, BriefRevision, Checkpoint, Current, Remark, Seal, SealLock, Touch, Upload,
};
use frameproof_domain::brief::{self, FieldDef};
use frameproof_domain::{Action, ProjectId};
use frameproof_store::{briefs, checks as cstore};
use serde::Serialize;
use uuid::Uuid;

use crate::access::{self, require};
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::state::AppState;

/// A campaign's audit: the five checkpoints, in DESIGN.md's order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignAudit {
    pub project_id: ProjectId,
    pub checkpoints: Vec<Checkpoint>,
}

fn hours(secs: i64) -> String {
    let h = secs as f64 / 3600.0;
    if h >= 10.0 { format!("{h:.0}") } else { format!("{h:.1}") }
}

pub async fn campaign(state: &AppState, p: &Principal, id: ProjectId) -> ApiResult<CampaignAudit> {
    let mut c = state.store().reader().await?;
    let (project, role) = access::project(&mut c, p, id, false).await?;
    require(role, Action::EditContent)?;
    let uploads = cstore::uploads(&mut c, project.id).await?;
    let first_upload_at = uploads.iter().map(|u| u.created_at).min();

    // 1. The brief.
    let mut revisions = Vec::new();
    if let Some(b) = briefs::brief_for(&mut c, project.id, None).await? {
        let fields: Vec<FieldDef> = serde_json::from_str(&b.fields).unwrap_or_default();
        for r in briefs::revisions(&mut c, b.id).await? {
            let values = serde_json::from_str(&r.field_values).unwrap_or_default();
            let missing = brief::missing_required(&fields, &values)
                .into_iter()
                .map(|k| fields.iter().find(|f| f.key == k).map_or(k.clone(), |f| f.label.clone()))
                .collect();
            revisions.push(BriefRevision { number: r.number, submitted_at: r.submitted_at, missing });
        }
    }
    let brief_check = checks::brief(&revisions, first_upload_at);

    // 2. Handoffs.
    let assets: std::collections::BTreeSet<Uuid> = uploads.iter().map(|u| u.asset_id).collect();
    let deliverables = assets.len();
    let handoff_rows: Vec<Upload> = uploads
        .iter()
        .map(|u| Upload {
            version_id: u.version_id.to_string(),
            asset_id: u.asset_id.to_string(),
            asset_name: u.asset_name.clone(),
            folder_id: u.folder_id.to_string(),
            sha256: u.sha256.clone(),
            at: u.created_at,
            by: u.uploaded_by.clone(),
        })
        .collect();
    let handoffs = checks::handoffs(&handoff_rows, deliverables);

    // 3. Feedback, with the review time and where it stalls.
    let remarks = cstore::remarks(&mut c, project.id).await?;
    let remark_rows: Vec<Remark> = remarks
        .iter()
        .map(|r| Remark {
            comment_id: r.comment_id.to_string(),
            anchored: r.anchored,
            at: r.created_at,
            by: r.author_name.clone(),
        })
        .collect();
    drop(c);
    let review = match super::analytics::campaign(state, p, id).await {
        Ok(a) => {
            let mut words = Vec::new();
            if let Some(l) = a.numbers.lead_time_median {
                words.push(format!(
                    "Review took {} business hours (median) from first upload to approval.",
                    hours(l.business_secs)
                ));
            }
            if let Some((stage, share)) = &a.numbers.bottleneck_stage {
                words.push(format!("{stage} took {:.0} % of the time.", share * 100.0));
            }
            if let Some(w) = &a.numbers.bottleneck_reviewer {
                words.push(format!("Longest wait: on {} ({} business hours).", w.name, hours(w.span.business_secs)));
            }
            (!words.is_empty()).then(|| words.join(" "))
        }
        // A project without a workflow has no stage runs: only the comments speak.
        Err(_) => None,
    };
    let feedback = checks::feedback(&remark_rows, review.as_deref());

    // 4. One live version: a version is current from its upload until the next one's.
    let mut c = state.store().reader().await?;
    let decisions = cstore::decisions(&mut c, project.id).await?;
    let currents: Vec<Current> = uploads
        .iter()
        .map(|u| Current {
            asset_id: u.asset_id.to_string(),
            version_id: u.version_id.to_string(),
            number: u.number,
            since: u.created_at,
        })
        .collect();
    let mut touches: Vec<Touch> = remarks
        .iter()
        .map(|r| Touch {
            kind: String::from("comment"),
            id: r.comment_id.to_string(),
            asset_id: r.asset_id.to_string(),
            version_id: r.version_id.to_string(),
            at: r.created_at,
            by: r.author_name.clone(),
        })
        .collect();
    touches.extend(decisions.iter().map(|d| Touch {
        kind: String::from("decision"),
        id: d.id.to_string(),
        asset_id: d.asset_id.to_string(),
        version_id: d.version_id.to_string(),
        at: d.created_at,
        by: d.author_name.clone(),
    }));
    let one_version = checks::one_version(&currents, &touches, deliverables);

    // 5. Approvals: each deliverable whose current version is locked, or approved by every
    // decision on it, must be sealed with a receipt that verifies and names who approved.
    let receipts = cstore::receipts(&mut c, project.id).await?;
    let mut newest: BTreeMap<Uuid, &cstore::UploadRow> = BTreeMap::new();
    for u in &uploads {
        if newest.get(&u.asset_id).is_none_or(|x| u.number > x.number) {
            newest.insert(u.asset_id, u);
        }
    }
    let mut seals = Vec::new();
    for (asset, v) in newest {
        // Each person's latest decision on the version.
        let mut latest: BTreeMap<String, &str> = BTreeMap::new();
        for d in decisions.iter().filter(|d| d.version_id == v.version_id) {
            latest.insert(d.user_id.map_or_else(|| d.author_name.clone(), |u| u.to_string()), d.decision.as_str());
        }
        let approved_by_all = !latest.is_empty() && latest.values().all(|d| d.starts_with("approved"));
        if !v.locked && !approved_by_all {
            continue;
        }
        let lock = receipts.iter().find(|(ver, _, _)| *ver == v.version_id).map(|(_, rid, doc)| {
            let doc: serde_json::Value = serde_json::from_str(doc).unwrap_or_default();
            let verified = frameproof_domain::signing::verify_document(state.keys().public_keys(), "receipt", &doc);
            let body = verified.as_ref().ok().copied().unwrap_or(&serde_json::Value::Null);
            SealLock {
                id: rid.to_string(),
                kind: body["lock"]["kind"].as_str().unwrap_or_default().to_owned(),
                reason: body["lock"]["reason"].as_str().map(str::to_owned),
                approvers: body["approvers"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|x| x["name"].as_str().map(str::to_owned)).collect())
                    .unwrap_or_default(),
                verifies: verified.is_ok(),
                at: v.created_at,
            }
        });
        seals.push(Seal {
            asset_id: asset.to_string(),
            asset_name: v.asset_name.clone(),
            lock: if v.locked { lock } else { None },
        });
    }
    let approval = checks::approval(&seals);
    Ok(CampaignAudit {
        project_id: project.id,
        checkpoints: vec![brief_check, handoffs, feedback, one_version, approval],
    })
}
