//! Tests of the preimage pallet: deposits, requests and their counting, the trait other
//! pallets use.

use crate::mock::*;
use crate::{Call, Error, Event, PreimageFor, RequestStatus, RequestStatusFor};
use lux_primitives::H256;
use lux_support::governance::{Bounded, QueryPreimage, StorePreimage};
use lux_support::traits::ReservableCurrency;
use lux_support::{DispatchError, Pays, RawOrigin};

fn hash_of(bytes: &[u8]) -> H256 {
    H256(lux_io::hashing::blake2_256(bytes))
}

fn note(who: RawOrigin, bytes: &[u8]) -> Result<Pays, DispatchError> {
    Call::note_preimage { bytes: bytes.to_vec() }
        .dispatch::<Test>(who)
        .map(|post| post.pays_fee)
        .map_err(|e| e.error)
}

fn signed(n: u8) -> RawOrigin {
    RawOrigin::Signed(account(n))
}

#[test]
fn noting_reserves_a_deposit_per_byte_and_unnoting_returns_it() {
    new_test_ext().execute_with(|| {
        let bytes = b"hello".to_vec();
        let hash = hash_of(&bytes);
        assert_eq!(note(signed(1), &bytes), Ok(Pays::Yes));
        assert_eq!(Balances::reserved_balance(&account(1)), BASE + 5 * PER_BYTE);
        assert_eq!(Balances::free_balance(&account(1)), 100 - 7);
        assert_eq!(Preimage::fetch(&hash, None), Some(bytes.clone()));
        assert_eq!(Preimage::len(&hash), Some(5));
        assert_eq!(events(), vec![Event::Noted { hash }]);

        assert_eq!(note(signed(2), &bytes), Err(Error::<Test>::AlreadyNoted.into()));
        // Only the noter (or root) takes it away.
        assert_eq!(
            Call::unnote_preimage { hash }.dispatch::<Test>(signed(2)).map_err(|e| e.error),
            Err(Error::<Test>::NotAuthorized.into())
        );
        Call::unnote_preimage { hash }.dispatch::<Test>(signed(1)).expect("unnoted");
        assert_eq!(Balances::reserved_balance(&account(1)), 0);
        assert_eq!(Balances::free_balance(&account(1)), 100);
        assert_eq!(Preimage::fetch(&hash, None), None);
        assert!(!PreimageFor::contains_key((hash, 5)));
        assert!(!RequestStatusFor::contains_key(hash));
        assert_eq!(
            Call::unnote_preimage { hash }.dispatch::<Test>(signed(1)).map_err(|e| e.error),
            Err(Error::<Test>::NotNoted.into())
        );
    });
}

#[test]
fn a_deposit_the_noter_cannot_afford_fails_and_changes_nothing() {
    new_test_ext().execute_with(|| {
        let bytes = vec![7u8; 200];
        assert!(note(signed(1), &bytes).is_err());
        assert_eq!(Balances::reserved_balance(&account(1)), 0);
        assert!(!RequestStatusFor::contains_key(hash_of(&bytes)));
    });
}

#[test]
fn a_requested_preimage_is_noted_for_free_and_kept_until_the_last_request_goes() {
    new_test_ext().execute_with(|| {
        let bytes = b"call".to_vec();
        let hash = hash_of(&bytes);
        // Root and other pallets request before anyone notes.
        Call::request_preimage { hash }.dispatch::<Test>(RawOrigin::Root).expect("requested");
        Preimage::request(&hash);
        assert!(Preimage::is_requested(&hash));
        assert_eq!(Preimage::len(&hash), None);
        assert_eq!(note(signed(1), &bytes), Ok(Pays::No));
        assert_eq!(Balances::reserved_balance(&account(1)), 0);
        assert_eq!(Preimage::fetch(&hash, Some(4)), Some(bytes.clone()));
        assert_eq!(Preimage::fetch(&hash, Some(5)), None, "the length is part of the key");

        Call::unrequest_preimage { hash }.dispatch::<Test>(RawOrigin::Root).expect("unrequested");
        assert_eq!(Preimage::fetch(&hash, None), Some(bytes.clone()), "one request left");
        Preimage::unrequest(&hash);
        assert_eq!(Preimage::fetch(&hash, None), None);
        assert!(!RequestStatusFor::contains_key(hash));
        assert_eq!(
            Call::unrequest_preimage { hash }
                .dispatch::<Test>(RawOrigin::Root)
                .map_err(|e| e.error),
            Err(Error::<Test>::NotRequested.into())
        );
    });
}

