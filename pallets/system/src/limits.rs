//! Block limits: how much weight and length a block may use, per dispatch class.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use lux_support::{DispatchClass, Weight};
use scale_info::TypeInfo;

/// Weight limits of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("pallet_system", "frame_system"))]
pub struct BlockWeights {
    /// Weight of executing an empty block (initialization and finalization).
    pub base_block: Weight,
    /// Most weight a block may have.
    pub max_block: Weight,
    /// Weight every extrinsic costs on top of its call (decoding, signature, fee handling).
    pub base_extrinsic: Weight,
    /// Share of `max_block` that normal transactions may use, in percent; operational ones may
    /// use the rest.
    pub normal_ratio_percent: u64,
}

impl BlockWeights {
    /// The most weight extrinsics of `class` may use in total in a block.
    pub const fn max_for(&self, class: DispatchClass) -> Weight {
        match class {
            DispatchClass::Normal => Weight::from_parts(
                self.max_block.ref_time / 100 * self.normal_ratio_percent,
                self.max_block.proof_size / 100 * self.normal_ratio_percent,
            ),
            DispatchClass::Operational => self.max_block,
            DispatchClass::Mandatory => Weight::MAX,
        }
    }
}

/// Length limits of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
#[scale_info(replace_segment("pallet_system", "frame_system"))]
pub struct BlockLength {
    /// Most bytes of extrinsics a block may have.
    pub max: u32,
    /// Share of `max` that normal transactions may use, in percent.
    pub normal_ratio_percent: u32,
}

impl BlockLength {
    /// The most bytes extrinsics of `class` may use in total.
    pub const fn max_for(&self, class: DispatchClass) -> u32 {
        match class {
            DispatchClass::Normal => self.max / 100 * self.normal_ratio_percent,
            DispatchClass::Operational | DispatchClass::Mandatory => self.max,
        }
    }
}

/// Weight used so far in a block, per class (stored as `System::BlockWeight`).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
)]
pub struct ConsumedWeight {
    /// Normal transactions.
    pub normal: Weight,
    /// Operational transactions.
    pub operational: Weight,
    /// Inherents and hooks.
    pub mandatory: Weight,
}

impl ConsumedWeight {
    /// The weight used by `class`.
    pub fn get(&self, class: DispatchClass) -> Weight {
        match class {
            DispatchClass::Normal => self.normal,
            DispatchClass::Operational => self.operational,
            DispatchClass::Mandatory => self.mandatory,
        }
    }

    fn get_mut(&mut self, class: DispatchClass) -> &mut Weight {
        match class {
            DispatchClass::Normal => &mut self.normal,
            DispatchClass::Operational => &mut self.operational,
            DispatchClass::Mandatory => &mut self.mandatory,
        }
    }

    /// Adds `weight` to `class`.
    pub fn accrue(&mut self, weight: Weight, class: DispatchClass) {
        let w = self.get_mut(class);
        *w = w.saturating_add(weight);
    }

    /// Removes `weight` from `class`.
    pub fn reduce(&mut self, weight: Weight, class: DispatchClass) {
        let w = self.get_mut(class);
        *w = w.saturating_sub(weight);
    }

    /// Weight used by all classes.
    pub fn total(&self) -> Weight {
        self.normal.saturating_add(self.operational).saturating_add(self.mandatory)
    }
}
