//! Runtime API functions, defined once and exposed both as wasm exports and natively.

/// Defines runtime API functions.
///
/// ```ignore
/// lux_support::runtime_apis! {
///     /// Returns the runtime version.
///     fn Core_version() -> RuntimeVersion { VERSION }
/// }
/// ```
///
/// Each function is generated as a plain Rust function, plus:
/// - compiled to wasm (`std` off), an export with the same name and the Host API's signature
///   `(ptr: i32, len: i32) -> i64`: the arguments are decoded from the SCALE-encoded tuple at
///   `ptr..ptr+len` (exactly, with the extrinsic depth limit), the result is encoded into a
///   buffer of the runtime's heap and returned as `len << 32 | ptr`; bad input panics, which
///   the host reports as an error of that call;
/// - compiled natively, a `dispatch(method, input)` function doing the same without wasm, so
///   tests can execute blocks natively and compare with the wasm execution.
#[macro_export]
macro_rules! runtime_apis {
    (
        $(
            $(#[doc = $doc:expr])*
            fn $name:ident ( $( $arg:ident : $ty:ty ),* $(,)? ) -> $ret:ty $body:block
        )*
    ) => {
        $(
            $(#[doc = $doc])*
            #[allow(non_snake_case)]
            pub fn $name( $( $arg : $ty ),* ) -> $ret $body
        )*

        /// Names of the runtime API functions this runtime exports.
        pub const API_FUNCTIONS: &[&str] = &[$(stringify!($name)),*];

        /// Describes every runtime API function (for metadata V15).
        pub fn api_functions_metadata() -> ::alloc::vec::Vec<$crate::metadata::RuntimeApiFunctionMeta> {
            ::alloc::vec![
                $({
                    let (api, method) = stringify!($name).split_once('_').unwrap_or((stringify!($name), ""));
                    $crate::metadata::RuntimeApiFunctionMeta {
                        api,
                        method,
                        inputs: ::alloc::vec![$((stringify!($arg), $crate::scale_info::meta_type::<$ty>())),*],
                        output: $crate::scale_info::meta_type::<$ret>(),
                        docs: &[$($doc),*],
                    }
                }),*
            ]
        }

        /// Runs runtime API function `method` natively on SCALE-encoded `input`. `None` if
        /// there is no such function.
        #[cfg(feature = "std")]
        pub fn dispatch(
            method: &str,
            input: &[u8],
        ) -> Option<Result<::std::vec::Vec<u8>, $crate::codec::Error>> {
            match method {
                $(
                    stringify!($name) => Some((|| {
                        let ($($arg,)*): ($($ty,)*) =
                            <_ as $crate::codec::DecodeLimit>::decode_all_with_depth_limit(
                                $crate::primitives::extrinsic::MAX_EXTRINSIC_DEPTH,
                                &mut &input[..],
                            )?;
                        Ok($crate::codec::Encode::encode(&$name($($arg),*)))
                    })()),
                )*
                _ => None,
            }
        }

        /// The wasm exports.
        #[cfg(not(feature = "std"))]
        pub mod api_exports {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[allow(non_snake_case)]
                #[no_mangle]
                pub extern "C" fn $name(ptr: u32, len: u32) -> u64 {
                    let input: &[u8] = if len == 0 {
                        &[]
                    } else {
                        // SAFETY: the host wrote `len` bytes at `ptr` in our heap for this call.
                        unsafe { ::core::slice::from_raw_parts(ptr as *const u8, len as usize) }
                    };
                    #[allow(unused_parens)]
                    let ($($arg,)*): ($($ty,)*) =
                        match <_ as $crate::codec::DecodeLimit>::decode_all_with_depth_limit(
                            $crate::primitives::extrinsic::MAX_EXTRINSIC_DEPTH,
                            &mut &input[..],
                        ) {
                            Ok(args) => args,
                            Err(e) => panic!(
                                "Bad input data provided to {}: {}",
                                stringify!($name),
                                e
                            ),
                        };
                    let output = $crate::codec::Encode::encode(&super::$name($($arg),*));
                    let result = $crate::io::pack_ptr_len(output.as_ptr() as u32, output.len() as u32);
                    // The host reads the buffer, then resets the heap or frees it.
                    ::core::mem::forget(output);
                    result
                }
            )*
        }
    };
}
