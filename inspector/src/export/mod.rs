//! `mapinspect export`: an HTTP endpoint Prometheus scrapes, serving every map's figures
//! (entries, capacity, fill ratio, memory, metadata) from the same reader as the TUI.
//!
//! The flow: axum on a current-thread tokio runtime takes requests; each `/metrics` request
//! asks the collecting thread (which owns the map fds and the cache, so no map is read on
//! the async executor) for a scrape and waits for its text. SIGTERM and Ctrl-C stop
//! accepting, let requests in flight finish, and end with exit 0.
mod cache;
mod metrics;
mod scrape;
pub(crate) mod values;

use std::{net::SocketAddr, sync::mpsc, thread, time::Duration};

use axum::{
    Router,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use color_eyre::eyre::{Result, WrapErr as _, eyre};
use glob::Pattern;
use tokio::{
    net::TcpListener,
    signal::unix::{SignalKind, signal},
    sync::oneshot,
};

pub use metrics::{MapFacts, Scrape, encode_scrape};
use scrape::Exporter;

use crate::{cli::Cli, loader::Source};

/// `mapinspect export` options.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// Address to serve /metrics on (loopback unless you say otherwise).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:9435")]
    pub listen: SocketAddr,
    /// Export only maps whose name matches (a name or a glob like 'cilium_*'); repeatable.
    #[arg(long = "map", value_name = "NAME_OR_GLOB", value_parser = parse_glob)]
    pub maps: Vec<Pattern>,
    /// Also export each entry of these maps as mapinspect_map_value samples; repeatable.
    #[arg(long = "entries", value_name = "NAME", value_parser = parse_glob)]
    pub entries: Vec<Pattern>,
    /// At most this many mapinspect_map_value series per scrape; the rest are counted in
    /// mapinspect_map_value_series_dropped.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_series: usize,
    /// Seconds a map's reading is reused before it is read again (set it a little under
    /// the scrape interval).
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = crate::cli::args::parse_seconds)]
    pub cache_for: Duration,
}

fn parse_glob(text: &str) -> Result<Pattern, String> {
    Pattern::new(text).map_err(|e| format!("not a name or glob: {e}"))
}

/// OpenMetrics, for clients that ask for it (Prometheus does).
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The classic text format, for everyone else: the body is valid in both (see `metrics`).
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A scrape request to the collecting thread; it answers with the exposition text.
type Request = oneshot::Sender<String>;

/// Serves /metrics until SIGTERM or Ctrl-C. Every map on the host unless a source is named.
pub fn run(cli: &Cli, args: &ExportArgs) -> Result<()> {
    let named = &cli.source;
    let source =
        if named.object.is_none() && !named.system && named.map_id.is_none() && named.pin.is_none()
        {
            Source::System
        } else {
            named.source()
        };
    let exporter = Exporter::new(source, cli.key_type.clone(), cli.value_type.clone(), args)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    let (requests, inbox) = mpsc::channel::<Request>();
    let collector = thread::Builder::new()
        .name("export-collector".into())
        .spawn(move || collect(exporter, &inbox))
        .wrap_err("cannot start the collecting thread")?;
    let served = runtime.block_on(serve(args.listen, requests));
    // The server (and with it the request sender) is gone: the thread ends, and dropping the
    // exporter closes the fds and detaches any programs mapinspect attached.
    let _ = collector.join();
    served
}

/// The collecting thread: one scrape per request, in order.
fn collect(mut exporter: Exporter, inbox: &mpsc::Receiver<Request>) {
    for reply in inbox {
        let _ = reply.send(exporter.scrape());
    }
}

async fn serve(addr: SocketAddr, requests: mpsc::Sender<Request>) -> Result<()> {
    // Handlers first: a signal that arrives once the port is open must end the server.
    let mut terminate = signal(SignalKind::terminate()).wrap_err("cannot handle SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).wrap_err("cannot handle SIGINT")?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|err| bind_error(addr, &err))?;
    eprintln!("mapinspect export: serving http://{addr}/metrics");
    let app = Router::new()
        .route("/metrics", get(metrics_handler))
        .with_state(requests);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
            eprintln!("mapinspect export: stopping");
        })
        .await
        .wrap_err("the HTTP server failed")
}

fn bind_error(addr: SocketAddr, err: &std::io::Error) -> color_eyre::Report {
    match err.kind() {
        std::io::ErrorKind::AddrInUse => {
            eyre!("{addr} is in use (another exporter?): pick a free port with --listen ADDR:PORT")
        }
        std::io::ErrorKind::AddrNotAvailable => {
            eyre!("{addr} is not an address of this machine: check --listen")
        }
        _ => eyre!("cannot listen on {addr}: {err}"),
    }
}

async fn metrics_handler(
    State(requests): State<mpsc::Sender<Request>>,
    headers: HeaderMap,
) -> Response {
    let (reply, answer) = oneshot::channel();
    if requests.send(reply).is_err() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the exporter is stopping\n",
        )
            .into_response();
    }
    let Ok(body) = answer.await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "the scrape failed\n").into_response();
    };
    let content_type = if wants_openmetrics(&headers) {
        OPENMETRICS
    } else {
        PROMETHEUS_TEXT
    };
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// Whether the Accept header names OpenMetrics (Prometheus lists it first when it does).
fn wants_openmetrics(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|media| media.trim().starts_with("application/openmetrics-text"))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn export_parses_its_options_and_refuses_bad_ones() {
        use clap::Parser as _;

        use crate::cli::Command;
        let cli = Cli::try_parse_from([
            "mapinspect",
            "export",
            "--pin",
            "/sys/fs/bpf/x",
            "--map",
            "conn_*",
            "--entries",
            "conns",
            "--max-series",
            "5",
            "--cache-for",
            "2.5",
        ])
        .unwrap();
        let Some(Command::Export(args)) = &cli.command else {
            panic!("{cli:?}");
        };
        assert_eq!(
            args.listen.to_string(),
            "127.0.0.1:9435",
            "loopback by default"
        );
        assert!(args.maps[0].matches("conn_v4") && !args.maps[0].matches("other"));
        assert!(args.entries[0].matches("conns"));
        assert_eq!(
            (args.max_series, args.cache_for),
            (5, Duration::from_millis(2500))
        );
        assert_eq!(cli.source.source(), Source::Pin("/sys/fs/bpf/x".into()));
        for bad in [
            ["--listen", "localhost"],
            ["--map", "[oops"],
            ["--cache-for", "-1"],
        ] {
            let mut argv = vec!["mapinspect", "export"];
            argv.extend(bad);
            assert!(Cli::try_parse_from(argv).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn prometheus_gets_openmetrics_and_others_the_classic_format() {
        let mut headers = HeaderMap::new();
        assert!(!wants_openmetrics(&headers));
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static(
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            ),
        );
        assert!(wants_openmetrics(&headers));
        headers.insert(header::ACCEPT, HeaderValue::from_static("text/plain, */*"));
        assert!(!wants_openmetrics(&headers));
    }
}
