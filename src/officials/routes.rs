//! CBCCVC profiles over HTTP.

use actix_web::{web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::model::{OfficialView, ProfileData, RecordInput};
use super::service::{
    self, Actor, LifeEvent, LifeEventRequest, LookupRequest, SearchQuery, TransferRequest,
};
use crate::audit;
use crate::auth::caller::{Caller, Permission};
use crate::auth::model::Role;
use crate::error::{AppError, AppResult};
use crate::http::json::Json;
use crate::http::versioning::{etag, required_if_match};
use crate::startup::AppState;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/officials", |r| r.get(search).post(create))
        .resource("/officials/lookup", |r| r.post(lookup))
        .resource("/officials/{id}", |r| r.get(read).patch(update))
        .resource("/officials/{id}/history", |r| r.get(history))
        .resource("/officials/{id}/transfer", |r| r.post(transfer))
        .resource("/officials/{id}/retire", |r| r.post(retire))
        .resource("/officials/{id}/death", |r| r.post(death))
        .resource("/officials/{id}/archive", |r| r.post(archive))
        .resource("/officials/{id}/records", |r| {
            r.get(list_records).post(add_record)
        })
        .resource("/officials/{id}/records/{record_id}", |r| {
            r.put(update_record)
        });
}

fn actor(caller: &Caller) -> Actor {
    Actor {
        id: Some(caller.user_id),
        name: caller.username.clone(),
    }
}

fn with_etag(mut response: actix_web::HttpResponseBuilder, view: &OfficialView) -> HttpResponse {
    response.insert_header(etag(view.version)).json(view)
}

/// An audit event placed at the profile's managing organization, so the
/// auditors of that subtree see it.
fn audited(
    conn: &mut diesel::PgConnection,
    caller: &Caller,
    action: &str,
    id: Uuid,
    fields: Vec<String>,
) -> AppResult<audit::AuditEvent> {
    let path = match super::repo::find(conn, id)? {
        Some(row) => crate::org::repo::find(conn, row.managing_organization_id)?.map(|o| o.path),
        None => None,
    };
    Ok(caller.event(action, "official", Some(id.to_string()), path, fields))
}

async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SearchQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadPersonnel)?;
    let today = state.clock.today();
    let page = state
        .db
        .scoped(scope, move |c, scope| {
            service::search(c, scope, &query, today)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<ProfileData>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditPersonnel)?;
    let (keyring, today, now) = (
        state.keyring.clone(),
        state.clock.today(),
        state.clock.now(),
    );
    let view = state
        .db
        .scoped(scope, move |c, scope| {
            let view = service::create(
                c,
                &keyring,
                scope,
                &actor(&caller),
                body.into_inner(),
                today,
                now,
            )?;
            let event = audited(c, &caller, "official.create", view.id, Vec::new())?;
            audit::append(c, &event, now)?;
            Ok(view)
        })
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header(("Location", format!("/api/v1/officials/{}", view.id)));
    Ok(with_etag(response, &view))
}

#[derive(serde::Deserialize)]
struct ReadQuery {
    reveal: Option<String>,
}

/// `?reveal=true` shows identity numbers in full: it needs the editor role over
/// the profile's scope and a fresh second factor, and it is audited.
async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<ReadQuery>,
) -> AppResult<HttpResponse> {
    let reveal = crate::org::service::parse::<bool>("reveal", &query.reveal, "true or false")?
        .unwrap_or(false);
    let (id, now) = (id.into_inner(), state.clock.now());
    let scope = if reveal {
        caller.require_fresh_mfa(now)?;
        caller.require(Permission::EditPersonnel)?
    } else {
        caller.require(Permission::ReadPersonnel)?
    };
    let keyring = state.keyring.clone();
    let view = state
        .db
        .scoped(scope, move |c, scope| {
            if reveal {
                // revealing is for those who may edit the profile
                let view = service::get(c, &keyring, scope, id, false)?;
                let managing = crate::org::service::get(c, view.data.managing_organization_id)?;
                if !caller.holds(Role::PersonnelEditor, &managing.path) {
                    return Err(AppError::Forbidden("revealing identity numbers needs the personnel_editor role over the managing organization".into()));
                }
                let fields = vec!["identity_card_number".into(), "personal_identification_code".into(), "social_insurance_number".into(), "party_card_number".into()];
                let event = audited(c, &caller, "official.reveal", id, fields)?;
            audit::append(c, &event, now)?;
            }
            service::get(c, &keyring, scope, id, reveal)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<serde_json::Map<String, serde_json::Value>>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditPersonnel)?;
    let version = required_if_match(&req)?;
    let (id, keyring, today, now) = (
        id.into_inner(),
        state.keyring.clone(),
        state.clock.today(),
        state.clock.now(),
    );
    let view = state
        .db
        .scoped(scope, move |c, scope| {
            let (view, fields) = service::update(
                c,
                &keyring,
                scope,
                &actor(&caller),
                id,
                version,
                body.into_inner(),
                today,
                now,
            )?;
            let event = audited(c, &caller, "official.update", id, fields)?;
            audit::append(c, &event, now)?;
            Ok(view)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn history(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadPersonnel)?;
    let id = id.into_inner();
    let items = state
        .db
        .scoped(scope, move |c, scope| service::changes(c, scope, id))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "next_cursor": null })))
}

