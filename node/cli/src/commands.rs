//! The tools: chain specs, purging, keys, transfers, account queries and upgrade dry runs.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use lux_chain_spec::ChainSpec;
use lux_executor::{ExecutorConfig, WasmExecutor};
use lux_keys::{EthereumPair, Inspect, Scheme, WordCount};
use lux_primitives::AccountId20;
use lux_rpc_client::{format_lux, parse_lux, LuxClient, TxOutcome};

use crate::cli::{AccountCmd, Cli, Command, KeyCmd, SchemeArg, TxCmd};

/// An error of a command, printed as `Error: ...`.
pub type CmdResult = Result<(), Box<dyn std::error::Error>>;

/// Runs the command line.
pub fn dispatch(cli: Cli) -> CmdResult {
    match cli.command {
        None => crate::run::run(cli.run),
        Some(Command::BuildSpec(cmd)) => {
            let executor = WasmExecutor::new(ExecutorConfig::default())?;
            let mut spec = load_spec(&cmd.chain, &executor)?;
            if cmd.raw {
                spec = spec.into_raw(&executor)?;
            }
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", spec.to_json()?)?;
            Ok(())
        }
        Some(Command::PurgeChain(cmd)) => purge(&cmd.base_path, cmd.chain.as_deref(), cmd.yes),
        Some(Command::Key(cmd)) => key(cmd),
        Some(Command::Tx(cmd)) => tokio_runtime()?.block_on(tx(cmd)),
        Some(Command::Account(cmd)) => tokio_runtime()?.block_on(account(cmd)),
        Some(Command::TryRuntime(cmd)) => tokio_runtime()?.block_on(crate::try_runtime::run(cmd)),
        Some(Command::CompileRuntime(cmd)) => {
            let mut wasm = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut wasm)?;
            lux_executor::compile_to_cache(cmd.cache_dir, cmd.metered, wasm)?;
            Ok(())
        }
    }
}

/// How a node runs its runtime compiler: this very program (even if its file was replaced
/// since it started), with the hidden `compile-runtime` subcommand.
pub fn runtime_compiler() -> Option<lux_executor::CompilerCommand> {
    let program = if cfg!(target_os = "linux") {
        std::path::PathBuf::from("/proc/self/exe")
    } else {
        std::env::current_exe().ok()?
    };
    Some(lux_executor::CompilerCommand { program, args: vec!["compile-runtime".into()] })
}

fn tokio_runtime() -> Result<tokio::runtime::Runtime, std::io::Error> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()
}

/// A built-in chain or a spec file.
pub fn load_spec(
    chain: &str,
    executor: &WasmExecutor,
) -> Result<ChainSpec, lux_chain_spec::ChainSpecError> {
    match chain {
        "dev" | "local" => ChainSpec::builtin(chain, executor),
        path => ChainSpec::from_file(Path::new(path)),
    }
}

fn purge(base_path: &Path, chain: Option<&str>, yes: bool) -> CmdResult {
    let target = match chain {
        Some(chain) => {
            let executor = WasmExecutor::new(ExecutorConfig::default())?;
            base_path.join("chains").join(load_spec(chain, &executor)?.id)
        }
        None => base_path.join("chains"),
    };
    if !target.exists() {
        println!("{} does not exist; nothing to purge", target.display());
        return Ok(());
    }
    if !yes {
        print!("Are you sure to remove {}? [y/N]: ", target.display());
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("Aborted");
            return Ok(());
        }
    }
    std::fs::remove_dir_all(&target)?;
    println!("{} removed.", target.display());
    Ok(())
}

fn scheme(s: SchemeArg) -> Scheme {
    match s {
        SchemeArg::Ethereum => Scheme::Ethereum,
        SchemeArg::Sr25519 => Scheme::Sr25519,
    }
}

fn key(cmd: KeyCmd) -> CmdResult {
    match cmd {
        KeyCmd::Generate { scheme: s, words } => {
            let phrase = lux_keys::generate_phrase(WordCount::try_from(words)?);
            let (suri, note) = match s {
                SchemeArg::Ethereum => (
                    format!("{}/{}/0", phrase.as_str(), lux_keys::ETHEREUM_PATH_PREFIX),
                    format!("  (first account, path {}/0)", lux_keys::ETHEREUM_PATH_PREFIX),
                ),
                SchemeArg::Sr25519 => (phrase.to_string(), String::new()),
            };
            println!("Secret phrase:     {}{note}", phrase.as_str());
            println!("{}", Inspect::from_suri(&suri, scheme(s))?);
        }
        KeyCmd::Inspect { uri, scheme: s } => println!("{}", Inspect::from_suri(&uri, scheme(s))?),
        KeyCmd::Insert { base_path, chain, suri, scheme: s } => {
            if !matches!(s, SchemeArg::Sr25519) {
                return Err("session keys are sr25519: use --scheme sr25519".into());
            }
            let executor = WasmExecutor::new(ExecutorConfig::default())?;
            let id = load_spec(&chain, &executor)?.id;
            let dir = base_path.join("chains").join(id).join("keystore");
            let public = lux_service::insert_key(&dir, &suri)?;
            println!("Inserted session key 0x{} into {}", hex::encode(public), dir.display());
        }
    }
    Ok(())
}

/// A sender given as a dev name, a secret URI or a private key.
fn sender(from: &str) -> Result<EthereumPair, lux_keys::KeyError> {
    if lux_keys::DEV_NAMES.iter().any(|n| n.eq_ignore_ascii_case(from)) {
        return lux_keys::dev_account(from);
    }
    EthereumPair::from_suri(from)
}

async fn tx(cmd: TxCmd) -> CmdResult {
    let TxCmd::Transfer { rpc_url, from, to, amount, keep_alive, timeout } = cmd;
    let pair = sender(&from)?;
    let to: AccountId20 = to.parse()?;
    let amount = parse_lux(&amount).map_err(|e| format!("invalid --amount: {e}"))?;
    let client = LuxClient::connect(&rpc_url).await?;
    let inclusion =
        client.transfer(&pair, to, amount, keep_alive, Duration::from_secs(timeout)).await?;
    println!("Extrinsic: {:?}", inclusion.extrinsic_hash);
    println!("Block:     {:?}", inclusion.block_hash);
    match inclusion.outcome {
        TxOutcome::Success => {
            println!(
                "Transferred {} from {} to {to}",
                format_lux(amount),
                pair.address_checksummed()
            );
            Ok(())
        }
        TxOutcome::Failed(reason) => Err(format!("the transfer failed: {reason}").into()),
    }
}

async fn account(cmd: AccountCmd) -> CmdResult {
    match cmd {
        AccountCmd::Balance { address, rpc_url } => {
            let who: AccountId20 = address.parse()?;
            let info = LuxClient::connect(&rpc_url).await?.account(&who).await?;
            println!("{who}");
            println!("  free:     {} ({})", format_lux(info.data.free), info.data.free);
            println!("  reserved: {}", format_lux(info.data.reserved));
            println!("  frozen:   {}", format_lux(info.data.frozen));
        }
        AccountCmd::Nonce { address, rpc_url } => {
            let who: AccountId20 = address.parse()?;
            println!("{}", LuxClient::connect(&rpc_url).await?.next_index(&who).await?);
        }
    }
    Ok(())
}
