//! The scheduler pallet: dispatches calls at a later block, as root or as the origin that
//! scheduled them, once or periodically, anonymous or under a name that can cancel them.
//!
//! Each block has an agenda (`Agenda`) of tasks. At the start of a block the tasks due are run
//! in priority order (0 first) until `MAXIMUM_WEIGHT` would be exceeded; the rest stay in
//! their agenda and are retried in the following blocks (`IncompleteSince` remembers the
//! oldest agenda with work left), so an overweight call is late, never silently dropped. A
//! task heavier than a whole scheduler block can never run: it is reported once with
//! `PermanentlyOverweight` and stays in its agenda until cancelled. Calls longer than 128
//! bytes are held by the preimage pallet (`Bounded::Lookup`), and a task whose preimage is
//! missing when it is due is dropped with `CallUnavailable`. Names, indices and storage layout
//! are Substrate's (without retries).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::boxed::Box;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use core::marker::PhantomData;
use lux_primitives::BlockNumber;
use lux_support::governance::{
    Bounded, DispatchTime, OriginCaller, QueryPreimage, ScheduleNamed, StorePreimage, TaskName,
};
use lux_support::metadata::{ConstantMeta, PalletMeta};
use lux_support::{
    ensure, ensure_root, pallet_error, storage, with_storage_layer, DispatchClass, DispatchError,
    DispatchInfo, DispatchResult, DispatchResultWithPostInfo, Dispatchable, GetDispatchInfo, Hooks,
    Identity, Parameter, Pays, PostDispatchInfo, RawOrigin, Twox64Concat, ValueQuery, Weight,
};
use scale_info::TypeInfo;

/// Configuration of the scheduler pallet.
pub trait Config: pallet_system::Config {
    /// The runtime's event type.
    type RuntimeEvent: From<Event> + Into<<Self as pallet_system::Config>::RuntimeEvent>;
    /// The runtime's call type.
    type RuntimeCall: Parameter + Dispatchable + GetDispatchInfo;
    /// Where calls longer than 128 bytes are kept.
    type Preimages: StorePreimage;
    /// The most weight the scheduled calls of one block may use.
    const MAXIMUM_WEIGHT: Weight;
    /// The most tasks one block's agenda may hold.
    const MAX_SCHEDULED_PER_BLOCK: u32;
}

/// Marker type of the pallet.
pub struct Pallet<T>(PhantomData<T>);

/// A task: its block and its index in that block's agenda.
pub type TaskAddress = (BlockNumber, u32);

/// `(period, count)`: a periodic task runs `count` times, `period` blocks apart.
pub type Period = (BlockNumber, u32);

/// Events of the scheduler pallet (Substrate's indices).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Event {
    /// A task was scheduled.
    #[codec(index = 0)]
    Scheduled {
        /// Its block.
        when: BlockNumber,
        /// Its index in the block's agenda.
        index: u32,
    },
    /// A task was cancelled.
    #[codec(index = 1)]
    Canceled {
        /// Its block.
        when: BlockNumber,
        /// Its index in the block's agenda.
        index: u32,
    },
    /// A task was dispatched.
    #[codec(index = 2)]
    Dispatched {
        /// The task.
        task: TaskAddress,
        /// Its name, if named.
        id: Option<TaskName>,
        /// The call's result.
        result: DispatchResult,
    },
    /// A task's call could not be found or decoded; the task was dropped.
    #[codec(index = 5)]
    CallUnavailable {
        /// The task.
        task: TaskAddress,
        /// Its name, if named.
        id: Option<TaskName>,
    },
    /// A periodic task could not be scheduled again (its next agenda is full).
    #[codec(index = 6)]
    PeriodicFailed {
        /// The task.
        task: TaskAddress,
        /// Its name, if named.
        id: Option<TaskName>,
    },
    /// A task is heavier than a block's scheduler weight: it will never run and stays in its
    /// agenda until cancelled.
    #[codec(index = 8)]
    PermanentlyOverweight {
        /// The task.
        task: TaskAddress,
        /// Its name, if named.
        id: Option<TaskName>,
    },
    /// An agenda could not be finished in its block; the rest runs in the next blocks.
    #[codec(index = 9)]
    AgendaIncomplete {
        /// The agenda's block.
        when: BlockNumber,
    },
}

