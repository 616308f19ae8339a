//! Registers resources with actix and writes down each (method, path) as it
//! does, so the list of served routes comes from the registration itself.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::Method;
use actix_web::{web, Error, FromRequest, Handler, Responder};

/// One served route: `GET /api/v1/officials/{id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    pub path: String,
}

/// A `web::ServiceConfig` that records every route registered through it.
pub struct RouteTable<'a> {
    config: &'a mut web::ServiceConfig,
    prefix: String,
    routes: &'a mut Vec<Route>,
}

impl<'a> RouteTable<'a> {
    pub fn new(config: &'a mut web::ServiceConfig, routes: &'a mut Vec<Route>) -> Self {
        RouteTable {
            config,
            prefix: String::new(),
            routes,
        }
    }

    /// One path with all its methods: actix answers 405 from the first
    /// resource whose path matches, so a path must never be split over two.
    pub fn resource<T, B>(
        &mut self,
        path: &str,
        build: impl FnOnce(RecordedResource) -> RecordedResource<actix_web::Resource<T>>,
    ) -> &mut Self
    where
        T: ServiceFactory<
                ServiceRequest,
                Config = (),
                Response = ServiceResponse<B>,
                Error = Error,
                InitError = (),
            > + 'static,
        B: MessageBody + 'static,
    {
        let built = build(RecordedResource {
            inner: web::resource(path),
            methods: Vec::new(),
        });
        let full_path = format!("{}{path}", self.prefix);
        assert!(
            !self.routes.iter().any(|route| route.path == full_path),
            "{full_path} is registered twice; give all its methods to one resource"
        );
        self.routes
            .extend(built.methods.into_iter().map(|method| Route {
                method,
                path: full_path.clone(),
            }));
        self.config.service(built.inner);
        self
    }

    /// Routes under a common path prefix, e.g. `/api/v1`.
    pub fn scope(&mut self, prefix: &str, register: impl FnOnce(&mut RouteTable)) -> &mut Self {
        let prefix_path = format!("{}{prefix}", self.prefix);
        let routes = &mut *self.routes;
        self.config.service(web::scope(prefix).configure(|config| {
            register(&mut RouteTable {
                config,
                prefix: prefix_path,
                routes,
            })
        }));
        self
    }
}

/// A `web::Resource` that remembers the methods routed on it.
pub struct RecordedResource<R = actix_web::Resource> {
    inner: R,
    methods: Vec<Method>,
}

impl<T> RecordedResource<actix_web::Resource<T>>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = Error, InitError = ()>,
{
    pub fn get<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::GET, handler)
    }

    pub fn post<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::POST, handler)
    }

    pub fn put<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::PUT, handler)
    }

    pub fn patch<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::PATCH, handler)
    }

    pub fn delete<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(Method::DELETE, handler)
    }

    /// Data for this path's handlers only, e.g. a larger body limit.
    pub fn app_data<U: 'static>(mut self, data: U) -> Self {
        self.inner = self.inner.app_data(data);
        self
    }

    fn route<F, Args>(mut self, method: Method, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.inner = self.inner.route(web::method(method.clone()).to(handler));
        self.methods.push(method);
        self
    }

    /// A middleware around every method of this path.
    pub fn wrap<M, B>(
        self,
        middleware: M,
    ) -> RecordedResource<
        actix_web::Resource<
            impl ServiceFactory<
                ServiceRequest,
                Config = (),
                Response = ServiceResponse<B>,
                Error = Error,
                InitError = (),
            >,
        >,
    >
    where
        M: Transform<
                T::Service,
                ServiceRequest,
                Response = ServiceResponse<B>,
                Error = Error,
                InitError = (),
            > + 'static,
        B: MessageBody,
    {
        RecordedResource {
            inner: self.inner.wrap(middleware),
            methods: self.methods,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ok() -> &'static str {
        "ok"
    }

    fn record(register: impl FnOnce(&mut RouteTable)) -> Vec<Route> {
        let mut routes = Vec::new();
        actix_web::App::new().configure(|cfg| register(&mut RouteTable::new(cfg, &mut routes)));
        routes
    }

    #[test]
    fn records_every_method_with_its_full_path() {
        let routes = record(|table| {
            table.scope("/api", |table| {
                table.resource("/items/{id}", |r| r.get(ok).patch(ok));
            });
        });
        let listed: Vec<(&str, &str)> = routes
            .iter()
            .map(|r| (r.method.as_str(), r.path.as_str()))
            .collect();
        assert_eq!(
            listed,
            [("GET", "/api/items/{id}"), ("PATCH", "/api/items/{id}")]
        );
    }

    #[test]
    #[should_panic(expected = "registered twice")]
    fn refuses_a_path_split_over_two_resources() {
        record(|table| {
            table
                .resource("/items", |r| r.get(ok))
                .resource("/items", |r| r.post(ok));
        });
    }
}
