//! Delivery tables (migrations/src/delivery_m0001_initial.rs). Relations are resolved in queries.

pub mod staff {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_staff")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub org_id: String,
        pub username: String,
        pub display_name: String,
        pub password_hash: String,
        pub role: String,
        pub active: bool,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod staff_room {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_staff_rooms")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub staff_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub room_id: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub org_id: String,
        pub title: String,
        pub subject: String,
        pub duration_seconds: i32,
        /// `created` → `packaged` → `open` (content unlocked) → `scored` (keys released).
        pub status: String,
        pub package_id: Option<String>,
        #[sea_orm(column_type = "Text", nullable)]
        pub package_file: Option<String>,
        #[sea_orm(column_type = "Text", nullable)]
        pub manifest: Option<String>,
        pub content_key: Option<String>,
        pub keys_key: Option<String>,
        pub unlocked_at: Option<DateTimeUtc>,
        pub keys_released_at: Option<DateTimeUtc>,
        pub score_at_submit: bool,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod room {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_rooms")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub event_id: String,
        pub name: String,
        pub seats: i32,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod candidate {
    use sea_orm::entity::prelude::*;

    /// A candidate and their exam session (one sitting per event).
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_candidates")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub event_id: String,
        /// Số báo danh.
        pub number: String,
        pub full_name: String,
        pub date_of_birth: String,
        pub room_id: String,
        pub seat: i32,
        pub version_code: String,
        /// Bumped to invalidate a leaked login code (the code is an HMAC of it).
        pub code_generation: i32,
        pub extra_seconds: i32,
        pub credited_seconds: i32,
        /// The newest connection epoch issued.
        pub epoch: i64,
        pub resume_hash: Option<String>,
        pub started_at: Option<DateTimeUtc>,
        pub deadline_at: Option<DateTimeUtc>,
        pub admit_until: Option<DateTimeUtc>,
        pub last_seen_at: Option<DateTimeUtc>,
        pub submitted_at: Option<DateTimeUtc>,
        pub submit_reason: Option<String>,
        pub score: Option<i32>,
        pub created_at: DateTimeUtc,
        /// When the proctor stopped this candidate's clock; `None` while it runs. Stored so a
        /// paused clock stays stopped across a restart.
        pub paused_at: Option<DateTimeUtc>,
        pub pause_reason: Option<String>,
        /// The sum of finished pauses (the deadline already moved by them).
        pub paused_ms: i64,
        /// Marked absent by the proctor (only before starting); a login is refused until admitted.
        pub absent: bool,
        /// Grouping variables from the candidate CSV (`{"school","district","region","sex"}`, only
        /// those given), as JSON; see [`crate::grouping`].
        #[sea_orm(column_type = "Text", nullable)]
        pub groups: Option<String>,
        /// Why the proctor terminated the session (`submit_reason` is then `terminated`).
        #[sea_orm(column_type = "Text", nullable)]
        pub terminate_reason: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod response {
    use sea_orm::entity::prelude::*;

    /// The response log: every acknowledged answer, deduplicated by (candidate, epoch, seq).
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_responses")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub candidate_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub epoch: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        pub item_id: String,
        #[sea_orm(column_type = "Text")]
        pub value: String,
        pub received_at: DateTimeUtc,
        /// Place in the response chain (1, 2, …); see [`crate::chain`].
        pub chain_seq: i64,
        pub prev_hash: String,
        pub hash: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod integrity_event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_integrity_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub candidate_id: String,
        pub epoch: i64,
        pub kind: String,
        #[sea_orm(column_type = "Text")]
        pub detail: String,
        pub at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod incident {
    use sea_orm::entity::prelude::*;

    /// The room's log: every proctor action and incident note, for the live page and the biên bản.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_incidents")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub event_id: String,
        pub room_id: String,
        pub candidate_id: Option<String>,
        pub number: Option<String>,
        /// The staff member's username.
        pub actor: String,
        /// `note`, or the action (`pause`, `extend`, `terminate`, …).
        pub action: String,
        /// In words, for people (the reason, the note's text, what changed).
        #[sea_orm(column_type = "Text")]
        pub detail: String,
        /// The same as JSON, for programs.
        #[sea_orm(column_type = "Text")]
        pub data: String,
        pub at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod audit_log {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_audit_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub event_id: Option<String>,
        pub actor: String,
        pub action: String,
        #[sea_orm(column_type = "Text")]
        pub detail: String,
        pub at: DateTimeUtc,
        /// Place in the audit chain (1, 2, …); see [`crate::chain`].
        pub chain_seq: i64,
        pub prev_hash: String,
        pub hash: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod server_clock {
    use sea_orm::entity::prelude::*;

    /// One row (`id = 1`): the last time the server was known to be up.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_server_clock")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub heartbeat_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod cat_step {
    use sea_orm::entity::prelude::*;

    /// One step of a candidate's adaptive test: the item it gave (`None`: the test ended there)
    /// and the ability estimate the pick was made at (crate::adaptive).
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "dl_cat_steps")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub candidate_id: String,
        /// 1, 2, …: the step's place in the test.
        #[sea_orm(primary_key, auto_increment = false)]
        pub step: i32,
        pub item_id: Option<String>,
        pub theta: f64,
        pub se: f64,
        pub picked_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