pallet_error! {
    /// Errors of the scheduler pallet.
    pub enum Error<T: Config> {
        /// The agenda of that block is full.
        FailedToSchedule,
        /// No such task.
        NotFound,
        /// The block is not in the future.
        TargetBlockNumberInPast,
        /// Rescheduling to the same block (kept for Substrate's error indices).
        RescheduleNoChange,
        /// A task with this name already exists, or a named task was addressed by position.
        Named,
    }
}

/// A task in an agenda.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Scheduled {
    /// Its name, if named.
    pub maybe_id: Option<TaskName>,
    /// Lower runs first.
    pub priority: u8,
    /// The call.
    pub call: Bounded,
    /// Whether it repeats.
    pub maybe_periodic: Option<Period>,
    /// Who dispatches it.
    pub origin: OriginCaller,
}

storage! {
    pallet = "Scheduler", config = Config;
    /// The oldest block whose agenda still has tasks to run.
    pub type IncompleteSince = StorageValue<BlockNumber>;
    /// Tasks by block; a cancelled or finished task leaves `None` (indices do not move).
    pub type Agenda = StorageMap<Twox64Concat, BlockNumber, Vec<Option<Scheduled>>, ValueQuery>;
    /// Where each named task is.
    pub type Lookup = StorageMap<Identity, TaskName, TaskAddress>;
}

/// Calls of the scheduler pallet (Substrate's indices).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[allow(non_camel_case_types)]
pub enum Call<RuntimeCall> {
    /// Schedules `call` at block `when` (root).
    #[codec(index = 0)]
    schedule {
        /// The block.
        when: BlockNumber,
        /// Whether and how it repeats.
        maybe_periodic: Option<Period>,
        /// Lower runs first.
        priority: u8,
        /// The call.
        call: Box<RuntimeCall>,
    },
    /// Cancels the anonymous task at `(when, index)` (root).
    #[codec(index = 1)]
    cancel {
        /// Its block.
        when: BlockNumber,
        /// Its index in the agenda.
        index: u32,
    },
    /// Schedules `call` at block `when` under the name `id` (root).
    #[codec(index = 2)]
    schedule_named {
        /// The name.
        id: TaskName,
        /// The block.
        when: BlockNumber,
        /// Whether and how it repeats.
        maybe_periodic: Option<Period>,
        /// Lower runs first.
        priority: u8,
        /// The call.
        call: Box<RuntimeCall>,
    },
    /// Cancels the task named `id` (root).
    #[codec(index = 3)]
    cancel_named {
        /// The name.
        id: TaskName,
    },
    /// Schedules `call` `after` blocks after the next one (root).
    #[codec(index = 4)]
    schedule_after {
        /// Blocks to wait after the next one.
        after: BlockNumber,
        /// Whether and how it repeats.
        maybe_periodic: Option<Period>,
        /// Lower runs first.
        priority: u8,
        /// The call.
        call: Box<RuntimeCall>,
    },
    /// Schedules `call` under the name `id`, `after` blocks after the next one (root).
    #[codec(index = 5)]
    schedule_named_after {
        /// The name.
        id: TaskName,
        /// Blocks to wait after the next one.
        after: BlockNumber,
        /// Whether and how it repeats.
        maybe_periodic: Option<Period>,
        /// Lower runs first.
        priority: u8,
        /// The call.
        call: Box<RuntimeCall>,
    },
}

impl<C> GetDispatchInfo for Call<C> {
    fn get_dispatch_info(&self) -> DispatchInfo {
        let weight = match self {
            Self::cancel { .. } | Self::cancel_named { .. } => weights::CANCEL,
            _ => weights::SCHEDULE,
        };
        DispatchInfo { weight, class: DispatchClass::Normal, pays_fee: Pays::Yes }
    }
}

impl<C: Encode> Call<C> {
    /// Runs the call as `origin` (root for every call).
    pub fn dispatch<T: Config<RuntimeCall = C>>(
        self,
        origin: RawOrigin,
    ) -> DispatchResultWithPostInfo {
        ensure_root(origin)?;
        let origin = OriginCaller::system(RawOrigin::Root);
        match self {
            Self::schedule { when, maybe_periodic, priority, call } => {
                Pallet::<T>::schedule_call(
                    None,
                    DispatchTime::At(when),
                    maybe_periodic,
                    priority,
                    origin,
                    &*call,
                )?;
            }
            Self::cancel { when, index } => Pallet::<T>::do_cancel(when, index)?,
            Self::schedule_named { id, when, maybe_periodic, priority, call } => {
                Pallet::<T>::schedule_call(
                    Some(id),
                    DispatchTime::At(when),
                    maybe_periodic,
                    priority,
                    origin,
                    &*call,
                )?;
            }
            Self::cancel_named { id } => Pallet::<T>::do_cancel_named(id)?,
            Self::schedule_after { after, maybe_periodic, priority, call } => {
                Pallet::<T>::schedule_call(
                    None,
                    DispatchTime::After(after),
                    maybe_periodic,
                    priority,
                    origin,
                    &*call,
                )?;
            }
            Self::schedule_named_after { id, after, maybe_periodic, priority, call } => {
                Pallet::<T>::schedule_call(
                    Some(id),
                    DispatchTime::After(after),
                    maybe_periodic,
                    priority,
                    origin,
                    &*call,
                )?;
            }
        }
        Ok(PostDispatchInfo::default())
    }
}

