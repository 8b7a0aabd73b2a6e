//! A named pipe among a run's inputs holds the run at a known point, whatever the build's
//! speed: ddlink waits reading it until the test ends it.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

pub struct Pipe {
    path: PathBuf,
}

impl Pipe {
    pub fn new(path: &Path) -> Pipe {
        let made = Command::new("mkfifo").arg(path).status().unwrap();
        assert!(made.success(), "mkfifo {}", path.display());
        Pipe {
            path: path.to_owned(),
        }
    }

    /// The pipe's writing end, once ddlink has opened it to read (at most a minute): ddlink
    /// then waits for input until the end is dropped, and reads the pipe as an empty file.
    pub fn opened(&self) -> File {
        let (sender, receiver) = mpsc::channel();
        let path = self.path.clone();
        // Opening a pipe to write waits for a reader: on a thread, so that a run that never
        // opens it fails the test instead of hanging it.
        std::thread::spawn(move || {
            let _ = sender.send(File::options().write(true).open(path));
        });
        receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("ddlink did not open the pipe within a minute")
            .unwrap()
    }
}
