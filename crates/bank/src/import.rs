//! Bulk import of items into the bank: parse the file (JSON Lines or CSV), check every line against
//! what the bank holds, store the good lines in one transaction, and explain every line.
//!
//! This sits below the HTTP layer on purpose: the `POST /api/v1/items/import` route and the CLI
//! (`khaothi import`, `khaothi demo`) both call [`import_items`], so a file loaded from the command
//! line gets exactly the checks and the report an upload gets. The route maps [`ImportError`] to
//! its HTTP answer; the CLI prints the report.

use khaothi_auth::Role;
use khaothi_domain::{Item, ReviewStatus};
use khaothi_interop::{ConvertOptions, ImportPolicy, ImportReport, LineStatus, Outcome, SourceFormat};
use khaothi_store::audit::{self, Actor};
use khaothi_store::{DatabaseConnection, StoreError, begin_write, items, stimuli};
use serde::Serialize;
use utoipa::ToSchema;

use crate::import_extras::{self, Extras};

/// The file formats an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// JSON Lines, one item per line (`jsonl`, also accepted as `ndjson`).
    JsonLines,
    /// The spreadsheet layout of docs/interchange.md.
    Csv,
    /// An `.xlsx` sheet in the CSV columns (docs/formats.md, spreadsheets).
    Xlsx,
    /// LaTeX with `ex_test`; metadata from [`ConvertOptions`] and the questions' tags.
    Tex,
    /// A Word paper; metadata from [`ConvertOptions`] and its tag lines.
    Docx,
    /// A QTI content package (zip: `imsmanifest.xml`, items, pictures) or one QTI item, 2.1 or
    /// 3.0; metadata the items lack from [`ConvertOptions`].
    Qti,
}

impl ImportFormat {
    /// The format a caller named: `jsonl`/`ndjson` or `csv`.
    pub fn parse(name: &str) -> Result<Self, ImportError> {
        match name {
            "jsonl" | "ndjson" => Ok(Self::JsonLines),
            "csv" => Ok(Self::Csv),
            "xlsx" => Ok(Self::Xlsx),
            "tex" => Ok(Self::Tex),
            "docx" => Ok(Self::Docx),
            "qti" => Ok(Self::Qti),
            other => Err(ImportError::UnknownFormat(other.to_string())),
        }
    }
}

/// Why an import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("format \"{0}\" is not jsonl, csv, xlsx, tex, docx or qti")]
    UnknownFormat(String),
    /// The file as a whole, or under all-or-nothing some line, was refused; the report says which
    /// line and why, so the user can fix the file.
    #[error("{message}")]
    Rejected { message: String, report: Box<ImportReport> },
    /// Keeping the file's status or naming an owner is an admin's decision (a bank migration).
    #[error("{0}")]
    Forbidden(String),
    /// `owner` names no user of the importer's organisation.
    #[error("{0}")]
    UnknownOwner(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The explicit, audited options of a bank migration (issue 16, finding 11). By default an import
/// lands as draft and belongs to whoever imported it, so every item goes through four-eyes review;
/// an admin moving an existing, already reviewed bank may keep the file's statuses and record the
/// items as written by `owner`. Both are written into the `items_import` audit entry.
#[derive(Debug, Clone, Default)]
pub struct Migration {
    /// Keep each line's `status` (approved items stay approved) instead of resetting it to draft.
    pub keep_status: bool,
    /// The user recorded as the items' writer instead of the importer.
    pub owner: Option<String>,
}

impl Migration {
    fn is_plain(&self) -> bool {
        !self.keep_status && self.owner.is_none()
    }
}

/// What an import did, line by line.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    #[schema(value_type = String)]
    pub mode: ImportPolicy,
    /// New items stored.
    pub created: usize,
    /// Existing items that got a new version.
    pub new_versions: usize,
    /// Lines identical to the stored current version (nothing written).
    pub unchanged: usize,
    /// Lines not stored, each explained in `report`.
    pub skipped: usize,
    /// Every line: number, id, status (ok/warning/error), messages, outcome.
    #[schema(value_type = Object)]
    pub report: ImportReport,
    /// A preview ([`preview`]): the counts say what the import would do; nothing was written.
    pub dry_run: bool,
}

/// How many items an import wrote, and which.
#[derive(Debug, Default)]
struct Stored {
    created: usize,
    new_versions: usize,
    unchanged: usize,
    ids: Vec<String>,
}

/// One import as asked: the file, how to read it, what to do with bad lines, the migration
/// options (admin only) and, for a document (Word, LaTeX), the metadata and id prefix it lacks.
#[derive(Debug, Clone, Copy)]
pub struct ImportRequest<'a> {
    pub bytes: &'a [u8],
    pub format: ImportFormat,
    pub policy: ImportPolicy,
    pub migration: &'a Migration,
    pub convert: &'a ConvertOptions,
}