impl<T: Config> Hooks for Pallet<T> {
    fn on_initialize(now: BlockNumber) -> Weight {
        Self::service_agendas(now)
    }
}

/// What became of a task this block.
enum Outcome {
    /// It ran (or was dropped); its slot is free.
    Done,
    /// It did not fit in this block's weight; it stays.
    Postponed,
    /// It can never fit; it stays, reported.
    Stuck,
}

impl<T: Config> Pallet<T> {
    fn deposit_event(event: Event) {
        pallet_system::Pallet::<T>::deposit_event(<T as Config>::RuntimeEvent::from(event));
    }

    /// The block `when` names, which must be after `now`'s. `After(n)` counts from the next
    /// block, whose agenda may already be full of work.
    fn resolve_time(when: DispatchTime) -> Result<BlockNumber, DispatchError> {
        let now = pallet_system::Pallet::<T>::block_number();
        let when = match when {
            DispatchTime::At(n) => n,
            DispatchTime::After(n) => now.saturating_add(n).saturating_add(1),
        };
        ensure!(when > now, Error::<T>::TargetBlockNumberInPast);
        Ok(when)
    }

    /// Adds `task` to the agenda of `when`, in a free slot or at the end.
    fn place_task(when: BlockNumber, task: Scheduled) -> Result<TaskAddress, DispatchError> {
        let maybe_id = task.maybe_id;
        let index = Agenda::try_mutate(when, |agenda| {
            let index = match agenda.iter().position(Option::is_none) {
                Some(free) => {
                    agenda[free] = Some(task);
                    free
                }
                None => {
                    ensure!(
                        (agenda.len() as u32) < T::MAX_SCHEDULED_PER_BLOCK,
                        Error::<T>::FailedToSchedule
                    );
                    agenda.push(Some(task));
                    agenda.len() - 1
                }
            };
            Ok::<_, DispatchError>(index as u32)
        })?;
        if let Some(id) = maybe_id {
            Lookup::insert(id, (when, index));
        }
        Self::deposit_event(Event::Scheduled { when, index });
        Ok((when, index))
    }

    /// Schedules a task; a `Lookup` call's preimage is requested until the task is done.
    pub fn do_schedule(
        maybe_id: Option<TaskName>,
        when: DispatchTime,
        maybe_periodic: Option<Period>,
        priority: u8,
        origin: OriginCaller,
        call: Bounded,
    ) -> Result<TaskAddress, DispatchError> {
        let (when, maybe_periodic) = Self::check_schedule(maybe_id, when, maybe_periodic)?;
        if call.lookup_needed() {
            T::Preimages::request(&call.hash());
        }
        Self::place_requested(when, Scheduled { maybe_id, priority, call, maybe_periodic, origin })
    }

    /// Schedules a call given whole (by a `schedule*` call): kept inline, or noted as a
    /// preimage whose request (from noting it) the task holds.
    fn schedule_call(
        maybe_id: Option<TaskName>,
        when: DispatchTime,
        maybe_periodic: Option<Period>,
        priority: u8,
        origin: OriginCaller,
        call: &T::RuntimeCall,
    ) -> Result<TaskAddress, DispatchError> {
        let (when, maybe_periodic) = Self::check_schedule(maybe_id, when, maybe_periodic)?;
        let call = T::Preimages::bound(call.encode())?;
        Self::place_requested(when, Scheduled { maybe_id, priority, call, maybe_periodic, origin })
    }

