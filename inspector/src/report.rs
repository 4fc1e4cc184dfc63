//! Errors as the user reads them: one line, `what: why: deeper why`. Belongs to no room:
//! the loader, the headless commands and `main` all speak it.
use std::error::Error;

/// An error and all its causes on one line (aya keeps the errno in the innermost one). A
/// cause whose text the line already holds is left out: errors that spell out their own
/// causes (aya's, ours) would otherwise say them twice.
pub fn one_line(err: &dyn Error) -> String {
    let mut line = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use color_eyre::eyre::eyre;

    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("loading failed: {}", .source)]
    struct Spelled {
        #[source]
        source: std::io::Error,
    }

    #[test]
    fn causes_already_in_the_message_are_not_repeated() {
        let inner = std::io::Error::other("error parsing ELF data");
        let err = Spelled { source: inner };
        assert_eq!(one_line(&err), "loading failed: error parsing ELF data");
        // Causes the message does not hold are still said, in order.
        let err = eyre!("deepest").wrap_err("middle").wrap_err("top");
        assert_eq!(one_line(err.as_ref()), "top: middle: deepest");
    }
}