impl<'a> ImportRequest<'a> {
    /// A plain import: no migration, no document options.
    pub fn plain(bytes: &'a [u8], format: ImportFormat, policy: ImportPolicy) -> Self {
        static PLAIN: Migration = Migration { keep_status: false, owner: None };
        static NO_OPTIONS: std::sync::LazyLock<ConvertOptions> =
            std::sync::LazyLock::new(ConvertOptions::default);
        ImportRequest { bytes, format, policy, migration: &PLAIN, convert: &NO_OPTIONS }
    }
}

/// Parses, checks and stores a plain import made by `actor` acting as `role`: every item lands as
/// draft, owned by `actor`. An admin may add versions to anyone's items; anyone else only to their own.
pub async fn import_items(
    db: &DatabaseConnection,
    actor: &Actor,
    role: Role,
    bytes: &[u8],
    format: ImportFormat,
    policy: ImportPolicy,
) -> Result<ImportResult, ImportError> {
    import(db, actor, role, ImportRequest::plain(bytes, format, policy)).await
}

/// [`import_items`] with the [`Migration`] options (admin only; refused for anyone else).
pub async fn import_items_with(
    db: &DatabaseConnection,
    actor: &Actor,
    role: Role,
    bytes: &[u8],
    format: ImportFormat,
    policy: ImportPolicy,
    migration: &Migration,
) -> Result<ImportResult, ImportError> {
    import(db, actor, role, ImportRequest { migration, ..ImportRequest::plain(bytes, format, policy) }).await
}

/// Stores what the request's file holds: a document's pictures become media and its passages
/// draft stimuli, in the items' transaction.
pub async fn import(
    db: &DatabaseConnection,
    actor: &Actor,
    role: Role,
    request: ImportRequest<'_>,
) -> Result<ImportResult, ImportError> {
    let (writer, report, to_store, extras) = checked(db, actor, role, &request).await?;
    if request.policy == ImportPolicy::AllOrNothing && report.has_errors() {
        let message = format!(
            "nothing was imported: {} of {} lines have errors (mode all_or_nothing)",
            report.summary().errors,
            report.lines.len()
        );
        return Err(rejected(message, report));
    }
    let items = to_store.iter().map(|(_, item)| item);
    let stored = store(db, actor, &writer, request.migration, items, &extras).await?;
    Ok(result(request.policy, stored, report, false))
}

/// What [`import`] would do with the file, written nowhere: the same parse, the same checks
/// against the bank and the same per-line report, with the counts of items that would be
/// created, get a new version or stay unchanged. The writer's import page shows it before "Nhập",
/// so a bad line is seen before anything is stored. Unlike the import, a preview under
/// `all_or_nothing` with bad lines is an answer, not a refusal: the report is what the user asked for.
pub async fn preview(
    db: &DatabaseConnection,
    actor: &Actor,
    role: Role,
    request: ImportRequest<'_>,
) -> Result<ImportResult, ImportError> {
    let (_, report, to_store, _) = checked(db, actor, role, &request).await?;
    let mut would = Stored::default();
    for (_, item) in &to_store {
        if items::head(db, &actor.org_id, &item.id).await?.is_none() {
            would.created += 1;
        } else if items::get(db, &actor.org_id, &item.id, None).await?.item == *item {
            would.unchanged += 1;
        } else {
            would.new_versions += 1;
        }
    }
    Ok(result(request.policy, would, report, true))
}

/// The steps an import and its preview share: whose items they become, the parsed file checked
/// against the bank, and the lines the policy lets through (each line's outcome set).
async fn checked(
    db: &DatabaseConnection,
    actor: &Actor,
    role: Role,
    request: &ImportRequest<'_>,
) -> Result<(Actor, ImportReport, Vec<(usize, Item)>, Extras), ImportError> {
    let writer = writer_for(db, actor, role, request.migration).await?;
    // Off the async runtime: a Word file's WMF/EMF pictures are rasterised by LibreOffice.
    let (bytes, format, convert) = (request.bytes.to_vec(), request.format, request.convert.clone());
    let doc =
        tokio::task::spawn_blocking(move || parse(&bytes, format, &convert)).await.unwrap_or_else(|e| {
            let mut doc = khaothi_interop::DocumentImport::default();
            doc.report.file_error = Some(format!("the file could not be read: {e}"));
            doc
        });
    let (mut report, extras) = (doc.report, Extras { media: doc.media, stimuli: doc.stimuli });
    if let Some(e) = &report.file_error {
        return Err(rejected(format!("the file was refused: {e}"), report));
    }
    check_against_bank(db, &writer, role, request.migration.keep_status, &extras.stimulus_ids(), &mut report)
        .await?;
    let to_store = report.apply(request.policy);
    Ok((writer, report, to_store, extras))
}

fn result(policy: ImportPolicy, stored: Stored, report: ImportReport, dry_run: bool) -> ImportResult {
    let skipped = report.lines.iter().filter(|l| l.outcome == Some(Outcome::Skipped)).count();
    ImportResult {
        mode: policy,
        created: stored.created,
        new_versions: stored.new_versions,
        unchanged: stored.unchanged,
        skipped,
        report,
        dry_run,
    }
}

