//! A room's seat layout (issue 13): the board says how the lab's seats stand, rows × columns, and
//! the console draws the seat map from it. Optional: a room without one is listed without a map.

use axum::Json;
use axum::extract::State;
use khaothi_auth::CurrentUser;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::access::{find_room, load_event};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, Path};
use crate::routes::BOARD;
use crate::state::AppState;
use crate::store;

/// Rows and columns of 1–50 each, with a place for every seat of the room.
#[derive(Deserialize, Serialize, ToSchema, Clone, Copy, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    pub rows: u32,
    pub columns: u32,
}

/// Why a layout does not fit the room, or `None`.
pub fn misfit(l: Layout, seats: i32) -> Option<String> {
    if !(1..=50).contains(&l.rows) || !(1..=50).contains(&l.columns) {
        return Some("rows and columns are 1–50 each".into());
    }
    let places = l.rows * l.columns;
    (i64::from(places) < i64::from(seats))
        .then(|| format!("a {} × {} layout has {places} places for {seats} seats", l.rows, l.columns))
}

#[derive(Serialize, ToSchema)]
pub struct RoomLayout {
    pub room_id: String,
    pub room: String,
    #[serde(flatten)]
    pub layout: Layout,
}

/// Set (or replace) a room's seat layout (board).
#[utoipa::path(post, path = "/api/v1/events/{event}/rooms/{room}/layout", tag = "rooms", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("room" = String, Path, description = "The room's id or name")),
    request_body(content = Layout, example = json!({"rows": 6, "columns": 5})),
    responses((status = 200, body = RoomLayout), (status = 400, description = "`invalid_layout`: out of range or too few places"),
        (status = 401), (status = 403), (status = 404)))]
pub async fn set_layout(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, room_ref)): Path<(String, String)>,
    ApiJson(layout): ApiJson<Layout>,
) -> ApiResult<Json<RoomLayout>> {
    user.require(BOARD, "set room layouts")?;
    load_event(&s, &id).await?;
    let r = find_room(&s, &id, &room_ref).await?;
    if let Some(why) = misfit(layout, r.seats) {
        return Err(ApiError::bad_request("invalid_layout", why));
    }
    store::room_layouts::set(&s.db.write, &r.id, layout.rows as i32, layout.columns as i32).await?;
    let detail = json!({"room": r.name, "rows": layout.rows, "columns": layout.columns});
    store::audit(&s.writer, Some(&id), user.username(), "room_layout_set", detail).await?;
    Ok(Json(RoomLayout { room_id: r.id, room: r.name, layout }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layout_needs_a_place_for_every_seat() {
        assert_eq!(misfit(Layout { rows: 5, columns: 6 }, 30), None);
        let why = misfit(Layout { rows: 5, columns: 5 }, 30).unwrap();
        assert!(why.contains("25 places for 30 seats"), "{why}");
        assert!(misfit(Layout { rows: 0, columns: 6 }, 1).is_some());
        assert!(misfit(Layout { rows: 51, columns: 1 }, 1).is_some());
    }
}
