//! The proctor actions over HTTP, for scripts (docs/protocol.md §2): the same functions as the
//! websocket's, so both are audited and reach every proctor socket of the room alike.
//!
//! One route per target: `POST …/candidates/{number}/{action}` for one candidate and
//! `POST …/rooms/{room}/{action}` for a whole room, the action named in the URL. An unknown action
//! is answered like an unknown route (404).

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use khaothi_auth::CurrentUser;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::access::{candidate_in_my_room, find_candidate, room_of_mine};
use crate::error::{ApiError, ApiResult};
use crate::json::{ApiJson, MaybeJson, Path, parse_json};
use crate::proctor::actions::{self, Action};
use crate::state::AppState;

/// The action's body, which may be left out entirely (read as `{}` then, so a required field
/// is still named when missing).
async fn optional_body<T: DeserializeOwned>(req: Request) -> ApiResult<T> {
    match MaybeJson::<T>::from_request(req, &()).await? {
        MaybeJson(Some(body)) => Ok(body),
        MaybeJson(None) => parse_json(b"{}"),
    }
}

/// The body of `pause` and `terminate` (may be left out).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    #[serde(default)]
    pub reason: Option<String>,
}

/// The body of `resume` and `absent`: nothing, or `{}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}

/// The body of `move-seat`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatBody {
    pub seat: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    pub text: String,
    /// A candidate number of the room the note is about.
    #[serde(default)]
    pub candidate: Option<String>,
}

/// What a proctor does to one candidate over HTTP (admit and extra time have their own routes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CandidateAction {
    Pause,
    Resume,
    Terminate,
    MoveSeat,
    Absent,
}

/// What a proctor does to every candidate of a room at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RoomAction {
    Pause,
    Resume,
}

/// The action named by a URL segment; an unknown name is an unknown route.
fn action_named<A: DeserializeOwned>(segment: String) -> ApiResult<A> {
    serde_json::from_value(Value::String(segment))
        .map_err(|_| ApiError::NotFound("no such route; docs/protocol.md lists them".into()))
}

impl CandidateAction {
    /// The action with what its body says.
    async fn with_body(self, body: Request) -> ApiResult<Action> {
        Ok(match self {
            Self::Pause => Action::Pause { reason: optional_body::<ReasonBody>(body).await?.reason },
            Self::Resume => optional_body::<EmptyBody>(body).await.map(|_| Action::Resume)?,
            Self::Terminate => Action::Terminate {
                reason: optional_body::<ReasonBody>(body).await?.reason.unwrap_or_default(),
            },
            Self::MoveSeat => Action::MoveSeat { seat: optional_body::<SeatBody>(body).await?.seat },
            Self::Absent => optional_body::<EmptyBody>(body).await.map(|_| Action::Absent)?,
        })
    }
}

