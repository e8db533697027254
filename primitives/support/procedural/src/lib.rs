//! Procedural macros of the LuxTensor pallet toolkit, re-exported by `lux-support`.
//!
//! [`construct_runtime!`] turns one declaration of a runtime's pallets into the wiring every
//! runtime needs; see its documentation for the syntax and what it generates.

use std::collections::HashSet;

use proc_macro::TokenStream;
use proc_macro2::{Literal, Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{
    braced, parse_macro_input, AngleBracketedGenericArguments, Attribute, Ident, LitInt, Path,
    Token, Visibility,
};

/// Declares a runtime's pallets once, each on one line with its index (never changed or
/// reused: it is in every call, event and module-error encoding), its crate and its parts:
///
/// ```ignore
/// lux_support::construct_runtime! {
///     /// The runtime: implements every pallet's `Config`.
///     pub struct Runtime;
///
///     System: pallet_system = 0 { Call, Event, Error<Runtime>, Config },
///     Timestamp: pallet_timestamp = 1 { Call, Error<Runtime> },
///     Session: pallet_session = 2 { Config },
///     Sudo: pallet_sudo = 5 { Call<RuntimeCall>, Event, Error<Runtime>, Config },
/// }
/// ```
///
/// Parts are written with the generic arguments of the pallet's type. `Call`, `Event` and
/// `Error` become variants of the outer enums at the pallet's index; their documentation (also
/// in the metadata) is "`<Name>` calls." and so on, or the doc comments written before the part.
/// `Config` adds the pallet's `GenesisConfig` to the runtime's genesis config, as a field named
/// after the pallet (`transactionPayment` in JSON); its `build::<Runtime>()` must return
/// `Result<(), String>`.
///
/// Generated in the invoking module, which must depend on `lux-support`, `parity-scale-codec`
/// (as `codec`), `scale-info` and, with `Config` parts, `serde`:
/// - the runtime struct and a type alias per pallet (`pub type System = pallet_system::Pallet<Runtime>`);
/// - `PALLETS`, the (index, name) list, and `RuntimePalletInfo`, the `PalletInfo` that gives each
///   pallet its index and name;
/// - `RuntimeCall` (with `Dispatchable` and `GetDispatchInfo`), `RuntimeEvent` and `RuntimeError`,
///   and `From` conversions from each pallet's call and event into them;
/// - `AllPallets`: every pallet's `Hooks` in declaration order, and (`AllPallets::metadata()`)
///   every pallet's description for the metadata;
/// - `RuntimeGenesisConfig`, with `build()` writing every pallet's genesis state.
#[proc_macro]
pub fn construct_runtime(input: TokenStream) -> TokenStream {
    let runtime = parse_macro_input!(input as RuntimeDecl);
    match runtime.check() {
        Ok(()) => runtime.expand().into(),
        Err(e) => e.to_compile_error().into(),
    }
}

struct RuntimeDecl {
    attrs: Vec<Attribute>,
    vis: Visibility,
    name: Ident,
    pallets: Vec<PalletDecl>,
}

struct PalletDecl {
    name: Ident,
    krate: Path,
    index: u8,
    index_span: Span,
    parts: Vec<Part>,
}

struct Part {
    docs: Vec<Attribute>,
    kind: Ident,
    generics: Option<AngleBracketedGenericArguments>,
}

impl Parse for RuntimeDecl {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        input.parse::<Token![struct]>()?;
        let name = input.parse()?;
        input.parse::<Token![;]>()?;
        let pallets = Punctuated::<PalletDecl, Token![,]>::parse_terminated(input)?;
        Ok(Self { attrs, vis, name, pallets: pallets.into_iter().collect() })
    }
}

impl Parse for PalletDecl {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name = input.parse()?;
        input.parse::<Token![:]>()?;
        let krate = input.call(Path::parse_mod_style)?;
        input.parse::<Token![=]>()?;
        let index: LitInt = input.parse()?;
        let content;
        braced!(content in input);
        let parts = Punctuated::<Part, Token![,]>::parse_terminated(&content)?;
        Ok(Self {
            name,
            krate,
            index: index.base10_parse()?,
            index_span: index.span(),
            parts: parts.into_iter().collect(),
        })
    }
}

impl Parse for Part {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let docs = input.call(Attribute::parse_outer)?;
        let kind: Ident = input.parse()?;
        let generics = if input.peek(Token![<]) { Some(input.parse()?) } else { None };
        Ok(Self { docs, kind, generics })
    }
}

const PART_KINDS: [&str; 4] = ["Call", "Event", "Error", "Config"];

