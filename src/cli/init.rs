//! `ddlink init`: write the commented starter ddlink.toml.

use std::io::Write;
use std::path::PathBuf;

use ddlink::config::{FILE_NAME, STARTER};
use ddlink::error::Error;

use super::{ExitStatus, output};

pub fn run() -> ExitStatus {
    let path = PathBuf::from(FILE_NAME);
    // `create_new` refuses an existing file atomically: never overwrite a config.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    let written = match file {
        Ok(mut file) => file
            .write_all(STARTER.as_bytes())
            .map_err(|source| Error::Write {
                path: path.clone(),
                cause: source,
            }),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(Error::ConfigExists(path.clone()))
        }
        Err(source) => Err(Error::Write {
            path: path.clone(),
            cause: source,
        }),
    };
    match written {
        Ok(()) => {
            let _ = writeln!(std::io::stderr(), "ddlink: wrote {FILE_NAME}");
            ExitStatus::Success
        }
        Err(error) => {
            output::error(&error);
            ExitStatus::Failure
        }
    }
}
