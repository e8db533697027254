//! The runtime's metadata, in frame-metadata V14 and V15: every pallet's calls, events,
//! errors, storage and constants, the extrinsic format with its signed extensions, and (V15)
//! the runtime APIs. Clients build their types and encoders from it.

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use codec::{Compact, Encode};
use frame_metadata::{v14, v15, RuntimeMetadataPrefixed};
use lux_primitives::{AccountId20, Era, EthereumSignature, Nonce, SignedExtra, H256};
use lux_support::hash::HasherKind;
use lux_support::metadata::PalletMeta;
use lux_support::storage::{StorageEntryMeta, StorageEntryType, StorageModifier};
use scale_info::{meta_type, MetaType};

use crate::{AllPallets, Runtime, RuntimeCall, RuntimeError, RuntimeEvent, UncheckedExtrinsic};

/// Versions of the metadata this runtime provides.
pub const VERSIONS: [u32; 2] = [14, 15];

fn pallets() -> Vec<(u8, &'static str, PalletMeta)> {
    AllPallets::metadata()
}

/// The signed extensions: identifier, explicit type, implicit (signed, not sent) type.
fn signed_extensions() -> Vec<(&'static str, MetaType, MetaType)> {
    vec![
        ("CheckNonZeroSender", meta_type::<()>(), meta_type::<()>()),
        ("CheckSpecVersion", meta_type::<()>(), meta_type::<u32>()),
        ("CheckTxVersion", meta_type::<()>(), meta_type::<u32>()),
        ("CheckGenesis", meta_type::<()>(), meta_type::<H256>()),
        ("CheckMortality", meta_type::<Era>(), meta_type::<H256>()),
        ("CheckNonce", meta_type::<Compact<Nonce>>(), meta_type::<()>()),
        ("CheckWeight", meta_type::<()>(), meta_type::<()>()),
        ("ChargeTransactionPayment", meta_type::<Compact<u128>>(), meta_type::<()>()),
    ]
}

fn hasher(kind: HasherKind) -> v14::StorageHasher {
    match kind {
        HasherKind::Blake2_128 => v14::StorageHasher::Blake2_128,
        HasherKind::Blake2_256 => v14::StorageHasher::Blake2_256,
        HasherKind::Blake2_128Concat => v14::StorageHasher::Blake2_128Concat,
        HasherKind::Twox128 => v14::StorageHasher::Twox128,
        HasherKind::Twox256 => v14::StorageHasher::Twox256,
        HasherKind::Twox64Concat => v14::StorageHasher::Twox64Concat,
        HasherKind::Identity => v14::StorageHasher::Identity,
    }
}

fn storage_entry(entry: StorageEntryMeta) -> v14::StorageEntryMetadata {
    v14::StorageEntryMetadata {
        name: entry.name,
        modifier: match entry.modifier {
            StorageModifier::Optional => v14::StorageEntryModifier::Optional,
            StorageModifier::Default => v14::StorageEntryModifier::Default,
        },
        ty: match entry.ty {
            StorageEntryType::Plain(ty) => v14::StorageEntryType::Plain(ty),
            StorageEntryType::Map { hashers, key, value } => v14::StorageEntryType::Map {
                hashers: hashers.into_iter().map(hasher).collect(),
                key,
                value,
            },
        },
        default: entry.default,
        docs: entry.docs,
    }
}

fn storage(
    name: &'static str,
    entries: Vec<StorageEntryMeta>,
) -> Option<v14::PalletStorageMetadata> {
    (!entries.is_empty()).then(|| v14::PalletStorageMetadata {
        prefix: name,
        entries: entries.into_iter().map(storage_entry).collect(),
    })
}

fn constants(meta: &mut PalletMeta) -> Vec<v14::PalletConstantMetadata> {
    core::mem::take(&mut meta.constants)
        .into_iter()
        .map(|c| v14::PalletConstantMetadata {
            name: c.name,
            ty: c.ty,
            value: c.value,
            docs: c.docs.to_vec(),
        })
        .collect()
}

