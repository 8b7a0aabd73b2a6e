//! Placeholder: being written.

use std::io::{self, Write};

use super::FileReport;

pub fn write(_out: &mut dyn Write, _reports: &[FileReport]) -> io::Result<()> {
    Ok(())
}
