//! `mikrobill openapi`: prints the OpenAPI document (the bytes of `openapi/openapi.json`).

#[derive(clap::Args, Debug)]
pub struct OpenApiArgs {
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub output: Option<std::path::PathBuf>,
}

pub fn run(args: OpenApiArgs) -> anyhow::Result<()> {
    let json = api::openapi::document_json();
    match args.output {
        Some(path) => std::fs::write(&path, json)?,
        None => print!("{json}"),
    }
    Ok(())
}