impl RuntimeDecl {
    /// Names and indices are unique, parts are known and appear once per pallet.
    fn check(&self) -> syn::Result<()> {
        let mut names = HashSet::new();
        let mut indices = HashSet::new();
        for pallet in &self.pallets {
            if !names.insert(pallet.name.to_string()) {
                return Err(syn::Error::new(
                    pallet.name.span(),
                    "this pallet name is already used",
                ));
            }
            if !indices.insert(pallet.index) {
                return Err(syn::Error::new(
                    pallet.index_span,
                    "this index is already used by another pallet",
                ));
            }
            let mut kinds = HashSet::new();
            for part in &pallet.parts {
                if let Some(attr) = part.docs.iter().find(|a| !a.path().is_ident("doc")) {
                    return Err(syn::Error::new_spanned(
                        attr,
                        "only doc comments may precede a part",
                    ));
                }
                let kind = part.kind.to_string();
                if !PART_KINDS.contains(&kind.as_str()) {
                    return Err(syn::Error::new(
                        part.kind.span(),
                        "unknown part: expected `Call`, `Event`, `Error` or `Config`",
                    ));
                }
                if !kinds.insert(kind) {
                    return Err(syn::Error::new(part.kind.span(), "this part is already listed"));
                }
                if part.kind == "Config" && part.generics.is_some() {
                    return Err(syn::Error::new(part.kind.span(), "`Config` takes no arguments"));
                }
            }
        }
        Ok(())
    }