async fn transfer(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<TransferRequest>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditPersonnel)?;
    let version = required_if_match(&req)?;
    let (id, keyring, today, now) = (
        id.into_inner(),
        state.keyring.clone(),
        state.clock.today(),
        state.clock.now(),
    );
    let view = state
        .db
        .scoped(scope, move |c, scope| {
            let view = service::transfer(
                c,
                &keyring,
                scope,
                &actor(&caller),
                id,
                version,
                body.into_inner(),
                today,
                now,
            )?;
            let fields = vec![
                "managing_organization_id".into(),
                "using_organization_id".into(),
            ];
            let event = audited(c, &caller, "official.transfer", id, fields)?;
            audit::append(c, &event, now)?;
            Ok(view)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn life_event(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: Uuid,
    event: LifeEvent,
    body: LifeEventRequest,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditPersonnel)?;
    let version = required_if_match(&req)?;
    let (keyring, today, now) = (
        state.keyring.clone(),
        state.clock.today(),
        state.clock.now(),
    );
    let view = state
        .db
        .scoped(scope, move |c, scope| {
            let view = service::life_event(
                c,
                &keyring,
                scope,
                &actor(&caller),
                id,
                version,
                event,
                body,
                today,
                now,
            )?;
            let event = audited(
                c,
                &caller,
                &format!("official.{}", view.status),
                id,
                vec!["status".into()],
            )?;
            audit::append(c, &event, now)?;
            Ok(view)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn retire(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<LifeEventRequest>,
) -> AppResult<HttpResponse> {
    life_event(
        state,
        req,
        caller,
        id.into_inner(),
        LifeEvent::Retire,
        body.into_inner(),
    )
    .await
}

async fn death(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<LifeEventRequest>,
) -> AppResult<HttpResponse> {
    life_event(
        state,
        req,
        caller,
        id.into_inner(),
        LifeEvent::Death,
        body.into_inner(),
    )
    .await
}

async fn archive(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<LifeEventRequest>,
) -> AppResult<HttpResponse> {
    life_event(
        state,
        req,
        caller,
        id.into_inner(),
        LifeEvent::Archive,
        body.into_inner(),
    )
    .await
}

#[derive(serde::Deserialize)]
struct KindQuery {
    kind: Option<String>,
}

async fn list_records(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<KindQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadPersonnel)?;
    let (id, keyring) = (id.into_inner(), state.keyring.clone());
    let items = state
        .db
        .scoped(scope, move |c, scope| {
            service::list_records(c, &keyring, scope, id, query.kind.as_deref())
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "next_cursor": null })))
}

async fn add_record(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<RecordInput>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditPersonnel)?;
    let (id, keyring, now) = (id.into_inner(), state.keyring.clone(), state.clock.now());
    let record = state
        .db
        .scoped(scope, move |c, scope| {
            let record = service::add_record(
                c,
                &keyring,
                scope,
                &actor(&caller),
                id,
                body.into_inner(),
                now,
            )?;
            let event = audited(
                c,
                &caller,
                "official.record_add",
                id,
                vec![format!("records.{}", record.kind)],
            )?;
            audit::append(c, &event, now)?;
            Ok(record)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(record.version))
        .json(record))
}

async fn update_record(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<RecordInput>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditPersonnel)?;
    let version = required_if_match(&req)?;
    let ((id, record_id), keyring, now) =
        (path.into_inner(), state.keyring.clone(), state.clock.now());
    let record = state
        .db
        .scoped(scope, move |c, scope| {
            let record = service::update_record(
                c,
                &keyring,
                scope,
                &actor(&caller),
                id,
                record_id,
                version,
                body.into_inner(),
                now,
            )?;
            let event = audited(
                c,
                &caller,
                "official.record_update",
                id,
                vec![format!("records.{}", record.kind)],
            )?;
            audit::append(c, &event, now)?;
            Ok(record)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(record.version))
        .json(record))
}

/// Identity numbers travel in the body, never in a URL; every lookup is audited.
async fn lookup(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<LookupRequest>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadPersonnel)?;
    let (keyring, now) = (state.keyring.clone(), state.clock.now());
    let items = state
        .db
        .scoped(scope, move |c, _| {
            let request = body.into_inner();
            let items = service::lookup(c, &keyring, &request)?;
            let field = [
                "identity_card_number",
                "personal_identification_code",
                "social_insurance_number",
            ]
            .into_iter()
            .zip([
                &request.identity_card_number,
                &request.personal_identification_code,
                &request.social_insurance_number,
            ])
            .find(|(_, v)| v.is_some())
            .map(|(name, _)| name.to_owned());
            let fields = field.into_iter().collect();
            // one match is placed at its profile, so auditors of that subtree see it
            let mut event = match items.as_slice() {
                [only] => audited(c, &caller, "official.lookup", only.id, fields)?,
                _ => caller.event("official.lookup", "official", None, None, fields),
            };
            event.details = serde_json::json!({
                "matches": items.len(),
                "ids": items.iter().map(|i| i.id).collect::<Vec<_>>(),
            });
            audit::append(c, &event, now)?;
            Ok(items)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "next_cursor": null })))
}
