//! Pallet errors: each pallet's `Error<T>` becomes `DispatchError::Module { index, error }`,
//! where `index` is the pallet's index in the runtime, found through [`PalletInfo`].

/// Maps a pallet's marker type (`Pallet<Runtime>`) to its index and name in the runtime.
pub trait PalletInfo: 'static {
    /// The pallet's index.
    fn index<P: 'static>() -> Option<usize>;
    /// The pallet's name.
    fn name<P: 'static>() -> Option<&'static str>;
}

/// The variant that keeps an `Error<T>` generic without ever being constructed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Never {}

/// Declares a pallet's `Error<T>` enum and its conversion into `DispatchError::Module`.
///
/// Requires a `Pallet<T>` marker type in scope; `Config` must (indirectly) extend
/// `pallet_system::Config`, whose `PalletInfo` gives the pallet's index.
#[macro_export]
macro_rules! pallet_error {
    (
        $(#[doc = $edoc:expr])*
        pub enum Error<T: $config:path> {
            $( $(#[doc = $doc:expr])* $variant:ident, )*
        }
    ) => {
        $(#[doc = $edoc])*
        #[derive($crate::codec::Encode, $crate::codec::Decode, $crate::scale_info::TypeInfo)]
        #[codec(crate = $crate::codec)]
        #[scale_info(skip_type_params(T), crate = $crate::scale_info)]
        pub enum Error<T> {
            $( $(#[doc = $doc])* $variant, )*
            #[doc(hidden)]
            #[codec(skip)]
            __Ignore(::core::marker::PhantomData<T>, $crate::error::Never),
        }

        impl<T> Error<T> {
            /// The error's name.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Self::$variant => stringify!($variant), )*
                    Self::__Ignore(_, never) => match *never {},
                }
            }
        }

        impl<T> ::core::fmt::Debug for Error<T> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl<T> ::core::cmp::PartialEq for Error<T> {
            fn eq(&self, other: &Self) -> bool {
                self.name() == other.name()
            }
        }

        impl<T> ::core::cmp::Eq for Error<T> {}

        impl<T> ::core::clone::Clone for Error<T> {
            fn clone(&self) -> Self {
                match self {
                    $( Self::$variant => Self::$variant, )*
                    Self::__Ignore(_, never) => match *never {},
                }
            }
        }

        impl<T: $config> From<Error<T>> for $crate::DispatchError {
            fn from(e: Error<T>) -> Self {
                // A pallet that is not part of the runtime cannot dispatch, so the index is
                // always found; u8::MAX marks the impossible case instead of panicking.
                let index = <T::PalletInfo as $crate::PalletInfo>::index::<Pallet<T>>()
                    .map(|i| i as u8)
                    .unwrap_or(u8::MAX);
                let error = $crate::codec::Encode::using_encoded(&e, |b| b.first().copied().unwrap_or(0));
                $crate::DispatchError::Module($crate::primitives::dispatch::ModuleError {
                    index,
                    error: [error, 0, 0, 0],
                    message: Some(e.name()),
                })
            }
        }
    };
}
