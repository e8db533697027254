//! LuxTensor referenda pallet: OpenGov-style referenda with tracks, deposits, decision and confirmation periods.
