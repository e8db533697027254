//! LuxTensor preimage pallet: stores call preimages by hash, with deposits, for referenda and the scheduler.