    fn expand(&self) -> TokenStream2 {
        let support = quote!(::lux_support);
        let RuntimeDecl { attrs, vis, name: runtime, pallets } = self;
        let names: Vec<&Ident> = pallets.iter().map(|p| &p.name).collect();
        let name_strs: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let indices: Vec<Literal> =
            pallets.iter().map(|p| Literal::u8_unsuffixed(p.index)).collect();
        let crates: Vec<&Path> = pallets.iter().map(|p| &p.krate).collect();
        let alias_docs: Vec<String> = pallets
            .iter()
            .map(|p| format!("The `{}` pallet (index {}).", p.name, p.index))
            .collect();

        let calls = OuterEnum::collect(pallets, "Call", "calls");
        let events = OuterEnum::collect(pallets, "Event", "events");
        let errors = OuterEnum::collect(pallets, "Error", "errors");
        // Calls and events also decode with memory tracking: they come from untrusted input.
        let decodable = quote!(
            Clone,
            Debug,
            PartialEq,
            Eq,
            codec::Encode,
            codec::Decode,
            codec::DecodeWithMemTracking,
            scale_info::TypeInfo
        );
        let call_enum = calls.declare(
            "RuntimeCall",
            &[" Every call the runtime accepts, by pallet index."],
            decodable.clone(),
        );
        let event_enum = events.declare(
            "RuntimeEvent",
            &[" Every event the runtime emits, by pallet index."],
            decodable,
        );
        let error_enum = errors.declare(
            "RuntimeError",
            &[
                // Split where it always was: each line is a doc string in the metadata.
                " Every pallet error, by pallet index: how V15 metadata tells clients to read the error bytes",
                " of `DispatchError::Module`.",
            ],
            quote!(Clone, Debug, PartialEq, Eq, codec::Encode, codec::Decode, scale_info::TypeInfo),
        );
        let call_from = calls.conversions("RuntimeCall");
        let event_from = events.conversions("RuntimeEvent");
        let call_variants = &calls.variants;
        let genesis = self.genesis();

        quote! {
            #(#attrs)*
            #[derive(Clone, Copy, Debug, PartialEq, Eq, scale_info::TypeInfo)]
            #vis struct #runtime;

            #(
                #[doc = #alias_docs]
                pub type #names = #crates::Pallet<#runtime>;
            )*

            /// The pallets and their indices. The indices appear in every call and event
            /// encoding and in module errors: they are never changed or reused.
            pub const PALLETS: &[(u8, &str)] = &[#((#indices, #name_strs)),*];

            /// Maps pallet marker types to their index and name in [`PALLETS`].
            pub struct RuntimePalletInfo;

            impl RuntimePalletInfo {
                fn lookup<P: 'static>() -> ::core::option::Option<(u8, &'static str)> {
                    let p = ::core::any::TypeId::of::<P>();
                    #(
                        if p == ::core::any::TypeId::of::<#names>() {
                            return ::core::option::Option::Some((#indices, #name_strs));
                        }
                    )*
                    ::core::option::Option::None
                }
            }

            impl #support::PalletInfo for RuntimePalletInfo {
                fn index<P: 'static>() -> ::core::option::Option<usize> {
                    Self::lookup::<P>().map(|(i, _)| i as usize)
                }
                fn name<P: 'static>() -> ::core::option::Option<&'static str> {
                    Self::lookup::<P>().map(|(_, n)| n)
                }
            }

            /// Every pallet, in declaration order: their hooks run in this order, and their
            /// descriptions make the metadata.
            pub struct AllPallets;

            // Forwards every method of `Hooks`: a method added there must be added here.
            impl #support::Hooks for AllPallets {
                fn on_initialize(n: #support::primitives::BlockNumber) -> #support::Weight {
                    #support::Weight::ZERO
                        #(.saturating_add(<#names as #support::Hooks>::on_initialize(n)))*
                }
                fn on_finalize(n: #support::primitives::BlockNumber) {
                    #(<#names as #support::Hooks>::on_finalize(n);)*
                }
                fn on_runtime_upgrade() -> #support::Weight {
                    #support::Weight::ZERO
                        #(.saturating_add(<#names as #support::Hooks>::on_runtime_upgrade()))*
                }
            }

            impl AllPallets {
                /// Index, name and description of every pallet.
                pub fn metadata(
                ) -> #support::__private::Vec<(u8, &'static str, #support::metadata::PalletMeta)> {
                    #support::__private::vec![#((#indices, #name_strs, #names::metadata())),*]
                }
            }

            #call_enum

            impl #support::Dispatchable for RuntimeCall {
                fn dispatch(
                    self,
                    origin: #support::RawOrigin,
                ) -> #support::DispatchResultWithPostInfo {
                    match self {
                        #(Self::#call_variants(call) => call.dispatch::<#runtime>(origin),)*
                    }
                }
            }

            impl #support::GetDispatchInfo for RuntimeCall {
                fn get_dispatch_info(&self) -> #support::DispatchInfo {
                    match self {
                        #(Self::#call_variants(call) => call.get_dispatch_info(),)*
                    }
                }
            }

            #event_enum
            #error_enum
            #call_from
            #event_from
            #genesis
        }
    }

    /// `RuntimeGenesisConfig` from the `Config` parts.
    fn genesis(&self) -> TokenStream2 {
        let with_config: Vec<&PalletDecl> = self
            .pallets
            .iter()
            .filter(|p| p.parts.iter().any(|part| part.kind == "Config"))
            .collect();
        let fields: Vec<Ident> = with_config
            .iter()
            .map(|p| format_ident!("{}", snake_case(&p.name.to_string())))
            .collect();
        let crates: Vec<&Path> = with_config.iter().map(|p| &p.krate).collect();
        let docs: Vec<Vec<TokenStream2>> = with_config
            .iter()
            .map(|p| {
                let part = p.parts.iter().find(|part| part.kind == "Config");
                match part.map(|part| &part.docs) {
                    Some(docs) if !docs.is_empty() => {
                        docs.iter().map(ToTokens::to_token_stream).collect()
                    }
                    _ => {
                        let doc = format!("Genesis config of `{}`.", p.name);
                        vec![quote!(#[doc = #doc])]
                    }
                }
            })
            .collect();
        let runtime = &self.name;
        quote! {
            /// Genesis configuration of every pallet that has one.
            #[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
            #[serde(deny_unknown_fields, rename_all = "camelCase")]
            pub struct RuntimeGenesisConfig {
                #(
                    #(#docs)*
                    #[serde(default)]
                    pub #fields: #crates::GenesisConfig,
                )*
            }

            impl RuntimeGenesisConfig {
                /// Writes the genesis state of every pallet, in declaration order.
                pub fn build(
                    &self,
                ) -> ::core::result::Result<(), ::lux_support::__private::String> {
                    #(self.#fields.build::<#runtime>()?;)*
                    ::core::result::Result::Ok(())
                }
            }
        }
    }
}

/// One outer enum (`RuntimeCall`, `RuntimeEvent`, `RuntimeError`): a variant per pallet with
/// the part.
struct OuterEnum {
    variants: Vec<Ident>,
    indices: Vec<Literal>,
    types: Vec<TokenStream2>,
    docs: Vec<Vec<TokenStream2>>,
}