    /// The block a new task runs at and its remaining periodic runs, if it may be scheduled.
    fn check_schedule(
        maybe_id: Option<TaskName>,
        when: DispatchTime,
        maybe_periodic: Option<Period>,
    ) -> Result<(BlockNumber, Option<Period>), DispatchError> {
        if let Some(id) = maybe_id {
            ensure!(!Lookup::contains_key(id), Error::<T>::Named);
        }
        let when = Self::resolve_time(when)?;
        // A period of zero, or a single run, is not periodic; `count` includes this run.
        let maybe_periodic = maybe_periodic
            .filter(|(period, count)| *period > 0 && *count > 1)
            .map(|(p, c)| (p, c - 1));
        Ok((when, maybe_periodic))
    }

    /// Places a task whose preimage (if any) is requested for it; a task that finds no room
    /// gives its request back.
    fn place_requested(when: BlockNumber, task: Scheduled) -> Result<TaskAddress, DispatchError> {
        let hash = task.call.lookup_needed().then(|| task.call.hash());
        let placed = Self::place_task(when, task);
        if let (Err(_), Some(hash)) = (&placed, hash) {
            T::Preimages::unrequest(&hash);
        }
        placed
    }

    /// Cancels the anonymous task at `(when, index)`.
    pub fn do_cancel(when: BlockNumber, index: u32) -> DispatchResult {
        let task = Agenda::try_mutate(when, |agenda| {
            let slot = agenda.get_mut(index as usize).ok_or(Error::<T>::NotFound)?;
            match slot {
                Some(task) if task.maybe_id.is_some() => Err(Error::<T>::Named),
                Some(_) => Ok(slot.take()),
                None => Err(Error::<T>::NotFound),
            }
        })?;
        if let Some(task) = task {
            Self::drop_task(when, &task);
        }
        Self::deposit_event(Event::Canceled { when, index });
        Ok(())
    }

    /// Cancels the task named `id`.
    pub fn do_cancel_named(id: TaskName) -> DispatchResult {
        let (when, index) = Lookup::take(id).ok_or(Error::<T>::NotFound)?;
        let task =
            Agenda::mutate(when, |agenda| agenda.get_mut(index as usize).and_then(Option::take));
        if let Some(task) = task {
            Self::drop_task(when, &task);
        }
        Self::deposit_event(Event::Canceled { when, index });
        Ok(())
    }

    /// Releases what a finished or cancelled task held, and an agenda that is now empty.
    fn drop_task(when: BlockNumber, task: &Scheduled) {
        if task.call.lookup_needed() {
            T::Preimages::unrequest(&task.call.hash());
        }
        if Agenda::get(when).iter().all(Option::is_none) {
            Agenda::remove(when);
        }
    }

    /// Runs the agendas from the oldest incomplete one up to `now`'s, within
    /// `MAXIMUM_WEIGHT`; returns the weight used.
    fn service_agendas(now: BlockNumber) -> Weight {
        let mut used = weights::SERVICE_AGENDAS_BASE;
        let mut when = IncompleteSince::take().unwrap_or(now).min(now);
        let mut incomplete_since = None;
        // Looking back at most this many empty agendas per block keeps the hook bounded.
        let mut agendas_left = weights::MAX_AGENDAS_PER_BLOCK;
        while when <= now && agendas_left > 0 {
            agendas_left -= 1;
            let complete = Self::service_agenda(now, when, &mut used);
            if !complete && incomplete_since.is_none() {
                incomplete_since = Some(when);
                Self::deposit_event(Event::AgendaIncomplete { when });
            }
            when = when.saturating_add(1);
        }
        if when <= now && incomplete_since.is_none() {
            incomplete_since = Some(when);
        }
        if let Some(since) = incomplete_since {
            IncompleteSince::put(since);
        }
        used
    }

    /// Runs what fits of the agenda of block `when`; returns whether nothing runnable is left.
    fn service_agenda(now: BlockNumber, when: BlockNumber, used: &mut Weight) -> bool {
        let mut agenda = Agenda::get(when);
        if agenda.is_empty() {
            return true;
        }
        *used = used.saturating_add(weights::SERVICE_AGENDA);
        let mut order: Vec<(u8, usize)> = agenda
            .iter()
            .enumerate()
            .filter_map(|(index, task)| task.as_ref().map(|t| (t.priority, index)))
            .collect();
        order.sort();
        let mut complete = true;
        for (_, index) in order {
            let Some(task) = agenda[index].take() else { continue };
            match Self::service_task(now, (when, index as u32), task.clone(), used) {
                Outcome::Done => {}
                Outcome::Postponed => {
                    agenda[index] = Some(task);
                    complete = false;
                }
                Outcome::Stuck => agenda[index] = Some(task),
            }
        }
        if agenda.iter().all(Option::is_none) {
            Agenda::remove(when);
        } else {
            // A periodic task placed during this run may have extended the stored agenda of
            // a later block; this agenda is ours to write back.
            Agenda::insert(when, agenda);
        }
        complete
    }

