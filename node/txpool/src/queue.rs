//! The validation queue: a bounded queue of submissions and the threads that validate them in
//! batches.
//!
//! The threads run at a lower scheduling priority than the rest of the node (nice +10 on
//! Linux), so block authoring and import, which run at normal priority, take the CPU whenever
//! they need it, however many transactions arrive. The queue is bounded: when it is full,
//! local submitters wait for room (up to a timeout) and gossip is dropped, so a flood costs
//! a bounded amount of memory and never delays a block.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use lux_primitives::transaction::TransactionSource;
use lux_primitives::OpaqueExtrinsic;
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

use crate::pool::{Origin, Submitted};
use crate::{Pool, PoolConfig, PoolError, TxHash};

/// Most submissions validated in one batch (one runtime instance, one state view).
const BATCH: usize = 64;

/// Work for a validation thread.
pub(crate) enum Job {
    /// Validate a submission and add it to the pool.
    Validate {
        source: TransactionSource,
        xt: OpaqueExtrinsic,
        hash: TxHash,
        watch: bool,
        origin: Origin,
        reply: oneshot::Sender<Result<Submitted, PoolError>>,
        /// Its place in the queue, given back when the job is done.
        _permit: OwnedSemaphorePermit,
    },
    /// Run pool maintenance (revalidation) at the validation threads' priority.
    Task(Box<dyn FnOnce(&Pool) + Send>),
}

struct Shared {
    jobs: Mutex<VecDeque<Job>>,
    wake: Condvar,
    closed: std::sync::atomic::AtomicBool,
}

/// The queue and its threads; dropping it stops the threads once they finish their batch.
pub(crate) struct Queue {
    shared: Arc<Shared>,
    room: Arc<Semaphore>,
}

impl Queue {
    pub(crate) fn start(pool: Weak<Pool>, config: &PoolConfig) -> Self {
        let shared = Arc::new(Shared {
            jobs: Mutex::new(VecDeque::new()),
            wake: Condvar::new(),
            closed: Default::default(),
        });
        for i in 0..config.validation_threads {
            let shared = shared.clone();
            let pool = pool.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("txpool-validate-{i}"))
                .spawn(move || worker(shared, pool));
            if let Err(e) = spawned {
                tracing::error!(target: "txpool", "cannot start a validation thread: {e}");
            }
        }
        Self { shared, room: Arc::new(Semaphore::new(config.max_queued.max(1))) }
    }

    /// Submissions waiting or being validated.
    pub(crate) fn len(&self) -> usize {
        self.shared.jobs.lock().map_or(0, |jobs| jobs.len())
    }

    /// A place in the queue, waiting up to `timeout` for one.
    pub(crate) async fn wait_for_room(&self, timeout: Duration) -> Option<OwnedSemaphorePermit> {
        tokio::time::timeout(timeout, self.room.clone().acquire_owned()).await.ok()?.ok()
    }

    /// A place in the queue if one is free now.
    pub(crate) fn try_room(&self) -> Option<OwnedSemaphorePermit> {
        self.room.clone().try_acquire_owned().ok()
    }

    pub(crate) fn push(&self, job: Job) {
        if let Ok(mut jobs) = self.shared.jobs.lock() {
            jobs.push_back(job);
        }
        self.shared.wake.notify_one();
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        self.shared.closed.store(true, std::sync::atomic::Ordering::Relaxed);
        self.shared.wake.notify_all();
    }
}

/// Lowers the calling thread's scheduling priority, so that it yields the CPU to the
/// threads that author and import blocks.
fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions; setpriority on our own thread id only changes
        // this thread's nice value.
        let result = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, 10)
        };
        if result != 0 {
            tracing::debug!(target: "txpool", "cannot lower the validation thread's priority");
        }
    }
}

fn worker(shared: Arc<Shared>, pool: Weak<Pool>) {
    lower_thread_priority();
    loop {
        let batch = {
            let Ok(mut jobs) = shared.jobs.lock() else { return };
            loop {
                if shared.closed.load(std::sync::atomic::Ordering::Relaxed) {
                    return;
                }
                if !jobs.is_empty() {
                    break;
                }
                jobs = match shared.wake.wait_timeout(jobs, Duration::from_secs(1)) {
                    Ok((jobs, _)) => jobs,
                    Err(_) => return,
                };
            }
            // A task runs alone; submissions go in batches.
            if matches!(jobs.front(), Some(Job::Task(_))) {
                jobs.pop_front().into_iter().collect::<Vec<_>>()
            } else {
                let mut batch = Vec::new();
                while batch.len() < BATCH && matches!(jobs.front(), Some(Job::Validate { .. })) {
                    batch.extend(jobs.pop_front());
                }
                batch
            }
        };
        // More work left: let another thread start on it.
        shared.wake.notify_one();
        let Some(pool) = pool.upgrade() else { return };
        run(&pool, batch);
    }
}

fn run(pool: &Pool, batch: Vec<Job>) {
    let mut submissions = Vec::with_capacity(batch.len());
    for job in batch {
        match job {
            Job::Task(task) => task(pool),
            Job::Validate { source, xt, hash, watch, origin, reply, _permit } => {
                submissions.push((source, xt, hash, watch, origin, reply))
            }
        }
    }
    if submissions.is_empty() {
        return;
    }
    let inputs: Vec<_> = submissions.iter().map(|(source, xt, ..)| (*source, xt)).collect();
    let (number, results) = pool.validate_on_best(&inputs);
    for ((source, xt, hash, watch, origin, reply), result) in submissions.into_iter().zip(results) {
        let outcome =
            pool.import_validated(number, source, Arc::new(xt), hash, result, watch, origin);
        let _ = reply.send(outcome);
    }
}
