//! LuxTensor conviction voting pallet: votes on referenda weighted and locked by conviction.
