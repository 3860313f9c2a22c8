//! Assembles the actix-web application and runs the HTTP server.

use crate::error::{ApiError, ErrorCode};
use crate::extract::{self, BodyLimit};
use crate::openapi::ApiDoc;
use crate::state::AppState;
use actix_web::dev::Service;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use std::net::TcpListener;
use std::time::Instant;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

/// Binds nothing itself: the caller passes a listener so tests can use port 0.
pub fn start(state: AppState, listener: TcpListener) -> std::io::Result<actix_web::dev::Server> {
    let workers = match state.config.workers {
        0 => std::thread::available_parallelism().map_or(2, usize::from),
        n => n,
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        state
            .revocations
            .spawn_refresher(state.pool.clone(), state.config.access_token_ttl_secs);
    }
    let server = HttpServer::new(move || {
        let limit = state.config.body_limit_bytes;
        let metrics = state.metrics.clone();
        let cors_origins = state.config.cors_origins.clone();
        // The document is registered before the `/api/v1` scope: a scope answers every path
        // under its prefix, so a resource added after it would never be reached.
        let (app, _) = App::new()
            .route("/api/v1/openapi.json", web::get().to(openapi_json))
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .app_data(web::Data::new(state.clone()))
            .app_data(BodyLimit(limit))
            .app_data(
                web::JsonConfig::default()
                    .limit(limit)
                    .error_handler(extract::json_error),
            )
            .app_data(web::QueryConfig::default().error_handler(extract::query_error))
            .app_data(web::PathConfig::default().error_handler(extract::path_error))
            .app_data(web::PayloadConfig::default().limit(limit))
            .configure(crate::routes::configure)
            .default_service(web::to(not_found))
            .split_for_parts();
        app.service(
            SwaggerUi::new("/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json")),
        )
        .service(web::redirect("/docs", "/docs/"))
        .wrap(actix_web::middleware::from_fn(crate::middleware::hygiene))
        .wrap(crate::middleware::cors(&cors_origins))
        .wrap_fn(move |req, srv| {
            let started = Instant::now();
            let metrics = metrics.clone();
            let fut = srv.call(req);
            async move {
                let res = fut.await?;
                metrics.observe(res.status().as_u16(), started.elapsed());
                Ok(res)
            }
        })
    })
    .workers(workers)
    .listen(listener)?
    .run();
    Ok(server)
}

/// The same document as `openapi/openapi.json`, built once per process.
async fn openapi_json() -> HttpResponse {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let json = DOC.get_or_init(crate::openapi::document_json);
    HttpResponse::Ok()
        .content_type("application/json")
        .body(json.as_str())
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    ApiError::new(
        ErrorCode::NotFound,
        format!("no route for {} {}", req.method(), req.path()),
    )
    .error_response()
}
