//! Lookups in the running kernel's own BTF (/sys/kernel/btf/vmlinux) for programs built at
//! run time: a function's type id, a struct member's offset.
use super::{
    BtfError,
    blob::{Btf, Kind},
};

/// Where the kernel publishes its BTF.
pub const VMLINUX_BTF: &str = "/sys/kernel/btf/vmlinux";

impl Btf {
    /// Reads and parses the running kernel's BTF.
    pub fn kernel() -> Result<Btf, std::io::Error> {
        let bytes = std::fs::read(VMLINUX_BTF)?;
        Btf::parse(&bytes).map_err(std::io::Error::other)
    }

    /// The type id of the function (BTF_KIND_FUNC) named `name`.
    pub fn function_id(&self, name: &str) -> Option<u32> {
        self.id_where(|ty| ty.name == name && matches!(ty.kind, Kind::NotValue("function")))
    }

    /// The byte offset of member `member` in the struct named `strukt` (not a forward
    /// declaration of it).
    pub fn member_offset(&self, strukt: &str, member: &str) -> Result<u32, BtfError> {
        let missing = BtfError::UnknownType { id: 0 };
        let id = self
            .id_where(|ty| ty.name == strukt && matches!(ty.kind, Kind::Struct { .. }))
            .ok_or(missing.clone())?;
        let Kind::Struct { members, .. } = &self.types[id as usize - 1].kind else {
            return Err(missing);
        };
        let found = members.iter().find(|m| m.name == member).ok_or(missing)?;
        Ok(found.bit_offset / 8)
    }

    fn id_where(&self, pick: impl Fn(&super::blob::Type) -> bool) -> Option<u32> {
        let index = self.types.iter().position(pick)?;
        u32::try_from(index + 1).ok()
    }
}