impl RoomAction {
    async fn with_body(self, body: Request) -> ApiResult<Action> {
        Ok(match self {
            Self::Pause => Action::Pause { reason: optional_body::<ReasonBody>(body).await?.reason },
            Self::Resume => optional_body::<EmptyBody>(body).await.map(|_| Action::Resume)?,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct CandidateActed {
    pub number: String,
    /// The candidate's seat as the proctor's roster shows it.
    #[schema(value_type = Object)]
    pub seat: Value,
}

/// Pause, resume, terminate, move or mark absent one candidate (the room's proctor or the board).
#[utoipa::path(post, path = "/api/v1/events/{event}/candidates/{number}/{action}", tag = "proctor", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("number" = String, Path, description = "The candidate number"),
        ("action" = inline(CandidateAction), Path, description = "What to do")),
    request_body(content = Option<Object>, description = "`pause`: ReasonBody (optional); `terminate`: ReasonBody; `move-seat`: SeatBody; `resume`, `absent`: none or `{}`",
        examples(("pause" = (summary = "pause (reason optional)", value = json!({"reason": "Thí sinh xin đi vệ sinh, có cán bộ giám sát đi cùng"}))),
            ("terminate" = (summary = "terminate (reason required)", value = json!({"reason": "Sử dụng điện thoại trong phòng thi"}))),
            ("move-seat" = (summary = "move-seat", value = json!({"seat": 12}))))),
    responses((status = 200, body = CandidateActed), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn act_on_candidate(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((event, number, action)): Path<(String, String, String)>,
    body: Request,
) -> ApiResult<Json<CandidateActed>> {
    let act = action_named::<CandidateAction>(action)?.with_body(body).await?;
    let what = format!("{} candidates of this room", act.name().replace('_', " "));
    let c = candidate_in_my_room(&s, &user, &event, &number, &what).await?;
    let done = actions::on_candidate(&s, user.username(), c, act).await?;
    Ok(Json(CandidateActed { number, seat: done.seat }))
}

#[derive(Serialize, ToSchema)]
pub struct RoomActed {
    pub room: String,
    /// How many candidates the action reached.
    pub count: usize,
    #[schema(value_type = Vec<Object>)]
    pub seats: Vec<Value>,
}

/// Pause every candidate in progress, or resume every paused one, in a room.
#[utoipa::path(post, path = "/api/v1/events/{event}/rooms/{room}/{action}", tag = "proctor", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("room" = String, Path, description = "The room's id or name"),
        ("action" = inline(RoomAction), Path, description = "What to do")),
    request_body(content = Option<Object>, description = "`pause`: ReasonBody (optional); `resume`: none or `{}`",
        examples(("pause" = (summary = "pause the room", value = json!({"reason": "Mất điện phòng bên, chờ kiểm tra"}))))),
    responses((status = 200, body = RoomActed), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn act_on_room(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((event, room_ref, action)): Path<(String, String, String)>,
    body: Request,
) -> ApiResult<Json<RoomActed>> {
    let act = action_named::<RoomAction>(action)?.with_body(body).await?;
    let r = room_of_mine(&s, &user, &event, &room_ref, &format!("{} this room", act.name())).await?;
    let seats = actions::on_room(&s, user.username(), &r, act).await?;
    Ok(Json(RoomActed { room: r.name, count: seats.len(), seats }))
}

#[derive(Serialize, ToSchema)]
pub struct Noted {
    /// The room log entry, as the proctor sockets receive it.
    #[schema(value_type = Object)]
    pub entry: Value,
}

/// Note an incident in the room's log (the room's proctor or the board).
#[utoipa::path(post, path = "/api/v1/events/{event}/rooms/{room}/incidents", tag = "proctor", security(("bearer" = [])),
    params(("event" = String, Path, description = "The event id"), ("room" = String, Path, description = "The room's id or name")),
    request_body(content = NoteBody, example = json!({"text": "Thí sinh 01000124 báo máy treo lúc 08:12; đã chuyển sang ghế 12.", "candidate": "01000124"})),
    responses((status = 201, body = Noted), (status = 400), (status = 401), (status = 403), (status = 404)))]
pub async fn incident(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((event, room_ref)): Path<(String, String)>,
    ApiJson(b): ApiJson<NoteBody>,
) -> ApiResult<(StatusCode, Json<Noted>)> {
    let r = room_of_mine(&s, &user, &event, &room_ref, "note incidents in this room").await?;
    let c = match &b.candidate {
        Some(n) => {
            let c = find_candidate(&s, &event, n).await?;
            if c.room_id != r.id {
                return Err(ApiError::NotFound(format!("no candidate {n} in room {}", r.name)));
            }
            Some(c)
        }
        None => None,
    };
    let entry = actions::note(&s, user.username(), &r, c.as_ref(), &b.text).await?;
    Ok((StatusCode::CREATED, Json(Noted { entry })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_named_as_in_the_urls() {
        assert_eq!(action_named::<CandidateAction>("move-seat".into()).unwrap(), CandidateAction::MoveSeat);
        assert_eq!(action_named::<RoomAction>("pause".into()).unwrap(), RoomAction::Pause);
        assert!(action_named::<RoomAction>("terminate".into()).is_err());
        assert!(action_named::<CandidateAction>("move_seat".into()).is_err());
    }

    fn body(text: &'static str) -> Request {
        Request::new(axum::body::Body::from(text))
    }

    #[tokio::test]
    async fn bodies_may_be_left_out_but_not_wrong() {
        assert!(matches!(CandidateAction::Absent.with_body(body(" \n")).await, Ok(Action::Absent)));
        assert!(matches!(
            CandidateAction::Terminate.with_body(body("")).await,
            Ok(Action::Terminate { reason }) if reason.is_empty()
        ));
        assert!(CandidateAction::MoveSeat.with_body(body("")).await.is_err(), "move-seat needs a seat");
        let seat = r#"{"seat": 4}"#;
        assert!(matches!(
            CandidateAction::MoveSeat.with_body(body(seat)).await,
            Ok(Action::MoveSeat { seat: 4 })
        ));
        assert!(RoomAction::Resume.with_body(body(seat)).await.is_err(), "resume takes no fields");
    }
}
