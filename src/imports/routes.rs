//! Imports over HTTP: the file travels as base64 inside JSON.

use actix_web::{web, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use std::time::Duration;

use tokio::sync::watch;

use super::model::{
    mapping_name, mapping_of, ColumnMapping, ImportJob, ImportRequest, ImportRow, ImportView, Kind,
    MappingChoice, MappingsQuery,
};
use super::service;
use crate::auth::caller::{Caller, Permission};
use crate::context::Scope;
use crate::error::{AppError, AppResult};
use crate::http::json::Json;
use crate::http::AppState;
use crate::ids::ImportId;

/// The largest file an import takes (a province's workbook is a few MB).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// The file as base64 (4 characters per 3 bytes), with room for the mapping.
const IMPORT_BODY_LIMIT: usize = MAX_FILE_BYTES.div_ceil(3) * 4 + 256 * 1024;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/imports", |r| {
            r.app_data(web::PayloadConfig::default().limit(IMPORT_BODY_LIMIT))
                .post(create)
        })
        .resource("/imports/mappings", |r| r.get(mappings))
        .resource("/imports/{id}", |r| r.get(read));
}

/// Exactly one of a mapping sent and a saved one's name; a name to save
/// under only with a mapping sent.
fn choice(
    mapping: Option<Vec<ColumnMapping>>,
    name: Option<String>,
    save_as: Option<String>,
) -> AppResult<MappingChoice> {
    match (mapping, name, save_as) {
        (Some(mapping), None, save_as) => Ok(MappingChoice::Given {
            mapping: mapping_of(mapping)?,
            save_as: save_as
                .map(|n| mapping_name("save_mapping_as", &n))
                .transpose()?,
        }),
        (None, Some(name), None) => Ok(MappingChoice::Saved(mapping_name("mapping_name", &name)?)),
        (None, Some(_), Some(_)) => Err(AppError::invalid(
            "save_mapping_as",
            "only with a mapping sent",
        )),
        (Some(_), Some(_), _) => Err(AppError::invalid(
            "mapping_name",
            "send either mapping or mapping_name",
        )),
        (None, None, _) => Err(AppError::invalid("mapping", "send mapping or mapping_name")),
    }
}

impl TryFrom<ImportRequest> for ImportJob {
    type Error = AppError;

    fn try_from(request: ImportRequest) -> AppResult<Self> {
        let content = STANDARD
            .decode(request.content_base64.as_bytes())
            .map_err(|_| AppError::invalid("content_base64", "must be standard base64"))?;
        if content.is_empty() || content.len() > MAX_FILE_BYTES {
            return Err(AppError::invalid(
                "content_base64",
                "the file must hold 1 byte to 16 MiB",
            ));
        }
        let name = request.file_name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.contains(['/', '\\', '\0']) {
            return Err(AppError::invalid(
                "file_name",
                "1 to 200 characters, without a path",
            ));
        }
        Ok(ImportJob {
            id: ImportId::new_random(),
            kind: request.kind,
            organization: request.organization_id,
            file_name: name.to_owned(),
            content,
            mapping: choice(
                request.mapping,
                request.mapping_name,
                request.save_mapping_as,
            )?,
            dry_run: request.dry_run,
            atomicity: request.atomicity,
        })
    }
}

async fn create(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<ImportRequest>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditPersonnel)?;
    let job = ImportJob::try_from(body.into_inner())?;
    let (answer, view) = match start(app, caller, scope, job).await? {
        Ran::Finished(view) => (HttpResponse::Created(), view),
        Ran::Running(view) => (HttpResponse::Accepted(), view),
    };
    let mut answer = answer;
    Ok(answer
        .insert_header(("Location", format!("/api/v1/imports/{}", view.id)))
        .json(view))
}

/// How long a request waits for its import to end before answering with
/// the import still running (decision 0036).
const ANSWER_WITHIN: Duration = Duration::from_secs(2);
/// How often a running import's progress is recorded, at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// An import as the request answers it.
pub enum Ran {
    Finished(ImportView),
    /// Still running: `GET /imports/{id}` shows its progress.
    Running(ImportView),
}