impl OuterEnum {
    fn collect(pallets: &[PalletDecl], kind: &str, noun: &str) -> Self {
        let mut this = Self { variants: vec![], indices: vec![], types: vec![], docs: vec![] };
        for pallet in pallets {
            let Some(part) = pallet.parts.iter().find(|p| p.kind == kind) else { continue };
            let krate = &pallet.krate;
            let ident = &part.kind;
            let generics = part.generics.as_ref().map(ToTokens::to_token_stream);
            this.variants.push(pallet.name.clone());
            this.indices.push(Literal::u8_unsuffixed(pallet.index));
            this.types.push(quote!(#krate::#ident #generics));
            this.docs.push(if part.docs.is_empty() {
                let doc = format!("{} {noun}.", pallet.name);
                vec![quote!(#[doc = #doc])]
            } else {
                part.docs.iter().map(ToTokens::to_token_stream).collect()
            });
        }
        this
    }

    fn declare(&self, name: &str, doc: &[&str], derives: TokenStream2) -> TokenStream2 {
        let name = format_ident!("{name}");
        let Self { variants, indices, types, docs } = self;
        quote! {
            #(#[doc = #doc])*
            #[derive(#derives)]
            pub enum #name {
                #(
                    #(#docs)*
                    #[codec(index = #indices)]
                    #variants(#types),
                )*
            }
        }
    }

    fn conversions(&self, name: &str) -> TokenStream2 {
        let name = format_ident!("{name}");
        let Self { variants, types, .. } = self;
        quote! {
            #(
                impl ::core::convert::From<#types> for #name {
                    fn from(inner: #types) -> Self {
                        Self::#variants(inner)
                    }
                }
            )*
        }
    }
}

/// `TransactionPayment` → `transaction_payment`, `EVM` → `evm` (a capital after a lower-case
/// letter starts a word; a run of capitals is one word).
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        previous_lower = c.is_lowercase();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(source: &str) -> Result<RuntimeDecl, String> {
        let runtime: RuntimeDecl = syn::parse_str(source).map_err(|e| e.to_string())?;
        runtime.check().map_err(|e| e.to_string())?;
        Ok(runtime)
    }

    #[test]
    fn a_declaration_parses_with_docs_and_generics() {
        let runtime = check(
            "/// Docs.
            pub struct Runtime;
            System: pallet_system = 0 { Call, Event, Error<Runtime>, #[doc = \"Sys.\"] Config },
            Timestamp: pallet_timestamp = 1 { #[doc = \" Inherent.\"] Call },
            Sudo: pallet_sudo = 5 { Call<RuntimeCall>, Event },",
        )
        .expect("valid");
        assert_eq!(runtime.name, "Runtime");
        let indices: Vec<u8> = runtime.pallets.iter().map(|p| p.index).collect();
        assert_eq!(indices, [0, 1, 5]);
        assert_eq!(runtime.pallets[1].parts[0].docs.len(), 1);
        assert!(runtime.pallets[2].parts[0].generics.is_some());

        let calls = OuterEnum::collect(&runtime.pallets, "Call", "calls");
        assert_eq!(calls.variants, ["System", "Timestamp", "Sudo"]);
        assert_eq!(calls.types[2].to_string(), "pallet_sudo :: Call < RuntimeCall >");
        assert_eq!(calls.docs[0][0].to_string(), "# [doc = \"System calls.\"]");
        assert_eq!(calls.docs[1][0].to_string(), "# [doc = \" Inherent.\"]");
        let genesis = runtime.genesis().to_string();
        assert!(
            genesis.contains("# [doc = \"Sys.\"] # [serde (default)] pub system : pallet_system :: GenesisConfig"),
            "{genesis}"
        );
        assert!(!genesis.contains("timestamp"), "{genesis}");
    }

    #[test]
    fn mistakes_are_refused_with_a_reason() {
        let cases = [
            ("A: a = 0 {}, B: b = 0 {}", "this index is already used by another pallet"),
            ("A: a = 0 {}, A: b = 1 {}", "this pallet name is already used"),
            ("A: a = 0 { Calls }", "unknown part: expected `Call`, `Event`, `Error` or `Config`"),
            ("A: a = 0 { Call, Call }", "this part is already listed"),
            ("A: a = 0 { Config<T> }", "`Config` takes no arguments"),
            ("A: a = 256 {}", "number too large to fit in target type"),
            ("A: a = 0 { #[cfg(test)] Call }", "only doc comments may precede a part"),
        ];
        for (pallets, reason) in cases {
            let error = check(&format!("pub struct Runtime; {pallets}")).err();
            assert_eq!(error.as_deref(), Some(reason), "{pallets}");
        }
    }

    #[test]
    fn field_names_are_snake_case() {
        assert_eq!(snake_case("TransactionPayment"), "transaction_payment");
        assert_eq!(snake_case("System"), "system");
        assert_eq!(snake_case("EVM"), "evm");
        assert_eq!(snake_case("ConvictionVoting"), "conviction_voting");
    }
}
