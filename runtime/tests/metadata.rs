//! The metadata, decoded with frame-metadata as clients decode it: every pallet, call, event,
//! error, storage item, constant, signed extension and runtime API must be described.

use codec::{Decode, Encode};
use frame_metadata::{v14, v15, RuntimeMetadata, RuntimeMetadataPrefixed, META_RESERVED};
use lux_primitives::OpaqueMetadata;
use scale_info::{PortableRegistry, TypeDef};

fn call(method: &str, input: &[u8]) -> Vec<u8> {
    let mut ext = lux_io::TestExternalities::default();
    ext.execute_with(|| luxtensor_runtime::apis::dispatch(method, input))
        .expect("the function exists")
        .expect("the input decodes")
}

fn metadata(version: u32) -> RuntimeMetadataPrefixed {
    let output = call("Metadata_metadata_at_version", &version.encode());
    let opaque =
        Option::<OpaqueMetadata>::decode(&mut &output[..]).expect("decodes").expect("provided");
    let prefixed = RuntimeMetadataPrefixed::decode(&mut &opaque.0[..]).expect("valid metadata");
    assert_eq!(prefixed.0, META_RESERVED, "starts with the `meta` magic");
    prefixed
}

fn v14() -> v14::RuntimeMetadataV14 {
    match metadata(14).1 {
        RuntimeMetadata::V14(m) => m,
        _ => panic!("version 14 asked, another given"),
    }
}

fn v15() -> v15::RuntimeMetadataV15 {
    match metadata(15).1 {
        RuntimeMetadata::V15(m) => m,
        _ => panic!("version 15 asked, another given"),
    }
}

fn variants(types: &PortableRegistry, id: u32) -> Vec<String> {
    match &types.resolve(id).expect("type exists").type_def {
        TypeDef::Variant(v) => v.variants.iter().map(|v| v.name.clone()).collect(),
        other => panic!("expected an enum, got {other:?}"),
    }
}

fn path(types: &PortableRegistry, id: u32) -> String {
    types.resolve(id).expect("type exists").path.segments.join("::")
}

#[test]
fn versions_and_the_default_metadata() {
    let versions = call("Metadata_metadata_versions", &[]);
    assert_eq!(Vec::<u32>::decode(&mut &versions[..]).expect("decodes"), vec![14, 15]);
    let default =
        OpaqueMetadata::decode(&mut &call("Metadata_metadata", &[])[..]).expect("decodes");
    assert_eq!(default.0, metadata(14).encode(), "Metadata_metadata is V14");
    let none = call("Metadata_metadata_at_version", &16u32.encode());
    assert_eq!(Option::<OpaqueMetadata>::decode(&mut &none[..]).expect("decodes"), None);
}