/// Starts the import in a task of its own that outlives the request, and
/// waits for its end up to `ANSWER_WITHIN`; after that the import is
/// answered as it stands once it is recorded. A fault found before the
/// first row (the file, the mapping, the scope) is answered as an error.
pub async fn start(
    app: web::Data<AppState>,
    caller: Caller,
    scope: Scope,
    job: ImportJob,
) -> AppResult<Ran> {
    let id = job.id;
    // imports whose process died are marked failed as another one starts
    app.as_caller(&caller, scope.clone(), |ctx| service::settle(ctx, None))
        .await?;
    let mut work = tokio::spawn(run_recorded(
        app.clone(),
        caller.clone(),
        scope.clone(),
        job,
    ));
    loop {
        if let Ok(ended) = actix_web::rt::time::timeout(ANSWER_WITHIN, &mut work).await {
            let ran = ended.map_err(|e| AppError::Internal(format!("an import's task: {e}")))?;
            return ran.map(Ran::Finished);
        }
        let read = app
            .as_caller(&caller, scope.clone(), move |ctx| service::get(ctx, id))
            .await;
        match read {
            Ok(view) => return Ok(Ran::Running(view)),
            // not recorded yet: the file is still being read
            Err(AppError::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Runs the import in its transaction while its progress is recorded in
/// short ones beside it; a failed import is then recorded as failed.
async fn run_recorded(
    app: web::Data<AppState>,
    caller: Caller,
    scope: Scope,
    job: ImportJob,
) -> AppResult<ImportView> {
    let id = job.id;
    let (sender, receiver) = watch::channel(None);
    let import = app.as_caller(&caller, scope.clone(), move |ctx| {
        service::run(ctx, job, &mut |row| {
            sender.send_replace(Some(row.clone()));
        })
    });
    let progress = tokio::spawn(record_progress(
        app.clone(),
        caller.clone(),
        scope.clone(),
        receiver,
    ));
    let ran = import.await;
    // its end is recorded: a progress write still under way changes nothing
    progress.abort();
    if ran.is_err() {
        let failed = app
            .as_caller(&caller, scope, move |ctx| service::fail(ctx, id))
            .await;
        if let Err(error) = failed {
            tracing::error!(%error, %id, "a failed import was not recorded as failed");
        }
    }
    ran
}

/// Records the latest progress sent, at most every `PROGRESS_EVERY`,
/// until the import's transaction drops the sender.
async fn record_progress(
    app: web::Data<AppState>,
    caller: Caller,
    scope: Scope,
    mut receiver: watch::Receiver<Option<ImportRow>>,
) {
    while receiver.changed().await.is_ok() {
        let Some(row) = receiver.borrow_and_update().clone() else {
            continue;
        };
        let recorded = app
            .as_caller(&caller, scope.clone(), move |ctx| {
                service::record_progress(ctx, &row)
            })
            .await;
        if let Err(error) = recorded {
            tracing::warn!(%error, "an import's progress was not recorded");
        }
        actix_web::rt::time::sleep(PROGRESS_EVERY).await;
    }
}

async fn read(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<ImportId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadPersonnel)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::get(ctx, id.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The mappings an import at `organization_id` may name: saved there or
/// at a unit above it that the caller reads.
async fn mappings(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<MappingsQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditPersonnel)?;
    let organization = crate::validation::parse::<crate::ids::OrganizationId>(
        "organization_id",
        &query.organization_id,
        "a uuid",
    )?
    .ok_or_else(|| AppError::invalid("organization_id", "is required"))?;
    let kind = match query.kind.as_deref() {
        None => Kind::Officials,
        Some(word) => Kind::parse(word)
            .ok_or_else(|| AppError::invalid("kind", "officials or organizations"))?,
    };
    let items = app
        .as_caller(&caller, scope, move |ctx| {
            service::mappings(ctx, organization, kind)
        })
        .await?;
    Ok(crate::http::list_of(items))
}