    /// Runs one task if its call is available and fits in the weight left.
    fn service_task(
        now: BlockNumber,
        address: TaskAddress,
        task: Scheduled,
        used: &mut Weight,
    ) -> Outcome {
        let id = task.maybe_id;
        let call = match &task.call {
            Bounded::Inline(bytes) => Some(bytes.clone()),
            Bounded::Lookup { hash, len } => T::Preimages::fetch(hash, Some(*len)),
        }
        .and_then(|bytes| T::RuntimeCall::decode(&mut &bytes[..]).ok());
        let Some(call) = call else {
            Self::finish(&task);
            Self::deposit_event(Event::CallUnavailable { task: address, id });
            return Outcome::Done;
        };
        let call_weight = call.get_dispatch_info().weight.saturating_add(weights::SERVICE_TASK);
        if call_weight.any_gt(T::MAXIMUM_WEIGHT.saturating_sub(weights::SERVICE_AGENDAS_BASE)) {
            // It stays (cancellable) but does not hold its agenda open.
            Self::deposit_event(Event::PermanentlyOverweight { task: address, id });
            return Outcome::Stuck;
        }
        if used.saturating_add(call_weight).any_gt(T::MAXIMUM_WEIGHT) {
            return Outcome::Postponed;
        }
        let OriginCaller::system(origin) = task.origin.clone();
        let result = with_storage_layer(|| call.dispatch(origin));
        let actual = match &result {
            Ok(post) => post.actual_weight,
            Err(e) => e.post_info.actual_weight,
        };
        let call_used = actual
            .map(|w| w.min(call_weight).saturating_add(weights::SERVICE_TASK))
            .unwrap_or(call_weight);
        *used = used.saturating_add(call_used);
        Self::deposit_event(Event::Dispatched {
            task: address,
            id,
            result: result.map(|_| ()).map_err(|e| e.error),
        });
        match task.maybe_periodic {
            Some((period, count)) => {
                let mut next = task;
                next.maybe_periodic = (count > 1).then_some((period, count - 1));
                if let Some(id) = id {
                    Lookup::remove(id);
                }
                if Self::place_task(now.saturating_add(period), next.clone()).is_err() {
                    Self::finish(&next);
                    Self::deposit_event(Event::PeriodicFailed { task: address, id });
                }
            }
            None => Self::finish(&task),
        }
        Outcome::Done
    }

    /// Forgets a task that will not run again.
    fn finish(task: &Scheduled) {
        if let Some(id) = task.maybe_id {
            Lookup::remove(id);
        }
        if task.call.lookup_needed() {
            T::Preimages::unrequest(&task.call.hash());
        }
    }
}

impl<T: Config> ScheduleNamed for Pallet<T> {
    fn schedule_named(
        id: TaskName,
        when: DispatchTime,
        priority: u8,
        origin: RawOrigin,
        call: Bounded,
    ) -> DispatchResult {
        Self::do_schedule(Some(id), when, None, priority, OriginCaller::system(origin), call)
            .map(|_| ())
    }

    fn cancel_named(id: TaskName) -> DispatchResult {
        Self::do_cancel_named(id)
    }

    fn next_dispatch_time(id: TaskName) -> Option<BlockNumber> {
        Lookup::get(id).map(|(when, _)| when)
    }
}

impl<T: Config> Pallet<T> {
    /// Describes the pallet for metadata.
    pub fn metadata() -> PalletMeta {
        PalletMeta {
            storage: storage_metadata::<T>(),
            calls: Some(scale_info::meta_type::<Call<<T as Config>::RuntimeCall>>()),
            event: Some(scale_info::meta_type::<Event>()),
            error: Some(scale_info::meta_type::<Error<T>>()),
            constants: alloc::vec![
                ConstantMeta::new(
                    "MaximumWeight",
                    &T::MAXIMUM_WEIGHT,
                    &["The most weight the scheduled calls of one block may use."],
                ),
                ConstantMeta::new(
                    "MaxScheduledPerBlock",
                    &T::MAX_SCHEDULED_PER_BLOCK,
                    &["The most tasks one block's agenda may hold."],
                ),
            ],
            docs: &["Calls dispatched at a later block, named or anonymous, once or periodically."],
        }
    }
}
