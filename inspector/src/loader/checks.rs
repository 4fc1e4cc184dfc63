//! Checks before loading, each failing with the fix in its message: capabilities, a tracefs aya can
//! find, and the memlock limit only where the kernel still charges maps to it.
use std::path::{Path, PathBuf};

use super::{LoadError, privilege};

/// tracefs mount points aya looks in, preferred first.
const TRACEFS_DIRS: [&str; 2] = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

/// The capabilities `mode` needs, and (when programs will be attached) a tracefs, mounted
/// here if missing.
pub(super) fn preflight(mode: privilege::Mode) -> Result<(), LoadError> {
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    // Without /proc the kernel will say EPERM itself; no guess is better than a wrong one.
    if let Some(caps) = privilege::effective() {
        let missing = privilege::missing(mode, caps, uid);
        if !missing.is_empty() {
            return Err(LoadError::Privilege {
                reason: privilege::refusal(mode, &missing, uid),
            });
        }
    }
    if mode == privilege::Mode::LoadObject {
        ensure_tracefs().map_err(|reason| LoadError::NoTracefs { reason })?;
    }
    Ok(())
}

/// aya looks for tracefs once per process, so it must be mounted before the first attach.
fn ensure_tracefs() -> Result<PathBuf, String> {
    if let Some(dir) = TRACEFS_DIRS
        .iter()
        .map(Path::new)
        .find(|dir| dir.join("events").is_dir())
    {
        return Ok(dir.to_path_buf());
    }
    let target = TRACEFS_DIRS[0];
    let c = |s: &str| std::ffi::CString::new(s).map_err(|e| e.to_string());
    let (source, dir, fstype) = (c("tracefs")?, c(target)?, c("tracefs")?);
    // SAFETY: all pointers are valid NUL-terminated strings; data may be NULL.
    let ret = unsafe {
        libc::mount(
            source.as_ptr(),
            dir.as_ptr(),
            fstype.as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    if ret == 0 {
        Ok(PathBuf::from(target))
    } else {
        Err(std::io::Error::last_os_error().to_string())
    }
}

/// Kernels before 5.11 charge maps to RLIMIT_MEMLOCK; newer ones use memcg and ignore it,
/// so only older kernels are asked to raise it (and warn when they refuse).
pub(super) fn raise_memlock_if_needed() -> Result<(), String> {
    if kernel_release().is_some_and(|(major, minor)| (major, minor) >= (5, 11)) {
        return Ok(());
    }
    let unlimited = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: the pointer is to a valid rlimit.
    if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &unlimited) } == 0 {
        Ok(())
    } else {
        Err(format!(
            "could not raise the memlock limit ({}); carrying on, kernels 5.11+ do not need it",
            std::io::Error::last_os_error()
        ))
    }
}

/// (major, minor) of the running kernel.
pub fn kernel_release() -> Option<(u32, u32)> {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()?;
    parse_release(&release)
}

fn parse_release(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.trim().split(['.', '-']);
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_releases_parse() {
        assert_eq!(parse_release("6.18.44-fc-v595\n"), Some((6, 18)));
        assert_eq!(parse_release("5.4.0"), Some((5, 4)));
        assert_eq!(parse_release("garbage"), None);
    }
}
