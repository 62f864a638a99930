//! A frozen form as Word papers (issue 14 §3): `GET forms/{id}/docx?version=…` gives one version's
//! paper, `?answers=true` the answer-key document (of that version, or of every version), and no
//! version the zip of every version's paper with the key document. The layout is
//! `khaothi_render`'s paper model — the same the HTML print view prints — written as `.docx` by
//! `khaothi_interop::paper_docx`, with the bank's media as pictures.
//!
//! Only a frozen form prints (409 otherwise): what the board hands schools must not change under
//! it. A document carrying keys (the key document, the zip) is audited as `form_key_read`; a paper
//! alone as `form_print`, like the HTML view.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use khaothi_assembly::Blueprint;
use khaothi_domain::Item;
use khaothi_domain::form::Version;
use khaothi_interop::InteropError;
use khaothi_render::{AnswerKey, Paper, paper_layout};
use khaothi_store::assembly as store;
use khaothi_store::audit;
use serde::Deserialize;
use utoipa::IntoParams;

use super::assembly::form_view;
use super::items::actor;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiPath, ApiQuery};
use crate::print::paper_heading;
use crate::state::AppState;

const BOARD: &[khaothi_auth::Role] = &[khaothi_auth::Role::Admin, khaothi_auth::Role::ExamBoard];
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DocxParams {
    /// Version code (mã đề), e.g. `0101`. Without it: a zip of every version's paper and the
    /// answer-key document.
    pub version: Option<String>,
    /// `true`: the answer-key document (đáp án) instead of the paper — of `version`, or of every
    /// version when none is given.
    pub answers: Option<bool>,
}

/// What the form prints from: its versions, the pinned items, passages and pictures.
struct Printable {
    blueprint: Blueprint,
    form: khaothi_domain::form::Form,
    versions: Vec<Version>,
    items: HashMap<String, Item>,
    passages: HashMap<String, String>,
    media: HashMap<String, Vec<u8>>,
}

/// A frozen form as Word: one version's paper, the key document, or a zip of all.
#[utoipa::path(get, path = "/api/v1/forms/{id}/docx", tag = "assembly", operation_id = "form_docx",
    security(("bearer" = [])), params(("id" = String, Path), DocxParams),
    responses(
        (status = 200, description = "`.docx` (one paper or the key document) or a zip of every version's paper and the key document",
            content(("application/vnd.openxmlformats-officedocument.wordprocessingml.document"), ("application/zip"))),
        (status = 403), (status = 404, description = "no such form or version"),
        (status = 409, description = "the form is not frozen, or an item shows a picture the bank does not have or Word cannot show")))]
