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

/// The oldest kernel the bundled object loads on whole: BLOOM_FILTER (5.16) and `bpf_loop`
/// in the flood program (5.17); RINGBUF (5.8) and the rest are older.
pub const BUNDLED_MIN_KERNEL: (u32, u32) = (5, 17);

/// A failed load of the bundled object, on a kernel older than it needs, says so.
pub(super) fn bundled_load_failed(err: LoadError) -> LoadError {
    explain_old_kernel(err, kernel_release())
}

fn explain_old_kernel(err: LoadError, release: Option<(u32, u32)>) -> LoadError {
    match (err, release) {
        (err @ LoadError::Load { .. }, Some(release)) if release < BUNDLED_MIN_KERNEL => {
            LoadError::KernelTooOld {
                load: err.to_string(),
                release: format!("{}.{}", release.0, release.1),
            }
        }
        (err, _) => err,
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
    fn a_failed_load_on_an_old_kernel_names_the_kernel_it_needs() {
        let failed = || LoadError::Load {
            source: aya::EbpfError::NoBTF,
        };
        let message = explain_old_kernel(failed(), Some((5, 15))).to_string();
        assert!(
            message.starts_with("loading the eBPF object failed: ")
                && message.ends_with("needs Linux 5.17 or later, and this kernel is 5.15"),
            "{message}"
        );
        for release in [Some((5, 17)), Some((6, 18)), None] {
            let message = explain_old_kernel(failed(), release).to_string();
            assert!(!message.contains("needs Linux"), "{release:?}: {message}");
        }
        let refused = LoadError::NoTracefs {
            reason: "EPERM".into(),
        };
        let message = explain_old_kernel(refused, Some((5, 4))).to_string();
        assert!(!message.contains("needs Linux"), "{message}");
    }

    #[test]
    fn kernel_releases_parse() {
        assert_eq!(parse_release("6.18.44-fc-v595\n"), Some((6, 18)));
        assert_eq!(parse_release("5.4.0"), Some((5, 4)));
        assert_eq!(parse_release("garbage"), None);
    }
}
