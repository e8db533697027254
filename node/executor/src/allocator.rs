//! The host-side heap allocator of the runtime (`ext_allocator_malloc/free`), a freeing-bump
//! allocator over wasm linear memory.
//!
//! Blocks have power-of-two payload sizes from 16 bytes to 64 MiB, each preceded by a 16-byte
//! header, so every pointer handed out is 16-byte aligned. A freed block goes on its size's
//! free list and is reused by the next allocation of that size; otherwise new blocks are cut
//! from the end of the heap (the bump pointer), growing the memory up to its limit. All checks
//! treat the memory as untrusted: a bad `free` is an error, never undefined behaviour.

const HEADER: u32 = 16;
const MIN_ORDER: u32 = 4;
const MAX_ORDER: u32 = 26;
const ORDERS: usize = (MAX_ORDER - MIN_ORDER + 1) as usize;
const ALLOCATED: u32 = 0x8000_0000;
/// Marks a header as written by this allocator.
const MAGIC: u32 = 0x4c55_5800;

/// What the allocator needs from the wasm memory.
pub trait Memory {
    /// The memory's bytes.
    fn bytes(&mut self) -> &mut [u8];
    /// Grows the memory to at least `size` bytes; `false` if that exceeds the limit.
    fn grow_to(&mut self, size: u32) -> bool;
}

/// Allocator failures.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AllocError {
    /// Request larger than the largest block.
    #[error("allocation of {0} bytes exceeds the 64 MiB limit")]
    TooLarge(u32),
    /// The heap limit is reached.
    #[error("heap limit reached allocating {0} bytes")]
    OutOfMemory(u32),
    /// `free` of a pointer that is not an allocated block.
    #[error("invalid free of pointer {0:#x}")]
    InvalidFree(u32),
}

/// The allocator's bookkeeping; the blocks themselves live in wasm memory.
pub struct FreeingBumpAllocator {
    heap_start: u32,
    bump: u32,
    free_lists: [u32; ORDERS],
    allocated: u64,
    peak: u64,
}

fn order_of(size: u32) -> Result<u32, AllocError> {
    if size > (1 << MAX_ORDER) {
        return Err(AllocError::TooLarge(size));
    }
    Ok(size.max(1 << MIN_ORDER).next_power_of_two().trailing_zeros())
}

