//! The sync routes, for signed machine clients only: every handler checks
//! the signature first (`signed_client`, through `as_signed`), as a
//! person's handler checks its grant. A person's bearer token opens none of
//! them; `GET /changes`, the feed for sessions, is the one exception.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::model::{Batch, Reconcile, Replay, SyncCaller};
use super::{feed, service};
use crate::auth::caller::{Caller, Permission};
use crate::context::{Ctx, RequestMeta};
use crate::error::AppResult;
use crate::http::json::{read, sent_as_json};
use crate::http::signed::signed_client;
use crate::http::AppState;
use crate::pagination::Limit;

/// A batch of 1,000 whole profiles fits with room to spare.
const BATCH_BODY_LIMIT: usize = 8 * 1024 * 1024;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/sync/moha/events", |r| {
            r.app_data(web::PayloadConfig::default().limit(BATCH_BODY_LIMIT))
                .post(events)
        })
        .resource("/sync/moha/status", |r| r.get(status))
        .resource("/sync/moha/rejected", |r| r.get(rejected))
        .resource("/sync/moha/rejected/replay", |r| r.post(replay))
        .resource("/sync/moha/reconcile", |r| {
            r.app_data(web::PayloadConfig::default().limit(BATCH_BODY_LIMIT))
                .post(reconcile)
        })
        .resource("/sync/moha/changes", |r| r.get(client_changes))
        .resource("/changes", |r| r.get(changes));
}

/// A signed request as it arrives: the request, where it came from, its body.
type Signed = (HttpRequest, RequestMeta, web::Bytes);

/// Checks the signature, then runs `work` as the client that signed.
async fn as_signed<T, F>(
    app: &AppState,
    (req, meta, body): Signed,
    work: F,
) -> actix_web::Result<HttpResponse>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut Ctx, SyncCaller) -> AppResult<T> + Send + 'static,
{
    let client = signed_client(app, &req, meta.clone(), &body).await?;
    let answer = app.as_sync_client(client, meta, work).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// The same for a request whose JSON body `work` takes, read once the
/// signature holds.
async fn as_signed_with<B, T, F>(
    app: &AppState,
    signed: Signed,
    work: F,
) -> actix_web::Result<HttpResponse>
where
    B: DeserializeOwned + Send + 'static,
    T: Serialize + Send + 'static,
    F: FnOnce(&mut Ctx, SyncCaller, B) -> AppResult<T> + Send + 'static,
{
    let (req, meta, body) = signed;
    let client = signed_client(app, &req, meta.clone(), &body).await?;
    let input: B = read(sent_as_json(&req), &body)?;
    let answer = app
        .as_sync_client(client, meta, move |ctx, client| work(ctx, client, input))
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

async fn events(
    app: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: web::Bytes,
) -> actix_web::Result<HttpResponse> {
    as_signed_with(&app, (req, meta, body), |ctx, client, batch: Batch| {
        service::receive(ctx, client, batch.events)
    })
    .await
}

async fn status(
    app: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: web::Bytes,
) -> actix_web::Result<HttpResponse> {
    as_signed(&app, (req, meta, body), service::status).await
}

#[derive(Debug, Deserialize)]
struct RejectedQuery {
    limit: Option<i64>,
    cursor: Option<String>,
}

async fn rejected(
    app: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: web::Bytes,
    query: web::Query<RejectedQuery>,
) -> actix_web::Result<HttpResponse> {
    let query = query.into_inner();
    as_signed(&app, (req, meta, body), move |ctx, client| {
        let page = (query.cursor, Limit::parse(query.limit)?);
        service::rejected(ctx, client, page)
    })
    .await
}

async fn replay(
    app: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: web::Bytes,
) -> actix_web::Result<HttpResponse> {
    as_signed_with(&app, (req, meta, body), |ctx, client, replay: Replay| {
        service::replay(ctx, client, replay.event_ids)
    })
    .await
}

async fn reconcile(
    app: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: web::Bytes,
) -> actix_web::Result<HttpResponse> {
    as_signed_with(
        &app,
        (req, meta, body),
        |ctx, client, request: Reconcile| service::reconcile(ctx, client, request),
    )
    .await
}

#[derive(Debug, Deserialize)]
struct FeedQuery {
    after: Option<String>,
    limit: Option<i64>,
}

impl FeedQuery {
    fn parsed(self) -> AppResult<(Option<String>, Limit)> {
        Ok((self.after, Limit::parse(self.limit)?))
    }
}

/// The change feed for people and systems with a session: what their
/// personnel grants show (organizations and profiles).
async fn changes(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<FeedQuery>,
) -> actix_web::Result<HttpResponse> {
    let scope = caller.require(Permission::ReadPersonnel)?;
    let page = query.into_inner().parsed()?;
    let feed = app
        .as_caller(&caller, scope, move |ctx| feed::changes(ctx, page))
        .await?;
    Ok(HttpResponse::Ok().json(feed))
}

/// The same feed for a signed client, over its subtree.
async fn client_changes(
    app: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: web::Bytes,
    query: web::Query<FeedQuery>,
) -> actix_web::Result<HttpResponse> {
    let page = query.into_inner().parsed()?;
    as_signed(&app, (req, meta, body), move |ctx, _| {
        feed::changes(ctx, page)
    })
    .await
}