/// The user the imported items are recorded under: the importer, or the migration's `owner` (a
/// user of the importer's organisation). Only an admin may ask for a migration.
async fn writer_for(
    db: &DatabaseConnection,
    actor: &Actor,
    role: Role,
    migration: &Migration,
) -> Result<Actor, ImportError> {
    if migration.is_plain() {
        return Ok(actor.clone());
    }
    if role != Role::Admin {
        return Err(ImportError::Forbidden(
            "only an admin may keep the file's review status or import for another owner".into(),
        ));
    }
    let Some(owner) = &migration.owner else { return Ok(actor.clone()) };
    match khaothi_store::users::find_by_username(db, owner).await? {
        Some(u) if u.org_id == actor.org_id => {
            Ok(Actor { org_id: u.org_id, username: u.username, role: u.role })
        }
        _ => Err(ImportError::UnknownOwner(format!("owner \"{owner}\" is not a user of your organisation"))),
    }
}

/// Reads the file; a document's pictures travel inside it (a `.tex` alone brings none).
fn parse(bytes: &[u8], format: ImportFormat, convert: &ConvertOptions) -> khaothi_interop::DocumentImport {
    let source = match format {
        ImportFormat::JsonLines => SourceFormat::JsonLines,
        ImportFormat::Csv => SourceFormat::Csv,
        ImportFormat::Xlsx => SourceFormat::Xlsx,
        ImportFormat::Tex => SourceFormat::Tex,
        ImportFormat::Docx => SourceFormat::Docx,
        ImportFormat::Qti => SourceFormat::Qti,
    };
    khaothi_interop::read_items(source, bytes, &Default::default(), convert)
}

fn rejected(message: String, report: ImportReport) -> ImportError {
    ImportError::Rejected { message, report: Box::new(report) }
}

/// The checks only the bank can make, line by line: review status, who may add a version to an
/// existing item (`writer`, the user the items are recorded under), and whether the stimulus an item
/// points at exists.
async fn check_against_bank(
    db: &DatabaseConnection,
    actor: &Actor,
    role: Role,
    keep_status: bool,
    new_stimuli: &[String],
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let admin = role == Role::Admin;
    for line in report.lines.iter_mut() {
        let Some(item) = line.item.as_mut() else { continue };
        let (id, stimulus) = (item.id.clone(), item.stimulus.clone());
        if !keep_status && item.status != ReviewStatus::Draft {
            let was = std::mem::replace(&mut item.status, ReviewStatus::Draft);
            line.push(
                LineStatus::Warning,
                "status",
                format!("status \"{was}\" ignored: imported items start as draft and go through review"),
            );
        }
        if let Some((creator, _)) = items::head(db, &actor.org_id, &id).await?
            && !admin
            && creator != actor.username
        {
            line.error("id", format!("item {id} exists and was written by {creator}; only its writer or an admin can add a version"));
            continue;
        }
        if let Some(s) = stimulus
            && !new_stimuli.contains(&s)
            && stimuli::get(db, &actor.org_id, &s).await.is_err()
        {
            line.push(
                LineStatus::Warning,
                "stimulus",
                format!("stimulus \"{s}\" is not in the bank yet; create it before the item is delivered"),
            );
        }
    }
    Ok(())
}

/// Stores the accepted items in one transaction, recorded as written by `writer`: new items, new
/// versions of changed ones, nothing for lines identical to the current version; audited as one
/// `items_import` under the importer's name, with the migration options it used.
async fn store<'a>(
    db: &DatabaseConnection,
    actor: &Actor,
    writer: &Actor,
    migration: &Migration,
    accepted: impl Iterator<Item = &'a Item>,
    extras: &Extras,
) -> Result<Stored, StoreError> {
    let mut stored = Stored::default();
    let txn = begin_write(db).await?;
    let media_ids = import_extras::store_media(&txn, writer, &extras.media).await?;
    let accepted: Vec<Item> = accepted.map(|i| import_extras::with_media_ids(i, &media_ids)).collect();
    import_extras::store_stimuli(&txn, writer, &extras.stimuli, &accepted, &media_ids).await?;
    for item in &accepted {
        if items::head(&txn, &actor.org_id, &item.id).await?.is_none() {
            items::create(&txn, writer, item).await?;
            stored.created += 1;
        } else if items::get(&txn, &actor.org_id, &item.id, None).await?.item == *item {
            stored.unchanged += 1;
            continue;
        } else {
            items::new_version(&txn, writer, item, None).await?;
            stored.new_versions += 1;
        }
        stored.ids.push(item.id.clone());
    }
    audit::record(
        &txn,
        actor,
        "items_import",
        "item",
        "*",
        serde_json::json!({"created": stored.created, "new_versions": stored.new_versions, "unchanged": stored.unchanged,
            "keep_status": migration.keep_status, "owner": writer.username, "ids": stored.ids,
            "media": media_ids.len(), "stimuli": extras.stimulus_ids()}),
    )
    .await?;
    txn.commit().await?;
    Ok(stored)
}
