//! LuxTensor scheduler pallet: calls dispatched at a later block, named or anonymous, periodic, with a per-block weight bound.
