//! Sign-in, sessions, accounts, grants and level policies over HTTP.

use actix_web::middleware::from_fn;
use actix_web::{web, HttpRequest, HttpResponse};

use super::admin::{self, CreateUser, GrantInput, UpdateUser, UserUpdate};
use super::caller::{Caller, Permission};
use super::model::{policy_level, GrantView, Me, PolicyInput};
use super::service::{self, PasswordChange};
use super::sign_in::{self, LoginRequest, MfaRequest, StepUpRequest};
use crate::context::{RequestMeta, Scope};
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::rate_limit::limit_sign_in;
use crate::http::versioning::{etag, required_if_match};
use crate::http::{list_of, AppState};
use crate::ids::{GrantId, SessionId, UserId};

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
        .resource("/users/{id}/mfa", |r| r.delete(reset_user_mfa))
        .resource("/users/{id}/grants", |r| r.get(list_grants).post(add_grant))
        .resource("/users/{id}/grants/{grant_id}", |r| r.delete(remove_grant))
        .resource("/policies", |r| r.get(list_policies))
        .resource("/policies/{level}", |r| r.put(put_policy));
}

async fn login(
    app: web::Data<AppState>,
    meta: RequestMeta,
    body: Json<LoginRequest>,
) -> AppResult<HttpResponse> {
    let _turn = app.password_check_turn().await?;
    let answer = app
        .anonymous(meta, move |ctx| sign_in::login(ctx, body.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(answer?))
}

async fn mfa(
    app: web::Data<AppState>,
    meta: RequestMeta,
    body: Json<MfaRequest>,
) -> AppResult<HttpResponse> {
    let answer = app
        .anonymous(meta, move |ctx| {
            sign_in::complete_mfa(ctx, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok().json(answer?))
}

/// What any signed-in user may do to their own account touches no
/// organization: the scope covers none.
async fn step_up(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<StepUpRequest>,
) -> AppResult<HttpResponse> {
    let own = caller.own_session();
    app.as_caller(&caller, Scope::nothing(), move |ctx| {
        sign_in::step_up(ctx, own, body.into_inner())
    })
    .await??;
    Ok(HttpResponse::NoContent().finish())
}

async fn logout(app: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    let own = caller.own_session();
    app.as_caller(&caller, Scope::nothing(), move |ctx| {
        service::revoke_own(ctx, own, own.session)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn change_password(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<PasswordChange>,
) -> AppResult<HttpResponse> {
    let own = caller.own_session();
    let _turn = app.password_check_turn().await?;
    app.as_caller(&caller, Scope::nothing(), move |ctx| {
        service::change_password(ctx, own, body.into_inner())
    })
    .await??;
    Ok(HttpResponse::NoContent().finish())
}

async fn me(app: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    let user_id = caller.user_id;
    let user = app
        .as_caller(&caller, Scope::nothing(), move |ctx| {
            service::me(ctx, user_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Me {
        user,
        grants: caller.grants.iter().map(GrantView::from).collect(),
        mfa_at: caller.mfa_at,
        step_up_max_age_seconds: caller.step_up_max_age_seconds,
    }))
}

async fn sessions(app: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    let own = caller.own_session();
    let items = app
        .as_caller(&caller, Scope::nothing(), move |ctx| {
            service::sessions(ctx, own)
        })
        .await?;
    Ok(list_of(items))
}

async fn revoke_session(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<SessionId>,
) -> AppResult<HttpResponse> {
    let (own, id) = (caller.own_session(), id.into_inner());
    app.as_caller(&caller, Scope::nothing(), move |ctx| {
        service::revoke_own(ctx, own, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn list_users(app: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let items = app.as_caller(&caller, scope, admin::list_users).await?;
    Ok(list_of(items))
}

async fn create_user(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateUser>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let created = app
        .as_caller(&caller, scope, move |ctx| {
            admin::create_user(ctx, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(created.user.version))
        .json(created))
}

async fn get_user(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<UserId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let id = id.into_inner();
    let user = app
        .as_caller(&caller, scope, move |ctx| admin::get_user(ctx, id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(user.version))
        .json(user))
}

async fn update_user(
    app: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<UserId>,
    body: Json<UpdateUser>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let version = required_if_match(&req)?;
    caller.require_fresh_mfa(app.clock.now())?;
    let update = UserUpdate {
        id: id.into_inner(),
        version,
        change: body.into_inner(),
    };
    let admin = caller.grants.clone();
    let user = app
        .as_caller(&caller, scope, move |ctx| {
            admin::update_user(ctx, &admin, update)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(user.version))
        .json(user))
}

async fn revoke_user_sessions(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<UserId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let (admin, id) = (caller.grants.clone(), id.into_inner());
    let revoked = app
        .as_caller(&caller, scope, move |ctx| {
            admin::revoke_user_sessions(ctx, &admin, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "revoked": revoked })))
}

async fn reset_user_mfa(
    app: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<UserId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let version = required_if_match(&req)?;
    caller.require_fresh_mfa(app.clock.now())?;
    let (admin, id) = (caller.grants.clone(), id.into_inner());
    let user = app
        .as_caller(&caller, scope, move |ctx| {
            admin::reset_user_mfa(ctx, &admin, (id, version))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(user.version))
        .json(user))
}

async fn list_grants(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<UserId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let id = id.into_inner();
    let items = app
        .as_caller(&caller, scope, move |ctx| admin::list_grants(ctx, id))
        .await?;
    Ok(list_of(items))
}

async fn add_grant(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<UserId>,
    body: Json<GrantInput>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    caller.require_fresh_mfa(app.clock.now())?;
    let (admin, id) = (caller.grants.clone(), id.into_inner());
    let grant = app
        .as_caller(&caller, scope, move |ctx| {
            admin::add_grant(ctx, &admin, id, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Created().json(grant))
}

async fn remove_grant(
    app: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(UserId, GrantId)>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    caller.require_fresh_mfa(app.clock.now())?;
    let (admin, (user, grant)) = (caller.grants.clone(), path.into_inner());
    app.as_caller(&caller, scope, move |ctx| {
        admin::remove_grant(ctx, &admin, user, grant)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn list_policies(app: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let items = app.as_caller(&caller, scope, admin::list_policies).await?;
    Ok(list_of(items))
}

async fn put_policy(
    app: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    level: web::Path<String>,
    body: Json<PolicyInput>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManagePolicies)?;
    let version = required_if_match(&req)?;
    caller.require_fresh_mfa(app.clock.now())?;
    let level = policy_level(&level)?;
    let policy = app
        .as_caller(&caller, scope, move |ctx| {
            admin::put_policy(ctx, level, version, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(policy.version))
        .json(policy))
}
