//! RINGBUF / USER_RINGBUF positions, read through a read-only mmap of the ring's first two
//! pages (consumer position, then producer position). Mapping them PROT_READ means watching
//! can never move the consumer: no record of someone else's ring is consumed.
use std::os::fd::AsRawFd;

use crate::maps::{MapHandle, MapKind};

/// A ring's size and positions (bytes since the ring was created).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RingPositions {
    pub ring_size: u64,
    pub producer_pos: u64,
    pub consumer_pos: u64,
}

impl RingPositions {
    /// Bytes written and not yet consumed (record headers included).
    pub fn pending_bytes(&self) -> u64 {
        self.producer_pos.saturating_sub(self.consumer_pos)
    }

    pub fn summary(&self) -> String {
        format!(
            "ring {} B · producer {} · consumer {} · {} B waiting",
            self.ring_size,
            self.producer_pos,
            self.consumer_pos,
            self.pending_bytes()
        )
    }
}

/// One page mapped read-only, unmapped on drop.
struct ReadOnlyPage {
    addr: *mut libc::c_void,
    len: usize,
}

impl ReadOnlyPage {
    fn map(fd: i32, page: usize, index: usize) -> std::io::Result<Self> {
        let offset = libc::off_t::try_from(page * index)
            .map_err(|_| std::io::Error::from_raw_os_error(libc::EOVERFLOW))?;
        // SAFETY: a fresh shared read-only mapping of a map fd we hold; the kernel checks
        // the offset against the ring's layout and fails with an errno otherwise.
        let addr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                page,
                libc::PROT_READ,
                libc::MAP_SHARED,
                fd,
                offset,
            )
        };
        if addr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Self { addr, len: page })
    }

    /// The position at the start of the page, read once as the kernel publishes it.
    fn position(&self) -> u64 {
        // SAFETY: the page is mapped (at least 4096 bytes, page-aligned) for our lifetime;
        // the kernel stores the position as an aligned u64 at offset 0 and updates it
        // atomically, so an atomic load reads a whole value.
        unsafe {
            (*self.addr.cast::<std::sync::atomic::AtomicU64>())
                .load(std::sync::atomic::Ordering::Acquire)
        }
    }
}

impl Drop for ReadOnlyPage {
    fn drop(&mut self) {
        // SAFETY: addr/len are exactly what mmap returned; nothing borrows the page now.
        unsafe {
            libc::munmap(self.addr, self.len);
        }
    }
}

impl MapHandle {
    /// The ring's positions, without consuming anything.
    pub fn ring_positions(&self) -> Result<RingPositions, String> {
        let meta = self.meta();
        if !matches!(meta.kind, MapKind::Ringbuf | MapKind::UserRingbuf) {
            return Err(format!("{} is not a ring buffer", meta.name));
        }
        // SAFETY: sysconf has no preconditions.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) })
            .ok()
            .filter(|&p| p >= 8)
            .unwrap_or(4096);
        let fail = |what: &str, e: std::io::Error| {
            format!("{}: cannot map the {what} page read-only: {e}", meta.name)
        };
        // A map opened read-only (BPF_F_RDONLY, as foreign pins are) gives an O_RDONLY file,
        // and the kernel refuses any shared mapping of those (EINVAL). Then a second fd by
        // id (read-write, root only) is used for the mapping, which stays PROT_READ: the
        // kernel also drops VM_MAYWRITE from it, so it can never become writable.
        let reopened;
        let mut fd = self.fd().as_raw_fd();
        let consumer = match ReadOnlyPage::map(fd, page, 0) {
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                reopened = crate::sys::map_fd_by_id(meta.id)
                    .map_err(|e| format!("{}: cannot reopen it to map: {e}", meta.name))?;
                fd = reopened.as_raw_fd();
                ReadOnlyPage::map(fd, page, 0)
            }
            other => other,
        }
        .map_err(|e| fail("consumer", e))?;
        let producer = ReadOnlyPage::map(fd, page, 1).map_err(|e| fail("producer", e))?;
        Ok(RingPositions {
            ring_size: u64::from(meta.max_entries),
            producer_pos: producer.position(),
            consumer_pos: consumer.position(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_is_what_the_consumer_has_not_reached() {
        let ring = RingPositions {
            ring_size: 4096,
            producer_pos: 48,
            consumer_pos: 16,
        };
        assert_eq!(ring.pending_bytes(), 32);
        assert_eq!(
            ring.summary(),
            "ring 4096 B · producer 48 · consumer 16 · 32 B waiting"
        );
    }
}