fn read_u32(bytes: &[u8], at: u32) -> Option<u32> {
    let at = at as usize;
    bytes.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn write_u32(bytes: &mut [u8], at: u32, v: u32) -> Option<()> {
    let at = at as usize;
    bytes.get_mut(at..at + 4)?.copy_from_slice(&v.to_le_bytes());
    Some(())
}

impl FreeingBumpAllocator {
    /// An allocator for the heap starting at `heap_base`.
    pub fn new(heap_base: u32) -> Self {
        let heap_start = heap_base.checked_next_multiple_of(16).unwrap_or(u32::MAX);
        Self { heap_start, bump: heap_start, free_lists: [0; ORDERS], allocated: 0, peak: 0 }
    }

    /// Most bytes allocated at once so far.
    pub fn peak(&self) -> u64 {
        self.peak
    }

    /// Allocates `size` bytes and returns the pointer.
    pub fn alloc(&mut self, mem: &mut impl Memory, size: u32) -> Result<u32, AllocError> {
        let order = order_of(size)?;
        let slot = (order - MIN_ORDER) as usize;
        let block = 1u32 << order;
        let ptr = if self.free_lists[slot] != 0 {
            let ptr = self.free_lists[slot];
            // The runtime can overwrite anything in its memory, free-list links included: check
            // the block before trusting it.
            let header = ptr.checked_sub(HEADER).ok_or(AllocError::InvalidFree(ptr))?;
            let bytes = mem.bytes();
            let tag = read_u32(bytes, header).ok_or(AllocError::InvalidFree(ptr))?;
            if tag != MAGIC | order {
                return Err(AllocError::InvalidFree(ptr));
            }
            let next = read_u32(bytes, header + 4).ok_or(AllocError::InvalidFree(ptr))?;
            if next != 0 && !self.is_block_pointer(next) {
                return Err(AllocError::InvalidFree(next));
            }
            self.free_lists[slot] = next;
            ptr
        } else {
            let header = self.bump;
            let end = header
                .checked_add(HEADER)
                .and_then(|e| e.checked_add(block))
                .ok_or(AllocError::OutOfMemory(size))?;
            if end as usize > mem.bytes().len() && !mem.grow_to(end) {
                return Err(AllocError::OutOfMemory(size));
            }
            self.bump = end;
            header + HEADER
        };
        let bytes = mem.bytes();
        write_u32(bytes, ptr - HEADER, MAGIC | ALLOCATED | order)
            .ok_or(AllocError::OutOfMemory(size))?;
        write_u32(bytes, ptr - HEADER + 4, 0).ok_or(AllocError::OutOfMemory(size))?;
        self.allocated = self.allocated.saturating_add(block as u64);
        self.peak = self.peak.max(self.allocated);
        Ok(ptr)
    }

    /// Whether `ptr` can be the start of a block handed out by this allocator.
    fn is_block_pointer(&self, ptr: u32) -> bool {
        ptr >= self.heap_start.saturating_add(HEADER) && ptr < self.bump && ptr.is_multiple_of(16)
    }

    /// Frees the block at `ptr`.
    pub fn free(&mut self, mem: &mut impl Memory, ptr: u32) -> Result<(), AllocError> {
        if !self.is_block_pointer(ptr) {
            return Err(AllocError::InvalidFree(ptr));
        }
        let bytes = mem.bytes();
        let header = read_u32(bytes, ptr - HEADER).ok_or(AllocError::InvalidFree(ptr))?;
        if header & !(ALLOCATED | 0xff) != MAGIC || header & ALLOCATED == 0 {
            return Err(AllocError::InvalidFree(ptr));
        }
        let order = header & 0xff;
        if !(MIN_ORDER..=MAX_ORDER).contains(&order) {
            return Err(AllocError::InvalidFree(ptr));
        }
        let slot = (order - MIN_ORDER) as usize;
        write_u32(bytes, ptr - HEADER, MAGIC | order).ok_or(AllocError::InvalidFree(ptr))?;
        write_u32(bytes, ptr - HEADER + 4, self.free_lists[slot])
            .ok_or(AllocError::InvalidFree(ptr))?;
        self.free_lists[slot] = ptr;
        self.allocated = self.allocated.saturating_sub(1u64 << order);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct VecMemory {
        bytes: Vec<u8>,
        limit: usize,
    }

    impl Memory for VecMemory {
        fn bytes(&mut self) -> &mut [u8] {
            &mut self.bytes
        }
        fn grow_to(&mut self, size: u32) -> bool {
            if size as usize > self.limit {
                return false;
            }
            self.bytes.resize(size as usize, 0);
            true
        }
    }

    fn memory(limit: usize) -> VecMemory {
        VecMemory { bytes: vec![0; 1000], limit }
    }

    #[test]
    fn allocations_are_aligned_disjoint_and_reused() {
        let mut mem = memory(1 << 20);
        let mut a = FreeingBumpAllocator::new(1000);
        let p1 = a.alloc(&mut mem, 10).expect("alloc");
        let p2 = a.alloc(&mut mem, 100).expect("alloc");
        assert_eq!(p1 % 16, 0);
        assert_eq!(p2 % 16, 0);
        assert!(p2 >= p1 + 16);
        a.free(&mut mem, p1).expect("free");
        assert_eq!(a.alloc(&mut mem, 16).expect("alloc"), p1, "reuses the freed block");
        assert_eq!(a.peak(), 16 + 128);
    }

    #[test]
    fn bad_frees_are_errors() {
        let mut mem = memory(1 << 20);
        let mut a = FreeingBumpAllocator::new(1000);
        let p = a.alloc(&mut mem, 32).expect("alloc");
        assert_eq!(a.free(&mut mem, p + 16), Err(AllocError::InvalidFree(p + 16)));
        assert_eq!(a.free(&mut mem, 8), Err(AllocError::InvalidFree(8)));
        a.free(&mut mem, p).expect("free");
        assert_eq!(a.free(&mut mem, p), Err(AllocError::InvalidFree(p)), "double free");
    }

    #[test]
    fn corrupted_free_lists_are_errors_not_panics() {
        let mut mem = memory(1 << 20);
        let mut a = FreeingBumpAllocator::new(1000);
        let p = a.alloc(&mut mem, 32).expect("alloc");
        a.free(&mut mem, p).expect("free");
        // The runtime overwrites the freed block's link with a pointer below the heap.
        let link = (p - HEADER + 4) as usize;
        mem.bytes[link..link + 4].copy_from_slice(&8u32.to_le_bytes());
        assert_eq!(a.alloc(&mut mem, 32), Err(AllocError::InvalidFree(8)));
        // A forged header of a block that was never allocated.
        let mut b = FreeingBumpAllocator::new(1000);
        let q = b.alloc(&mut mem, 16).expect("alloc");
        let header = (q - HEADER) as usize;
        mem.bytes[header..header + 4].copy_from_slice(&(MAGIC | ALLOCATED | 26).to_le_bytes());
        assert!(b.free(&mut mem, q).is_ok(), "accepted as a 64 MiB block, without underflow");
        let _ = FreeingBumpAllocator::new(u32::MAX);
    }

    #[test]
    fn limits() {
        let mut mem = memory(4096);
        let mut a = FreeingBumpAllocator::new(1000);
        assert_eq!(a.alloc(&mut mem, 5000), Err(AllocError::OutOfMemory(5000)));
        assert_eq!(a.alloc(&mut mem, u32::MAX), Err(AllocError::TooLarge(u32::MAX)));
        assert!(a.alloc(&mut mem, 2000).is_ok());
    }
}
