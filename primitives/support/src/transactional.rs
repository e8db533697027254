//! Storage layers: run code so that its storage changes can be discarded as a whole.

/// Whether to keep a layer's changes.
pub enum TransactionOutcome<R> {
    /// Keep them.
    Commit(R),
    /// Discard them.
    Rollback(R),
}

/// Runs `f` in a new storage layer, keeping or discarding its changes as it says.
pub fn with_transaction<R>(f: impl FnOnce() -> TransactionOutcome<R>) -> R {
    lux_io::storage::start_transaction();
    match f() {
        TransactionOutcome::Commit(r) => {
            lux_io::storage::commit_transaction();
            r
        }
        TransactionOutcome::Rollback(r) => {
            lux_io::storage::rollback_transaction();
            r
        }
    }
}

/// Runs `f` in a new storage layer, discarding its changes if it fails.
pub fn with_storage_layer<R, E>(f: impl FnOnce() -> Result<R, E>) -> Result<R, E> {
    with_transaction(|| match f() {
        Ok(r) => TransactionOutcome::Commit(Ok(r)),
        Err(e) => TransactionOutcome::Rollback(Err(e)),
    })
}
