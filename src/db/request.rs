//! One pool connection per request. The `Caller` extractor resolves who
//! calls on a connection from the pool and keeps it here; the request's work
//! (`Db::in_scope`, `Db::run`) takes it instead of a second one. The slot is
//! task-local, opened around each request by the `http` layer, and a
//! connection nobody took goes back to the pool when the request ends.

use std::cell::RefCell;
use std::future::Future;

use super::PgConn;

tokio::task_local! {
    static CONNECTION: RefCell<Option<PgConn>>;
}

/// Runs `request` with a slot for its connection.
pub async fn scope<F: Future>(request: F) -> F::Output {
    CONNECTION.scope(RefCell::new(None), request).await
}

/// Keeps `conn` for the rest of the request; outside a request it goes
/// straight back to the pool.
pub(super) fn keep(conn: PgConn) {
    let _ = CONNECTION.try_with(move |slot| slot.replace(Some(conn)));
}

/// The connection this request kept, if nothing has taken it yet.
pub(super) fn take() -> Option<PgConn> {
    CONNECTION.try_with(RefCell::take).ok().flatten()
}
