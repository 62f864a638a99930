//! Databases for the store's unit tests: an event with one seated candidate.

use super::candidates::{self, Seated};
use super::events::{self, NewEvent};
use super::{Db, connect_and_migrate};

/// A fresh SQLite database in `dir`.
pub(crate) async fn database(dir: &tempfile::TempDir) -> Db {
    let url = format!("sqlite://{}", dir.path().join("delivery.sqlite").display());
    connect_and_migrate(&url).await.unwrap()
}

/// Event `id` (`duration_seconds` long) with one room and candidate 010001 on seat 1, version 101.
pub(crate) async fn seat_one(db: &Db, id: &str, duration_seconds: i32) {
    let new = NewEvent { id, title: "Toán".into(), duration_seconds, score_at_submit: false };
    events::create(&db.write, new).await.unwrap();
    let room = super::rooms::create(&db.write, id, "P.01", 24).await.unwrap();
    let seated = Seated {
        number: "010001".into(),
        full_name: "Nguyễn Văn A".into(),
        date_of_birth: "2008-01-02".into(),
        room_id: room.id,
        seat: 1,
        version_code: "101".into(),
        groups: None,
    };
    candidates::insert_all(&db.write, id, &[seated]).await.unwrap();
}