/// Metadata V14.
pub fn v14() -> RuntimeMetadataPrefixed {
    let pallets = pallets()
        .into_iter()
        .map(|(index, name, mut meta)| v14::PalletMetadata {
            name,
            constants: constants(&mut meta),
            storage: storage(name, meta.storage),
            calls: meta.calls.map(|ty| v14::PalletCallMetadata { ty }),
            event: meta.event.map(|ty| v14::PalletEventMetadata { ty }),
            error: meta.error.map(|ty| v14::PalletErrorMetadata { ty }),
            index,
        })
        .collect();
    let extrinsic = v14::ExtrinsicMetadata {
        ty: meta_type::<UncheckedExtrinsic>(),
        version: lux_primitives::extrinsic::EXTRINSIC_FORMAT_VERSION,
        signed_extensions: signed_extensions()
            .into_iter()
            .map(|(identifier, ty, additional_signed)| v14::SignedExtensionMetadata {
                identifier,
                ty,
                additional_signed,
            })
            .collect(),
    };
    v14::RuntimeMetadataV14::new(pallets, extrinsic, meta_type::<Runtime>()).into()
}

/// Docs of the runtime APIs.
fn api_docs(api: &str) -> &'static [&'static str] {
    match api {
        "Core" => &["The version of the runtime, and executing and starting blocks."],
        "Metadata" => &["The runtime's metadata."],
        "BlockBuilder" => &["Building blocks: applying extrinsics, inherents, finalizing."],
        "TaggedTransactionQueue" => &["Validating transactions for the pool."],
        "AccountNonceApi" => &["The next nonce of an account."],
        "TransactionPaymentApi" => &["What an extrinsic costs."],
        "GenesisBuilder" => &["Building the genesis state from a JSON config and presets."],
        "LuxConsensusApi" => {
            &["LuxTensor's consensus parameters: slot duration, authorities and epochs."]
        }
        "EthereumApi" => &["The Ethereum view of the chain, for the Ethereum JSON-RPC."],
        _ => &[],
    }
}

fn apis() -> Vec<v15::RuntimeApiMetadata> {
    let mut apis: Vec<v15::RuntimeApiMetadata> = Vec::new();
    for f in crate::apis::api_functions_metadata() {
        let method = v15::RuntimeApiMethodMetadata {
            name: f.method,
            inputs: f
                .inputs
                .into_iter()
                .map(|(name, ty)| v15::RuntimeApiMethodParamMetadata { name, ty })
                .collect(),
            output: f.output,
            docs: f.docs.to_vec(),
        };
        match apis.iter_mut().find(|a| a.name == f.api) {
            Some(api) => api.methods.push(method),
            None => apis.push(v15::RuntimeApiMetadata {
                name: f.api,
                methods: vec![method],
                docs: api_docs(f.api).to_vec(),
            }),
        }
    }
    apis
}

/// Metadata V15.
pub fn v15() -> RuntimeMetadataPrefixed {
    let pallets = pallets()
        .into_iter()
        .map(|(index, name, mut meta)| v15::PalletMetadata {
            name,
            constants: constants(&mut meta),
            storage: storage(name, meta.storage),
            calls: meta.calls.map(|ty| v14::PalletCallMetadata { ty }),
            event: meta.event.map(|ty| v14::PalletEventMetadata { ty }),
            error: meta.error.map(|ty| v14::PalletErrorMetadata { ty }),
            index,
            docs: meta.docs.to_vec(),
        })
        .collect();
    let extrinsic = v15::ExtrinsicMetadata {
        version: lux_primitives::extrinsic::EXTRINSIC_FORMAT_VERSION,
        address_ty: meta_type::<AccountId20>(),
        call_ty: meta_type::<RuntimeCall>(),
        signature_ty: meta_type::<EthereumSignature>(),
        extra_ty: meta_type::<SignedExtra>(),
        signed_extensions: signed_extensions()
            .into_iter()
            .map(|(identifier, ty, additional_signed)| v15::SignedExtensionMetadata {
                identifier,
                ty,
                additional_signed,
            })
            .collect(),
    };
    let outer_enums = v15::OuterEnums {
        call_enum_ty: meta_type::<RuntimeCall>(),
        event_enum_ty: meta_type::<RuntimeEvent>(),
        error_enum_ty: meta_type::<RuntimeError>(),
    };
    v15::RuntimeMetadataV15::new(
        pallets,
        extrinsic,
        meta_type::<Runtime>(),
        apis(),
        outer_enums,
        v15::CustomMetadata { map: BTreeMap::new() },
    )
    .into()
}

/// The metadata of `version`, encoded, if this runtime provides it.
pub fn at_version(version: u32) -> Option<Vec<u8>> {
    match version {
        14 => Some(v14().encode()),
        15 => Some(v15().encode()),
        _ => None,
    }
}