#[test]
fn a_request_frees_the_deposit_and_the_bytes_stay_while_requested() {
    new_test_ext().execute_with(|| {
        let bytes = b"proposal".to_vec();
        let hash = hash_of(&bytes);
        note(signed(1), &bytes).expect("noted");
        Preimage::request(&hash);
        assert_eq!(
            RequestStatusFor::get(hash),
            Some(RequestStatus::Requested {
                maybe_ticket: Some((account(1), BASE + 8 * PER_BYTE)),
                count: 1,
                maybe_len: Some(8)
            })
        );
        // The noter takes the deposit back; the request keeps the bytes.
        Call::unnote_preimage { hash }.dispatch::<Test>(signed(1)).expect("deposit back");
        assert_eq!(Balances::reserved_balance(&account(1)), 0);
        assert_eq!(Preimage::fetch(&hash, None), Some(bytes.clone()));
        assert_eq!(
            Call::unnote_preimage { hash }.dispatch::<Test>(RawOrigin::Root).map_err(|e| e.error),
            Err(Error::<Test>::Requested.into())
        );
        Preimage::unrequest(&hash);
        assert_eq!(Preimage::fetch(&hash, None), None);
    });
}

#[test]
fn a_deposit_outlives_the_request() {
    new_test_ext().execute_with(|| {
        let bytes = b"kept".to_vec();
        let hash = hash_of(&bytes);
        note(signed(1), &bytes).expect("noted");
        Preimage::request(&hash);
        Preimage::unrequest(&hash);
        assert_eq!(
            RequestStatusFor::get(hash),
            Some(RequestStatus::Unrequested { ticket: (account(1), BASE + 4 * PER_BYTE), len: 4 })
        );
        assert_eq!(Preimage::fetch(&hash, None), Some(bytes));
    });
}

#[test]
fn only_root_requests_and_nobody_unsigned_notes() {
    new_test_ext().execute_with(|| {
        let hash = hash_of(b"x");
        assert_eq!(
            Call::request_preimage { hash }.dispatch::<Test>(signed(1)).map_err(|e| e.error),
            Err(DispatchError::BadOrigin)
        );
        assert_eq!(note(RawOrigin::None, b"x"), Err(DispatchError::BadOrigin));
        // Root notes without a deposit; the preimage is then held as requested once.
        assert_eq!(note(RawOrigin::Root, b"x"), Ok(Pays::No));
        assert!(Preimage::is_requested(&hash));
    });
}

#[test]
fn too_big_preimages_are_refused() {
    new_test_ext().execute_with(|| {
        let bytes = vec![0u8; crate::MAX_SIZE as usize + 1];
        assert_eq!(note(RawOrigin::Root, &bytes), Err(Error::<Test>::TooBig.into()));
    });
}

#[test]
fn bound_keeps_short_calls_inline_and_notes_long_ones() {
    new_test_ext().execute_with(|| {
        let short = vec![1u8; 128];
        assert_eq!(Preimage::bound(short.clone()), Ok(Bounded::Inline(short)));
        let long = vec![2u8; 129];
        let bounded = Preimage::bound(long.clone()).expect("noted");
        assert_eq!(bounded, Bounded::Lookup { hash: hash_of(&long), len: 129 });
        assert_eq!(Preimage::fetch(&bounded.hash(), Some(bounded.len())), Some(long));
        assert!(Preimage::is_requested(&bounded.hash()));
    });
}
