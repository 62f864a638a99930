//! A frozen form as a QTI content package, for another QTI 3 system to deliver and score
//! (docs/api.md, docs/formats.md "QTI packages"): the paper's parts as sections, each item scoring
//! itself (the true/false group by the THPT rule), its pictures inside.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use khaothi_auth::Role;
use khaothi_domain::form::{Form, FormItem, Version, VersionKey};
use khaothi_domain::{Item, ItemBody};
use khaothi_interop::{MediaFile, QtiVersion, StimulusDraft, TestOutline};
use khaothi_store::assembly as store;
use khaothi_store::{audit, items, media};
use serde::Deserialize;
use utoipa::IntoParams;

use super::assembly::form_view;
use super::items::actor;
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiPath, ApiQuery};
use crate::state::AppState;

const BOARD: &[Role] = &[Role::Admin, Role::ExamBoard];

/// The shared passages the items name, for a package (`stimuli/ID.xml`), with the pictures their
/// text shows added to `pictures`.
pub(crate) async fn passages_of(
    state: &AppState,
    org: &str,
    items: &[Item],
    pictures: &mut Vec<MediaFile>,
) -> ApiResult<Vec<StimulusDraft>> {
    let mut passages: Vec<StimulusDraft> = Vec::new();
    for id in items.iter().filter_map(|i| i.stimulus.as_deref()) {
        if passages.iter().any(|p| p.id == id) {
            continue;
        }
        let s = khaothi_store::stimuli::get(&state.db, org, id).await?;
        let names = khaothi_interop::markdown_pictures(&s.text);
        for name in &names {
            if !pictures.iter().any(|m| m.name == *name) {
                let m = media::get(&state.db, org, name).await?;
                pictures.push(MediaFile { name: m.id, content_type: m.content_type, bytes: m.data });
            }
        }
        let item_ids =
            items.iter().filter(|i| i.stimulus.as_deref() == Some(id)).map(|i| i.id.clone()).collect();
        passages.push(StimulusDraft { id: s.id, text: s.text, item_ids, paragraph: 0, media: names });
    }
    Ok(passages)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QtiParams {
    /// Version code (mã đề), e.g. `0102`: items in that version's order, options as it shows
    /// them. Omitted: the form's own order and options.
    pub version: Option<String>,
    /// `3` (QTI 3.0, default) or `2.1`.
    pub qti: Option<String>,
}

/// Export a frozen form (or one of its versions) as a QTI content package (zip) with an
/// assessment test. The package carries the keys, as a printed answer key does: audited.
#[utoipa::path(get, path = "/api/v1/forms/{id}/qti", tag = "assembly", security(("bearer" = [])),
    params(("id" = String, Path), QtiParams),
    responses((status = 200, content_type = "application/zip"), (status = 400), (status = 403), (status = 404), (status = 409, description = "the form is not frozen")))]
pub async fn form_qti(
    State(state): State<AppState>,
    khaothi_auth::CurrentUserOrCookie(user): khaothi_auth::CurrentUserOrCookie,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<QtiParams>,
) -> ApiResult<Response> {
    user.require(BOARD, "export forms")?;
    let qti = match p.qti.as_deref().unwrap_or("3") {
        "3" | "3.0" => QtiVersion::V3_0,
        "2.1" => QtiVersion::V2_1,
        other => {
            return Err(ApiError::bad_request("invalid_query", format!("qti \"{other}\" is not 3 or 2.1")));
        }
    };
    let f = form_view(store::get_form(&state.db, user.org(), &id).await?)?;
    if f.frozen_at.is_none() {
        return Err(ApiError::Conflict(format!(
            "form {id} is not frozen; freeze it first (POST /api/v1/forms/{id}/freeze)"
        )));
    }
    let version = match &p.version {
        Some(code) => Some(f.versions.iter().find(|v| &v.code == code).ok_or_else(|| {
            let codes: Vec<&str> = f.versions.iter().map(|v| v.code.as_str()).collect();
            ApiError::NotFound(format!("form {id} has no version {code}; it has {}", codes.join(", ")))
        })?),
        None => None,
    };
    let mut pinned = Vec::new();
    for it in &f.form.items {
        let v = items::get(&state.db, user.org(), &it.item_id, it.version.map(|v| v as i32)).await?;
        pinned.push(v.item);
    }
    let (form, items) = match version {
        Some(v) => as_version(&f.form, v, &pinned)?,
        None => (f.form.clone(), pinned),
    };
    let mut pictures: Vec<MediaFile> = Vec::new();
    for name in items.iter().flat_map(|i| &i.media) {
        if !pictures.iter().any(|m| m.name == *name) {
            let m = media::get(&state.db, user.org(), name).await?;
            pictures.push(MediaFile { name: m.id, content_type: m.content_type, bytes: m.data });
        }
    }
    let code = version.map(|v| v.code.clone());
    let title = match &code {
        Some(c) => format!("{id} – mã đề {c}"),
        None => id.clone(),
    };
    let outline = TestOutline::of_form(&form, &title);
    let passages = passages_of(&state, user.org(), &items, &mut pictures).await?;
    let bytes = khaothi_interop::write_qti_package_with(&items, &pictures, &passages, Some(&outline), qti)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    let detail = serde_json::json!({"version": code, "qti": if qti == QtiVersion::V3_0 { "3.0" } else { "2.1" }, "items": ids});
    audit::record(&state.db, &actor(&user), "form_export_qti", "form", &id, detail).await?;
    let file =
        format!("attachment; filename=\"{}{}.zip\"", id, code.map(|c| format!("-{c}")).unwrap_or_default());
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (header::CONTENT_DISPOSITION, file),
            (header::CACHE_CONTROL, "no-store".into()),
        ],
        bytes,
    )
        .into_response())
}

/// The form as version `v` shows it: items in its order (sections kept), each single choice's
/// options in its order with its key letter.
fn as_version(form: &Form, v: &Version, pinned: &[Item]) -> ApiResult<(Form, Vec<Item>)> {
    let mut items = Vec::new();
    let mut order = Vec::new();
    for id in &v.items {
        let fi = form.items.iter().find(|f| f.item_id == *id);
        let item = pinned.iter().find(|i| i.id == *id);
        let (Some(fi), Some(item)) = (fi, item) else {
            return Err(ApiError::Internal(format!("version {} lists item {id}, not on the form", v.code)));
        };
        items.push(shown(item, v.options.get(id).map(Vec::as_slice), v.keys.get(id)));
        order.push(FormItem { item_id: id.clone(), version: fi.version, section: fi.section });
    }
    order.sort_by_key(|f| f.section);
    Ok((Form { id: form.id.clone(), number: form.number, items: order }, items))
}

/// A single choice with its options permuted (`order[k]` is the original option shown at `k`).
fn shown(item: &Item, order: Option<&[u8]>, key: Option<&VersionKey>) -> Item {
    let mut shown = item.clone();
    if let (ItemBody::SingleChoice { options, key: k }, Some(order), Some(VersionKey::SingleChoice(vk))) =
        (&mut shown.body, order, key)
        && order.len() == options.len()
    {
        *options = order.iter().map(|&o| item_option(item, usize::from(o))).collect();
        *k = *vk;
        shown.shuffle_options = false;
    }
    shown
}

fn item_option(item: &Item, i: usize) -> String {
    match &item.body {
        ItemBody::SingleChoice { options, .. } => options.get(i).cloned().unwrap_or_default(),
        _ => String::new(),
    }
}