pub async fn form_docx(
    State(state): State<AppState>,
    khaothi_auth::CurrentUserOrCookie(user): khaothi_auth::CurrentUserOrCookie,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<DocxParams>,
) -> ApiResult<Response> {
    user.require(BOARD, "print forms")?;
    let printable = load(&state, user.org(), &id).await?;
    let chosen: Vec<&Version> = match &p.version {
        Some(code) => vec![printable.versions.iter().find(|v| &v.code == code).ok_or_else(|| {
            let codes: Vec<&str> = printable.versions.iter().map(|v| v.code.as_str()).collect();
            ApiError::NotFound(format!("form {id} has no version {code}; it has {}", codes.join(", ")))
        })?],
        None => printable.versions.iter().collect(),
    };
    let answers = p.answers.unwrap_or(false);
    let (name, content_type, bytes) = match (&p.version, answers) {
        (Some(code), false) => (format!("de-{code}.docx"), DOCX, paper(&printable, chosen[0])?),
        (_, true) => ("dap-an.docx".to_string(), DOCX, key_document(&printable, &chosen)?),
        (None, false) => (format!("de-{id}.zip"), "application/zip", all_papers(&printable, &chosen)?),
    };
    let carries_keys = answers || p.version.is_none();
    let codes: Vec<&str> = chosen.iter().map(|v| v.code.as_str()).collect();
    let action = if carries_keys { "form_key_read" } else { "form_print" };
    audit::record(
        &state.db,
        &actor(&user),
        action,
        "form",
        &id,
        serde_json::json!({"versions": codes, "format": "docx", "answers": carries_keys}),
    )
    .await?;
    let disposition = format!("attachment; filename=\"{name}\"");
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

async fn load(state: &AppState, org: &str, id: &str) -> ApiResult<Printable> {
    let stored = store::get_form(&state.db, org, id).await?;
    if stored.frozen_at.is_none() {
        return Err(ApiError::Conflict(format!(
            "form {id} is not frozen; freeze it first (POST /api/v1/forms/{id}/freeze): a paper handed to schools must not change"
        )));
    }
    let blueprint =
        Blueprint::from_yaml(&store::get_blueprint(&state.db, org, &stored.blueprint_id).await?.yaml)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    let view = form_view(stored)?;
    let mut items = HashMap::new();
    let mut passages = HashMap::new();
    for it in &view.form.items {
        let v = khaothi_store::items::get(&state.db, org, &it.item_id, it.version.map(|v| v as i32)).await?;
        if let Some(sid) = &v.item.stimulus
            && !passages.contains_key(sid)
        {
            passages.insert(sid.clone(), khaothi_store::stimuli::get(&state.db, org, sid).await?.text);
        }
        items.insert(it.item_id.clone(), v.item);
    }
    let media = pictures(state, org, &items, &passages).await?;
    Ok(Printable { blueprint, form: view.form, versions: view.versions, items, passages, media })
}

/// The bank images the items and passages show (`/api/v1/media/<id>` links and the names items
/// list in `media`); one the bank lacks is left out, and the paper names it (409).
async fn pictures(
    state: &AppState,
    org: &str,
    items: &HashMap<String, Item>,
    passages: &HashMap<String, String>,
) -> ApiResult<HashMap<String, Vec<u8>>> {
    let mut ids = BTreeSet::new();
    for item in items.values() {
        let text = serde_json::to_string(item).map_err(|e| ApiError::Internal(e.to_string()))?;
        ids.extend(khaothi_render::media_ids(&text).map(str::to_string));
        ids.extend(item.media.iter().cloned());
    }
    for text in passages.values() {
        ids.extend(khaothi_render::media_ids(text).map(str::to_string));
    }
    let mut media = HashMap::new();
    for id in ids {
        if let Ok(m) = khaothi_store::media::get(&state.db, org, &id).await {
            media.insert(id, m.data);
        }
    }
    Ok(media)
}

fn paper_of<'a>(p: &'a Printable, v: &'a Version) -> Paper<'a> {
    Paper {
        heading: paper_heading(&p.blueprint),
        form: &p.form,
        version: v,
        items: &p.items,
        stimuli: &p.passages,
    }
}

/// A paper that cannot be printed is the form's content's fault (a picture), not the server's.
fn refused(e: InteropError) -> ApiError {
    ApiError::Conflict(e.to_string())
}

fn paper(p: &Printable, v: &Version) -> ApiResult<Vec<u8>> {
    let layout = paper_layout(&paper_of(p, v)).map_err(|e| ApiError::Internal(e.to_string()))?;
    khaothi_interop::paper_docx(&layout, &|name: &str| p.media.get(name).cloned()).map_err(refused)
}

fn key_document(p: &Printable, versions: &[&Version]) -> ApiResult<Vec<u8>> {
    let first = versions.first().ok_or_else(|| ApiError::NotFound("the form has no versions".into()))?;
    let masthead = paper_layout(&paper_of(p, first)).map_err(|e| ApiError::Internal(e.to_string()))?.masthead;
    let keys: Vec<AnswerKey> = versions.iter().map(|v| khaothi_render::answer_key(&paper_of(p, v))).collect();
    khaothi_interop::answer_key_docx(&masthead, &keys).map_err(refused)
}

/// `de-<code>.docx` for every version and `dap-an.docx`, in one zip.
fn all_papers(p: &Printable, versions: &[&Version]) -> ApiResult<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let fail = |e: &dyn std::fmt::Display| ApiError::Internal(format!("writing the zip: {e}"));
    let mut add = |name: &str, bytes: &[u8]| -> ApiResult<()> {
        zip.start_file(name, stored).map_err(|e| fail(&e))?;
        zip.write_all(bytes).map_err(|e| fail(&e))
    };
    for v in versions {
        add(&format!("de-{}.docx", v.code), &paper(p, v)?)?;
    }
    add("dap-an.docx", &key_document(p, versions)?)?;
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}