#[test]
fn every_pallet_is_described() {
    let m = v14();
    let pallet =
        |name: &str| m.pallets.iter().find(|p| p.name == name).unwrap_or_else(|| panic!("{name}"));
    for (index, name) in luxtensor_runtime::PALLETS {
        assert_eq!(pallet(name).index, *index, "{name}");
    }
    let calls = |name: &str| variants(&m.types, pallet(name).calls.as_ref().expect("calls").ty.id);
    let events =
        |name: &str| variants(&m.types, pallet(name).event.as_ref().expect("events").ty.id);
    let errors =
        |name: &str| variants(&m.types, pallet(name).error.as_ref().expect("errors").ty.id);
    assert_eq!(
        calls("System"),
        [
            "remark",
            "set_code",
            "set_storage",
            "kill_storage",
            "remark_with_event",
            "authorize_upgrade",
            "authorize_upgrade_without_checks",
            "apply_authorized_upgrade"
        ]
    );
    assert_eq!(
        calls("Scheduler"),
        [
            "schedule",
            "cancel",
            "schedule_named",
            "cancel_named",
            "schedule_after",
            "schedule_named_after"
        ]
    );
    assert_eq!(
        calls("Preimage"),
        ["note_preimage", "unnote_preimage", "request_preimage", "unrequest_preimage"]
    );
    assert!(events("System").contains(&"UpgradeAuthorized".to_string()));
    assert!(events("Scheduler").contains(&"Dispatched".to_string()));
    assert_eq!(events("Preimage"), ["Noted", "Requested", "Cleared"]);
    assert_eq!(calls("ConvictionVoting"), ["vote", "unlock", "remove_vote", "remove_other_vote"]);
    assert_eq!(
        calls("Referenda"),
        [
            "submit",
            "place_decision_deposit",
            "refund_decision_deposit",
            "cancel",
            "kill",
            "nudge_referendum",
            "one_fewer_deciding",
            "refund_submission_deposit",
            "set_metadata"
        ]
    );
    for event in
        ["Submitted", "DecisionStarted", "ConfirmStarted", "Confirmed", "Approved", "Rejected"]
    {
        assert!(events("Referenda").contains(&event.to_string()), "{event}");
    }
    assert_eq!(calls("Timestamp"), ["set"]);
    assert_eq!(
        calls("Balances"),
        [
            "transfer_allow_death",
            "force_transfer",
            "transfer_keep_alive",
            "transfer_all",
            "force_set_balance"
        ]
    );
    assert_eq!(
        calls("Sudo"),
        ["sudo", "sudo_unchecked_weight", "set_key", "sudo_as", "remove_key"]
    );
    assert!(events("System").contains(&"ExtrinsicFailed".to_string()));
    assert_eq!(
        events("Balances"),
        [
            "Endowed",
            "DustLost",
            "Transfer",
            "BalanceSet",
            "Deposit",
            "Withdraw",
            "Slashed",
            "Reserved",
            "Unreserved"
        ]
    );
    assert_eq!(calls("Session"), ["set_keys", "purge_keys", "report_equivocation"]);
    assert_eq!(
        calls("Staking"),
        [
            "bond",
            "bond_extra",
            "unbond",
            "withdraw_unbonded",
            "validate",
            "nominate",
            "chill",
            "set_payee",
            "set_validator_count",
            "force_no_eras",
            "force_new_era",
            "set_invulnerables",
            "force_new_era_always",
            "cancel_deferred_slash",
            "payout_stakers",
            "rebond",
            "set_staking_configs"
        ]
    );
    for event in ["Bonded", "Unbonded", "Withdrawn", "Rewarded", "Slashed", "EraPaid"] {
        assert!(events("Staking").contains(&event.to_string()), "{event}");
    }
    assert!(events("Session").contains(&"NewSession".to_string()));
    assert_eq!(events("TransactionPayment"), ["TransactionFeePaid"]);
    assert_eq!(
        errors("Balances"),
        ["InsufficientBalance", "ExistentialDeposit", "Expendability", "LiquidityRestrictions"]
    );
    assert_eq!(errors("Sudo"), ["RequireSudo"]);

    let storage = |name: &str| -> Vec<String> {
        pallet(name)
            .storage
            .as_ref()
            .map(|s| s.entries.iter().map(|e| e.name.clone()).collect())
            .unwrap_or_default()
    };
    for item in [
        "Account",
        "Number",
        "ParentHash",
        "BlockHash",
        "Events",
        "EventCount",
        "Digest",
        "LastRuntimeUpgrade",
    ] {
        assert!(storage("System").contains(&item.to_string()), "System.{item}");
    }
    assert_eq!(storage("Balances"), ["TotalIssuance", "Locks"]);
    assert_eq!(storage("Sudo"), ["Key"]);
    assert_eq!(storage("Scheduler"), ["IncompleteSince", "Agenda", "Lookup"]);
    assert_eq!(storage("Preimage"), ["RequestStatusFor", "PreimageFor"]);
    assert!(storage("System").contains(&"AuthorizedUpgrade".to_string()));
    for item in ["Validators", "CurrentIndex", "QueuedKeys", "NextKeys", "KeyOwner", "Epoch"] {
        assert!(storage("Session").contains(&item.to_string()), "Session.{item}");
    }
    for item in [
        "Ledger",
        "Bonded",
        "Payee",
        "Validators",
        "Nominators",
        "CurrentEra",
        "ActiveEra",
        "ErasStakers",
        "ErasRewardPoints",
        "ErasValidatorReward",
        "UnappliedSlashes",
    ] {
        assert!(storage("Staking").contains(&item.to_string()), "Staking.{item}");
    }
    let account = pallet("System")
        .storage
        .as_ref()
        .expect("storage")
        .entries
        .iter()
        .find(|e| e.name == "Account")
        .expect("Account");
    match &account.ty {
        v14::StorageEntryType::Map { hashers, key, .. } => {
            assert_eq!(hashers, &vec![v14::StorageHasher::Blake2_128Concat]);
            assert_eq!(path(&m.types, key.id), "account::AccountId20");
        }
        _ => panic!("System.Account is a map"),
    }
    assert_eq!(account.modifier, v14::StorageEntryModifier::Default);
    assert!(!account.docs.is_empty(), "docs come from the doc comments");

    let constant = |pallet_name: &str, name: &str| {
        pallet(pallet_name)
            .constants
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{pallet_name}.{name}"))
            .value
            .clone()
    };
    let version = lux_primitives::RuntimeVersion::decode(&mut &constant("System", "Version")[..])
        .expect("decodes");
    assert_eq!(version, luxtensor_runtime::VERSION);
    assert_eq!(
        u128::decode(&mut &constant("Balances", "ExistentialDeposit")[..]).expect("decodes"),
        luxtensor_runtime::configs::EXISTENTIAL_DEPOSIT
    );
    assert_eq!(u32::decode(&mut &constant("System", "BlockHashCount")[..]).expect("decodes"), 4096);
    assert_eq!(u64::decode(&mut &constant("Timestamp", "MinimumPeriod")[..]).expect("decodes"), 50);
}

