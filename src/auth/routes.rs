//! Sign-in, sessions, accounts, grants and level policies over HTTP.

use actix_web::middleware::from_fn;
use actix_web::{web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::admin::{self, CreateUser, GrantInput, UpdateUser};
use super::caller::{Caller, Permission, RequestContext};
use super::model::PolicyInput;
use super::service::{self, LoginRequest, MfaRequest, StepUpRequest};
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::rate_limit::limit_sign_in;
use crate::http::versioning::{etag, required_if_match};
use crate::startup::AppState;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/auth/login", |r| {
            r.wrap(from_fn(limit_sign_in)).post(login)
        })
        .resource("/auth/mfa", |r| r.wrap(from_fn(limit_sign_in)).post(mfa))
        .resource("/auth/step-up", |r| {
            r.wrap(from_fn(limit_sign_in)).post(step_up)
        })
        .resource("/auth/logout", |r| r.post(logout))
        .resource("/auth/me", |r| r.get(me))
        .resource("/auth/password", |r| {
            r.wrap(from_fn(limit_sign_in)).post(change_password)
        })
        .resource("/auth/sessions", |r| r.get(sessions))
        .resource("/auth/sessions/{id}", |r| r.delete(revoke_session))
        .resource("/users", |r| r.get(list_users).post(create_user))
        .resource("/users/{id}", |r| r.get(get_user).patch(update_user))
        .resource("/users/{id}/sessions", |r| r.delete(revoke_user_sessions))
        .resource("/users/{id}/grants", |r| r.get(list_grants).post(add_grant))
        .resource("/users/{id}/grants/{grant_id}", |r| r.delete(remove_grant))
        .resource("/policies", |r| r.get(list_policies))
        .resource("/policies/{level}", |r| r.put(put_policy));
}

async fn login(
    state: web::Data<AppState>,
    ctx: RequestContext,
    body: Json<LoginRequest>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let answer = state
        .db
        .transaction(move |c| service::login(c, body.into_inner(), &ctx, now))
        .await?;
    Ok(HttpResponse::Ok().json(answer?))
}

async fn mfa(
    state: web::Data<AppState>,
    ctx: RequestContext,
    body: Json<MfaRequest>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let answer = state
        .db
        .transaction(move |c| service::complete_mfa(c, body.into_inner(), &ctx, now))
        .await?;
    Ok(HttpResponse::Ok().json(answer?))
}

async fn step_up(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<StepUpRequest>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    state
        .db
        .transaction(move |c| service::step_up(c, &caller, body.into_inner(), now))
        .await??;
    Ok(HttpResponse::NoContent().finish())
}

async fn logout(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let session = caller.session_id;
    state
        .db
        .transaction(move |c| service::revoke_own(c, &caller, Some(session), now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn change_password(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<service::PasswordChange>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    state
        .db
        .transaction(move |c| service::change_password(c, &caller, body.into_inner(), now))
        .await??;
    Ok(HttpResponse::NoContent().finish())
}

async fn me(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    let (user_id, grants) = (caller.user_id, caller.grants.clone());
    let user = state
        .db
        .run(move |c| {
            super::repo::user(c, user_id)?
                .ok_or(crate::error::AppError::NotFound { entity: "user" })
        })
        .await?;
    let grants: Vec<_> = grants
        .iter()
        .map(|g| serde_json::json!({"id": g.grant_id, "role": g.role, "organization_id": g.organization_id}))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "user": super::model::UserView::from(&user),
        "grants": grants,
        "mfa_at": caller.mfa_at,
        "step_up_max_age_seconds": caller.step_up_max_age_seconds,
    })))
}

async fn sessions(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let items = state
        .db
        .run(move |c| service::sessions(c, &caller, now))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "next_cursor": null })))
}

async fn revoke_session(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let (now, id) = (state.clock.now(), id.into_inner());
    state
        .db
        .transaction(move |c| service::revoke_own(c, &caller, Some(id), now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn list_users(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let items = state.db.scoped(scope, admin::list_users).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "next_cursor": null })))
}

async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateUser>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let now = state.clock.now();
    let created = state
        .db
        .scoped(scope, move |c, scope| {
            admin::create_user(c, &caller, scope, body.into_inner(), now)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(created.user.version))
        .json(created))
}

async fn get_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let id = id.into_inner();
    let user = state
        .db
        .scoped(scope, move |c, scope| admin::get_user(c, scope, id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(user.version))
        .json(user))
}

async fn update_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<UpdateUser>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let version = required_if_match(&req)?;
    let (now, id) = (state.clock.now(), id.into_inner());
    caller.require_fresh_mfa(now)?;
    let user = state
        .db
        .scoped(scope, move |c, scope| {
            admin::update_user(c, &caller, scope, id, version, body.into_inner(), now)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(user.version))
        .json(user))
}

async fn revoke_user_sessions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let (now, id) = (state.clock.now(), id.into_inner());
    let revoked = state
        .db
        .scoped(scope, move |c, scope| {
            admin::revoke_user_sessions(c, &caller, scope, id, now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "revoked": revoked })))
}

async fn list_grants(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let id = id.into_inner();
    let items = state
        .db
        .scoped(scope, move |c, scope| admin::list_grants(c, scope, id))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "next_cursor": null })))
}

async fn add_grant(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<GrantInput>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let (now, id) = (state.clock.now(), id.into_inner());
    caller.require_fresh_mfa(now)?;
    let grant = state
        .db
        .scoped(scope, move |c, scope| {
            admin::add_grant(c, &caller, scope, id, body.into_inner(), now)
        })
        .await?;
    Ok(HttpResponse::Created().json(grant))
}

async fn remove_grant(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let (now, (user, grant)) = (state.clock.now(), path.into_inner());
    caller.require_fresh_mfa(now)?;
    state
        .db
        .scoped(scope, move |c, scope| {
            admin::remove_grant(c, &caller, scope, user, grant, now)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn list_policies(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let items = state
        .db
        .scoped(scope, |c, _| Ok(super::repo::policies(c)?))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "next_cursor": null })))
}

async fn put_policy(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    level: web::Path<String>,
    body: Json<PolicyInput>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManagePolicies)?;
    let version = required_if_match(&req)?;
    let now = state.clock.now();
    caller.require_fresh_mfa(now)?;
    let policy = state
        .db
        .scoped(scope, move |c, _| {
            admin::put_policy(c, &caller, &level, version, body.into_inner(), now)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(policy.version))
        .json(policy))
}
