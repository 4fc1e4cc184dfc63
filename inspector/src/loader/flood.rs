//! The kernel-side flood: running the bundled object's flood program on one CPU.
use aya::programs::{RawTracePoint, RawTracePointRunOptions, TestRun as _};
use shared::{FLOOD_PROGRAM, FloodResult, FloodTarget, map_names};

use super::{LoadError, Loaded};
use crate::maps::{
    MapError, Tally, kernel_flood_refusal,
    ops::{self, FloodReport, FloodRequest, OpError},
};

impl Loaded {
    /// Floods map `index` from inside BPF, then reads what the map holds.
    pub(super) fn flood_from_kernel(
        &mut self,
        index: usize,
        request: &FloodRequest,
    ) -> Result<FloodReport, OpError> {
        let map = &self.maps[index];
        ops::check(&map.desc, &ops::Operation::Flood(*request))?;
        let target = map
            .desc
            .kernel_flood
            .ok_or_else(|| OpError::Refused(kernel_flood_refusal(&map.meta().name)))?;
        let result = self
            .flood_in_kernel(target, request.count, request.cpu)
            .map_err(|e| OpError::Refused(e.to_string()))?;
        let mut tally = Tally {
            inserted: result.inserted,
            ..Tally::default()
        };
        if result.failed > 0 {
            // The program keeps the first errno; the other failures are counted with it.
            tally.failures.insert(-result.first_error, result.failed);
            tally.first_failed_key = Some(result.first_failed_key);
        }
        // What the program did: the CPU it ran on, and the count bpf_loop allowed.
        let request = FloodRequest {
            cpu: Some(result.cpu),
            count: result.attempted,
            ..*request
        };
        self.maps[index].flood_report(request, tally)
    }

    /// Runs the flood program: inserts keys 1..=count (value key*11) into the target map
    /// from inside BPF, on `cpu` if given, and returns what it recorded in FLOOD_RESULT.
    pub fn flood_in_kernel(
        &mut self,
        target: FloodTarget,
        count: u32,
        cpu: Option<u32>,
    ) -> Result<FloodResult, LoadError> {
        let program_error = |source| LoadError::Program {
            name: FLOOD_PROGRAM.into(),
            source,
        };
        let program: &mut RawTracePoint = self
            .ebpf
            .as_mut()
            .and_then(|ebpf| ebpf.program_mut(FLOOD_PROGRAM))
            .ok_or_else(|| program_error(aya::programs::ProgramError::NotLoaded))?
            .try_into()
            .map_err(program_error)?;
        let mut opts = RawTracePointRunOptions::new();
        opts.args[0] = target as u64;
        opts.args[1] = count.into();
        opts.cpu = cpu;
        program.test_run(opts).map_err(program_error)?;
        let results = self
            .map(map_names::FLOOD_RESULT)
            .ok_or(MapError::NotFound { id: 0 })?;
        let mut bytes = vec![0u8; size_of::<FloodResult>()];
        results
            .lookup_into(&0u32.to_ne_bytes(), &mut bytes)
            .map_err(|e| results.syscall_error(e))?;
        // SAFETY: FloodResult is repr(C) plain data and bytes holds exactly one.
        Ok(unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast::<FloodResult>()) })
    }
}