#[test]
fn the_extrinsic_format_is_described() {
    let m = v14();
    assert_eq!(m.extrinsic.version, 4);
    let identifiers: Vec<&str> =
        m.extrinsic.signed_extensions.iter().map(|e| e.identifier.as_str()).collect();
    assert_eq!(identifiers, lux_primitives::extrinsic::SIGNED_EXTENSIONS);
    let ty = m.types.resolve(m.extrinsic.ty.id).expect("extrinsic type");
    assert_eq!(
        ty.path.segments.join("::"),
        "sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic"
    );
    let params: Vec<(String, String)> = ty
        .type_params
        .iter()
        .map(|p| (p.name.clone(), p.ty.map(|t| path(&m.types, t.id)).unwrap_or_default()))
        .collect();
    assert_eq!(params[0], ("Address".to_string(), "account::AccountId20".to_string()));
    assert_eq!(params[1], ("Call".to_string(), "luxtensor_runtime::RuntimeCall".to_string()));
    assert_eq!(params[2], ("Signature".to_string(), "account::EthereumSignature".to_string()));
    let event_record = m
        .types
        .types
        .iter()
        .find(|t| t.ty.path.segments.last().map(String::as_str) == Some("EventRecord"))
        .expect("EventRecord");
    assert_eq!(event_record.ty.path.segments.join("::"), "frame_system::EventRecord");
    assert!(m
        .types
        .types
        .iter()
        .any(|t| t.ty.path.segments.join("::") == "sp_weights::weight_v2::Weight"));
}

#[test]
fn v15_describes_the_runtime_apis_and_outer_enums() {
    let m = v15();
    let api =
        |name: &str| m.apis.iter().find(|a| a.name == name).unwrap_or_else(|| panic!("{name}"));
    let methods = |name: &str| api(name).methods.iter().map(|m| m.name.clone()).collect::<Vec<_>>();
    assert_eq!(methods("Core"), ["version", "execute_block", "initialize_block"]);
    assert_eq!(methods("Metadata"), ["metadata", "metadata_at_version", "metadata_versions"]);
    assert_eq!(
        methods("BlockBuilder"),
        ["apply_extrinsic", "finalize_block", "inherent_extrinsics", "check_inherents"]
    );
    assert_eq!(methods("TaggedTransactionQueue"), ["validate_transaction"]);
    assert_eq!(methods("AccountNonceApi"), ["account_nonce"]);
    assert_eq!(
        methods("TransactionPaymentApi"),
        ["query_info", "query_fee_details", "query_weight_to_fee", "query_length_to_fee"]
    );
    assert_eq!(methods("GenesisBuilder"), ["build_state", "get_preset", "preset_names"]);
    let query_info = &api("TransactionPaymentApi").methods[0];
    assert_eq!(
        query_info.inputs.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
        ["uxt", "len"]
    );
    assert_eq!(path(&m.types, m.extrinsic.address_ty.id), "account::AccountId20");
    assert_eq!(path(&m.types, m.extrinsic.signature_ty.id), "account::EthereumSignature");
    assert_eq!(path(&m.types, m.outer_enums.call_enum_ty.id), "luxtensor_runtime::RuntimeCall");
    assert_eq!(path(&m.types, m.outer_enums.event_enum_ty.id), "luxtensor_runtime::RuntimeEvent");
    assert_eq!(
        variants(&m.types, m.outer_enums.error_enum_ty.id),
        [
            "System",
            "Timestamp",
            "Balances",
            "Session",
            "Sudo",
            "Staking",
            "Scheduler",
            "Preimage",
            "ConvictionVoting",
            "Referenda",
            "EVM",
            "Ethereum"
        ]
    );
    assert!(m.pallets.iter().all(|p| !p.docs.is_empty()), "every pallet has docs");
}
