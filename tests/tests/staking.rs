//! Proof of stake on the local testnet, with real processes:
//!
//! - a fifth node with fresh session keys (`author_rotateKeysWithOwner`) whose account
//!   (Ferdie, until then a nominator) sets them with their proof and declares itself a
//!   validator is elected at the next era, authors blocks, and its precommits appear in
//!   justifications under the new finality set id;
//! - at the same era change a validator that chilled (Dave) leaves the set, and finality
//!   never stalls through the hand-over;
//! - bonded funds cannot be transferred;
//! - anyone pays out an ended era: validator and nominator get exactly their shares by points
//!   and exposure, re-bonded;
//! - a full node started afterwards syncs from genesis across the set change and agrees on
//!   the finalized chain;
//! - unbonded funds: withdrawing returns nothing before the bonding duration and the funds
//!   after it;
//! - one session key run on two nodes at once double-signs: the other nodes report it, the
//!   offender is disabled at once (the block with the report starts a finality set without
//!   it, whose justifications carry none of its votes, and finality goes on), slashed after
//!   the deferral (its stash and the total issuance drop by exactly the slashed amounts) and
//!   is out of the next set;
//! - the same, with root cancelling the deferred slash: the era it was due in passes and the
//!   offender's stake is intact.

use std::time::Duration;

use codec::{Decode, Encode};
use lux_consensus::Justification;
use lux_primitives::consensus::FinalitySet;
use lux_primitives::{AccountId20, Sr25519Public, H256, LUX};
use lux_rpc_client::TxOutcome;
use luxtensor_runtime::{RuntimeCall, RuntimeEvent};
use luxtensor_tests::{local_testnet, local_validator_args, wait_for, TestNode};

const TIMEOUT: Duration = Duration::from_secs(60);

/// The finality set that finalizes the children of `at`.
async fn finality_set(node: &TestNode, at: H256) -> FinalitySet {
    let client = node.client().await;
    client.runtime_call("LuxConsensusApi_finality_set", &[], Some(at)).await.expect("set")
}

/// The justification stored with block `hash`, if any.
async fn justification(node: &TestNode, hash: H256) -> Option<Justification> {
    let block: serde_json::Value = node
        .client()
        .await
        .request("chain_getBlock", jsonrpsee::rpc_params![hash])
        .await
        .expect("block");
    let data = block["justifications"].as_array()?.first()?[1].as_str()?.to_string();
    let bytes = hex::decode(data.trim_start_matches("0x")).expect("hex");
    Some(Justification::decode(&mut &bytes[..]).expect("justification decodes"))
}

/// The tests here run one at a time: each starts a testnet.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_validator_joins_a_chilled_one_leaves_and_finality_follows() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let nodes = local_testnet(dir.path(), &[]).await;
    let alice_node = &nodes[0];
    let client = alice_node.ws_client().await;
    let genesis = alice_node.block_hash(0).await.expect("genesis");
    assert_eq!(finality_set(alice_node, genesis).await.set_id, 0);

    // A fifth node, with no keys yet.
    let bootnode = alice_node.p2p_address().await;
    let args: Vec<String> = [
        "--chain",
        "local",
        "--validator",
        "--listen-addr",
        "/ip4/127.0.0.1/tcp/0",
        "--bootnodes",
        &bootnode,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let ferdie_node = TestNode::start(&dir.path().join("ferdie"), &args).await;
    let ferdie = lux_keys::dev_account("ferdie").expect("dev account");
    let ferdie_id = AccountId20(ferdie.address());
    let generated: serde_json::Value = ferdie_node
        .client()
        .await
        .request("author_rotateKeysWithOwner", jsonrpsee::rpc_params![ferdie_id])
        .await
        .expect("keys generated");
    let decode =
        |v: &serde_json::Value| hex::decode(v.as_str().expect("hex").trim_start_matches("0x"));
    let keys: [u8; 32] = decode(&generated["keys"]).expect("hex").try_into().expect("32 bytes");
    let proof = decode(&generated["proof"]).expect("hex");
    let has: bool = ferdie_node
        .client()
        .await
        .request("author_hasSessionKeys", jsonrpsee::rpc_params![generated["keys"].clone()])
        .await
        .expect("hasSessionKeys");
    assert!(has);

    // Ferdie registers the keys and turns from nominator into validator; Dave chills.
    let set_keys = RuntimeCall::Session(pallet_session::Call::set_keys {
        keys: pallet_session::SessionKeys { lux: Sr25519Public(keys) },
        proof,
    });
    let xt = client.sign(&ferdie, set_keys, 0).await.expect("signed");
    let outcome = client.submit_and_wait(&xt, TIMEOUT).await.expect("set_keys included").outcome;
    assert!(matches!(outcome, TxOutcome::Success), "set_keys: {outcome:?}");
    let validate = RuntimeCall::Staking(pallet_staking::Call::validate {
        prefs: pallet_staking::ValidatorPrefs::default(),
    });
    let xt = client.sign(&ferdie, validate, 0).await.expect("signed");
    let outcome = client.submit_and_wait(&xt, TIMEOUT).await.expect("validate included").outcome;
    assert!(matches!(outcome, TxOutcome::Success), "validate: {outcome:?}");
    let dave = lux_keys::dev_account("dave").expect("dev account");
    let chill = RuntimeCall::Staking(pallet_staking::Call::chill);
    let xt = client.sign(&dave, chill, 0).await.expect("signed");
    let outcome = client.submit_and_wait(&xt, TIMEOUT).await.expect("chill included").outcome;
    assert!(matches!(outcome, TxOutcome::Success), "chill: {outcome:?}");

    // Bonded funds cannot leave: Dave's 100,000 LUX bond stays however much he sends.
    let free = client.free_balance(&AccountId20(dave.address())).await.expect("balance");
    let too_much = free - 50_000 * LUX;
    let transfer = client
        .transfer(&dave, AccountId20([0x77; 20]), too_much, true, TIMEOUT)
        .await
        .expect("included");
    match transfer.outcome {
        TxOutcome::Failed(reason) => assert!(reason.contains("LiquidityRestrictions"), "{reason}"),
        TxOutcome::Success => panic!("a transfer of bonded funds succeeded"),
    }

    // The next era's set is announced one session ahead and takes over at the era change.
    let handed_over = wait_for("the new finality set", Duration::from_secs(120), || async {
        let (_, hash) = alice_node.finalized().await;
        let set = finality_set(alice_node, hash).await;
        (set.set_id >= 1).then_some(set)
    })
    .await;
    let new_keys: Vec<Sr25519Public> = handed_over.authorities.iter().map(|(k, _)| *k).collect();
    assert!(new_keys.contains(&Sr25519Public(keys)), "Ferdie's key is a voter");
    let dave_key = Sr25519Public(lux_keys::dev_session_key("dave").expect("key").public());
    assert!(!new_keys.contains(&dave_key), "Dave left");
    assert_eq!(new_keys.len(), 4);

    // Era 0 has ended: anyone (here Eve, who nominates Alice) pays Alice and her nominators,
    // exactly by points, commission (none) and exposure, re-bonded (`Staked`).
    let alice = AccountId20(lux_keys::dev_account("alice").expect("dev account").address());
    let eve_pair = lux_keys::dev_account("eve").expect("dev account");
    let eve = AccountId20(eve_pair.address());
    let best = client.header(None).await.expect("rpc").expect("best").hash();
    let era0 = 0u32.encode();
    let (twox, map_key) = (twox_64_concat, staking_key);
    let payout: u128 = raw_storage(alice_node, map_key(b"ErasValidatorReward", twox(&era0)), best)
        .await
        .expect("era 0 paid");
    assert_eq!(payout, LUX, "the local chain's era payout");
    let points: pallet_staking::EraRewardPoints =
        raw_storage(alice_node, map_key(b"ErasRewardPoints", twox(&era0)), best)
            .await
            .expect("points");
    let exposure: pallet_staking::Exposure = raw_storage(
        alice_node,
        map_key(b"ErasStakers", [twox(&era0), twox(&alice.0)].concat()),
        best,
    )
    .await
    .expect("exposure");
    let ledger_of =
        |who: AccountId20, at: H256| async move { ledger(alice_node, who, at).await.active };
    use lux_primitives::per_things::mul_div;
    let share = mul_div(payout, u128::from(points.individual[&alice]), u128::from(points.total));
    let own = mul_div(share, exposure.own, exposure.total);
    let eve_value = exposure.others.iter().find(|o| o.who == eve).expect("Eve backs Alice").value;
    let to_eve = mul_div(share, eve_value, exposure.total);
    let pay = RuntimeCall::Staking(pallet_staking::Call::payout_stakers {
        validator_stash: alice,
        era: 0,
    });
    let xt = client.sign(&eve_pair, pay, 0).await.expect("signed");
    let paid = client.submit_and_wait(&xt, TIMEOUT).await.expect("payout included");
    assert!(matches!(paid.outcome, TxOutcome::Success), "{:?}", paid.outcome);
    let parent =
        client.header(Some(paid.block_hash)).await.expect("rpc").expect("header").parent_hash;
    assert_eq!(ledger_of(alice, paid.block_hash).await - ledger_of(alice, parent).await, own);
    assert_eq!(ledger_of(eve, paid.block_hash).await - ledger_of(eve, parent).await, to_eve);
    assert!(own > 0 && to_eve > 0);

    // Ferdie's node authors, and its precommits finalize blocks under the new set id.
    wait_for("Ferdie's node to author", TIMEOUT, || async {
        ferdie_node.log().contains("Authored block").then_some(())
    })
    .await;
    let signed =
        wait_for("a justification with Ferdie's precommit", Duration::from_secs(90), || async {
            let (number, _) = alice_node.finalized().await;
            for n in (number.saturating_sub(20)..=number).rev() {
                let hash = alice_node.block_hash(n).await?;
                if let Some(j) = justification(alice_node, hash).await {
                    if j.set_id >= 1 && j.precommits.iter().any(|p| p.voter == Sr25519Public(keys))
                    {
                        return Some(j);
                    }
                }
            }
            None
        })
        .await;
    assert_eq!(signed.set_id, handed_over.set_id);

    // A full node syncing from genesis verifies the justifications of both sets (each against
    // the set of its block's parent state) and agrees on the finalized chain.
    let sync_args: Vec<String> =
        ["--chain", "local", "--listen-addr", "/ip4/127.0.0.1/tcp/0", "--bootnodes", &bootnode]
            .iter()
            .map(|s| s.to_string())
            .collect();
    let full = TestNode::start(&dir.path().join("full"), &sync_args).await;

    // Finality keeps going, and all nodes agree.
    let (target, _) = alice_node.finalized().await;
    for node in nodes.iter().chain([&ferdie_node, &full]) {
        wait_for("finality on every node", TIMEOUT, || async {
            (node.finalized().await.0 >= target + 2).then_some(())
        })
        .await;
        assert_eq!(node.block_hash(target).await, alice_node.block_hash(target).await);
    }
}

/// A value of `pallet`'s storage item `item` at block `at`.
async fn storage<T: Decode>(node: &TestNode, pallet: &[u8], item: &[u8], at: H256) -> Option<T> {
    raw_storage(node, lux_primitives::twox::storage_prefix(pallet, item).to_vec(), at).await
}

/// `twox_64(key) ++ key`: a `Twox64Concat` map key.
fn twox_64_concat(key: &[u8]) -> Vec<u8> {
    [lux_primitives::hashing::twox_64(key).as_slice(), key].concat()
}

/// The storage key of the staking map `item` at the (hashed) `key`.
fn staking_key(item: &[u8], key: Vec<u8>) -> Vec<u8> {
    [lux_primitives::twox::storage_prefix(b"Staking", item).as_slice(), &key].concat()
}

/// `who`'s staking ledger at block `at`.
async fn ledger(node: &TestNode, who: AccountId20, at: H256) -> pallet_staking::StakingLedger {
    let hashed = [lux_primitives::hashing::blake2_128(&who.0).as_slice(), &who.0].concat();
    raw_storage(node, staking_key(b"Ledger", hashed), at).await.expect("bonded")
}

/// The value at storage key `key` at block `at`.
async fn raw_storage<T: Decode>(node: &TestNode, key: Vec<u8>, at: H256) -> Option<T> {
    let key = format!("0x{}", hex::encode(key));
    let value: Option<String> = node
        .client()
        .await
        .request("state_getStorage", jsonrpsee::rpc_params![key, at])
        .await
        .expect("storage");
    let bytes = hex::decode(value?.trim_start_matches("0x")).expect("hex");
    Some(T::decode(&mut &bytes[..]).expect("decodes"))
}

/// The local testnet with a second node holding Dave's session key: both seal Dave's slots
/// and cast his votes, so he double-signs and the others report him.
struct DoubleSigning {
    nodes: Vec<TestNode>,
    twin: TestNode,
    _dir: tempfile::TempDir,
}

/// What the first report of Dave says, and where it is.
struct Report {
    /// The block with the report: number and hash.
    at: (u32, H256),
    fraction: lux_primitives::Perbill,
    slash_era: u32,
}

impl DoubleSigning {
    async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let nodes = local_testnet(dir.path(), &[]).await;
        let bootnode = nodes[0].p2p_address().await;
        let args = local_validator_args("dave", Some(&bootnode));
        let twin = TestNode::start(&dir.path().join("dave-twin"), &args).await;
        Self { nodes, twin, _dir: dir }
    }

    /// Waits for the automatic report of Dave's double-signing.
    async fn report(client: &lux_rpc_client::LuxClient) -> Report {
        let (number, hash, reports) =
            wait_for("the equivocation report", Duration::from_secs(120), || {
                find_events(client, 1, is_slash_report)
            })
            .await;
        let RuntimeEvent::Staking(pallet_staking::Event::SlashReported {
            validator,
            fraction,
            slash_era,
        }) = reports[0].clone()
        else {
            unreachable!()
        };
        assert_eq!(validator, dave());
        Report { at: (number, hash), fraction, slash_era }
    }
}

fn dave() -> AccountId20 {
    AccountId20(lux_keys::dev_account("dave").expect("dev account").address())
}

/// The first block from #`from` to the best with events that `matches`: its number, hash and
/// those events.
async fn find_events(
    client: &lux_rpc_client::LuxClient,
    from: u32,
    matches: fn(&RuntimeEvent) -> bool,
) -> Option<(u32, H256, Vec<RuntimeEvent>)> {
    let best = client.header(None).await.ok()??.number;
    for n in from..=best {
        let hash: H256 =
            client.request("chain_getBlockHash", jsonrpsee::rpc_params![n]).await.ok()?;
        let events: Vec<RuntimeEvent> =
            client.events(hash).await.ok()?.into_iter().map(|r| r.event).collect();
        let found: Vec<RuntimeEvent> = events.into_iter().filter(matches).collect();
        if !found.is_empty() {
            return Some((n, hash, found));
        }
    }
    None
}

fn is_slash_report(event: &RuntimeEvent) -> bool {
    matches!(event, RuntimeEvent::Staking(pallet_staking::Event::SlashReported { .. }))
}

fn is_slash(event: &RuntimeEvent) -> bool {
    matches!(event, RuntimeEvent::Staking(pallet_staking::Event::Slashed { .. }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_signing_validator_is_reported_slashed_after_the_deferral_and_removed() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let testnet = DoubleSigning::start().await;
    let alice_node = &testnet.nodes[0];
    let client = alice_node.client().await;
    let dave = dave();

    // Meanwhile Bob unbonds 10,000 LUX: withdrawing gives nothing before the bonding duration.
    let bob_pair = lux_keys::dev_account("bob").expect("dev account");
    let bob = AccountId20(bob_pair.address());
    let bob_ledger = |at: H256| ledger(alice_node, bob, at);
    let unbond = RuntimeCall::Staking(pallet_staking::Call::unbond { value: 10_000 * LUX });
    let xt = client.sign(&bob_pair, unbond, 0).await.expect("signed");
    let unbonded = client.submit_and_wait(&xt, TIMEOUT).await.expect("unbond included");
    let chunk = bob_ledger(unbonded.block_hash).await.unlocking[0].clone();
    assert_eq!(chunk.value, 10_000 * LUX);
    let withdraw =
        RuntimeCall::Staking(pallet_staking::Call::withdraw_unbonded { num_slashing_spans: 0 });
    let xt = client.sign(&bob_pair, withdraw.clone(), 0).await.expect("signed");
    let early = client.submit_and_wait(&xt, TIMEOUT).await.expect("withdraw included");
    assert_eq!(bob_ledger(early.block_hash).await.total, 100_000 * LUX, "nothing withdrawn early");

    let report = DoubleSigning::report(&client).await;
    let (reported_at, reported_hash) = report.at;
    let fraction = report.fraction;
    // One offender among four validators: min((3·1/4)², 1) = 56.25%.
    assert_eq!(fraction, lux_primitives::Perbill::from_parts(562_500_000));

    // Disabled at once: the block with the report starts a finality set without Dave, and
    // that set finalizes blocks with no vote of his, though both his nodes keep voting.
    let dave_key = Sr25519Public(lux_keys::dev_session_key("dave").expect("key").public());
    let reported_header = client.header(Some(reported_hash)).await.expect("header").expect("known");
    let before = finality_set(alice_node, reported_header.parent_hash).await;
    let after = finality_set(alice_node, reported_hash).await;
    assert!(before.authorities.iter().any(|(k, _)| *k == dave_key), "Dave voted before");
    let without_dave: Vec<_> =
        before.authorities.iter().filter(|(k, _)| *k != dave_key).copied().collect();
    assert_eq!(after, FinalitySet { set_id: before.set_id + 1, authorities: without_dave });
    let change = lux_primitives::consensus::ConsensusLog::FinalitySetChange {
        set_id: after.set_id,
        authorities: after.authorities.clone(),
    };
    assert!(lux_primitives::consensus::ConsensusLog::find_all(&reported_header).contains(&change));
    let voted = wait_for("a justification of the set without Dave", TIMEOUT, || async {
        let (number, _) = alice_node.finalized().await;
        for n in reported_at + 1..=number {
            let hash = alice_node.block_hash(n).await?;
            if let Some(j) = justification(alice_node, hash).await {
                if j.set_id == after.set_id {
                    return Some(j);
                }
            }
        }
        None
    })
    .await;
    assert!(voted.precommits.iter().all(|p| p.voter != dave_key), "Dave's vote counted");

    // The slash lands after the deferral (two eras), not before.
    let (slashed_at, slashed_hash, slashes) =
        wait_for("the slash", Duration::from_secs(180), || {
            find_events(&client, reported_at, is_slash)
        })
        .await;
    let era_at =
        |hash| storage::<pallet_staking::ActiveEraInfo>(alice_node, b"Staking", b"ActiveEra", hash);
    let (era_reported, era_slashed) = (era_at(reported_hash).await, era_at(slashed_hash).await);
    assert!(era_slashed.expect("era").index >= era_reported.expect("era").index + 2);

    // The stash and the total issuance drop by exactly what was slashed.
    let parent = alice_node.block_hash(slashed_at - 1).await.expect("parent");
    let amount_of = |who: AccountId20| {
        slashes.iter().find_map(|e| match e {
            RuntimeEvent::Staking(pallet_staking::Event::Slashed { staker, amount })
                if *staker == who =>
            {
                Some(*amount)
            }
            _ => None,
        })
    };
    let dave_slash = amount_of(dave).expect("Dave slashed");
    assert_eq!(dave_slash, fraction.mul_ceil(100_000 * LUX), "56.25% of Dave's own stake");
    let total_slashed: u128 = slashes
        .iter()
        .map(|e| match e {
            RuntimeEvent::Staking(pallet_staking::Event::Slashed { amount, .. }) => *amount,
            _ => 0,
        })
        .sum();
    let free_at = |at| async move {
        let key = lux_rpc_client::account_storage_key(&dave);
        let account: pallet_system::AccountInfo =
            raw_storage(alice_node, key, at).await.expect("account");
        account.data.free
    };
    assert_eq!(free_at(parent).await - free_at(slashed_hash).await, dave_slash);
    let issuance = |at| storage::<u128>(alice_node, b"Balances", b"TotalIssuance", at);
    // The block's author also gets its share of the block's fees (none here: no transactions
    // but the report, which is free).
    assert_eq!(
        issuance(parent).await.expect("issuance") - issuance(slashed_hash).await.expect("issuance"),
        total_slashed
    );

    // Dave was chilled when reported: he is not in the set once the slash is final. (Not
    // before: the era after the report's may have been elected before it, with Dave, and
    // finality may still be in that era when the slash is first seen in a best block.)
    let head = wait_for("finality of the slash", TIMEOUT, || async {
        let (number, head) = alice_node.finalized().await;
        (number >= slashed_at).then_some(head)
    })
    .await;
    let set = finality_set(alice_node, head).await;
    assert!(!set.authorities.iter().any(|(k, _)| *k == dave_key), "Dave is out");
    assert!(set.set_id >= 1);

    // Once the chunk's era is planned, Bob's 10,000 LUX unlock.
    wait_for("the end of Bob's bonding duration", Duration::from_secs(180), || async {
        let best = client.header(None).await.ok()??.hash();
        let era: u32 = storage(alice_node, b"Staking", b"CurrentEra", best).await?;
        (era >= chunk.era).then_some(())
    })
    .await;
    let xt = client.sign(&bob_pair, withdraw, 0).await.expect("signed");
    let late = client.submit_and_wait(&xt, TIMEOUT).await.expect("withdraw included");
    let withdrawn = RuntimeEvent::Staking(pallet_staking::Event::Withdrawn {
        stash: bob,
        amount: 10_000 * LUX,
    });
    assert!(late.events.contains(&withdrawn), "{:?}", late.events);
    assert_eq!(bob_ledger(late.block_hash).await.total, 90_000 * LUX);
    assert_eq!(client.account(&bob).await.expect("account").data.frozen, 90_000 * LUX);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_slash_cancelled_by_root_leaves_the_stake_intact() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let mut testnet = DoubleSigning::start().await;
    let client = testnet.nodes[0].client().await;
    let dave = dave();

    let Report { at: (reported_at, reported_hash), slash_era, .. } =
        DoubleSigning::report(&client).await;
    // Dave stops double-signing: if he went on into the next era (still elected for it), a new
    // offence there would be slashed after this one's era, and blur what the test looks at.
    testnet.twin.stop();
    let alice_node = &testnet.nodes[0];
    let defer: u32 = storage(alice_node, b"Staking", b"SlashDeferDuration", reported_hash)
        .await
        .expect("a deferral");
    let due = slash_era + defer;
    let stake_before = ledger(alice_node, dave, reported_hash).await.total;
    assert_eq!(stake_before, 100_000 * LUX);

    // Sudo (Alice) cancels it before it is due.
    let alice = lux_keys::dev_account("alice").expect("dev account");
    let cancel = RuntimeCall::Staking(pallet_staking::Call::cancel_deferred_slash {
        era: due,
        slash_indices: vec![0],
    });
    let sudo = RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(cancel) });
    let xt = client.sign(&alice, sudo, 0).await.expect("signed");
    let cancelled = client.submit_and_wait(&xt, TIMEOUT).await.expect("included");
    let event = RuntimeEvent::Staking(pallet_staking::Event::SlashCancelled {
        slash_era: due,
        validator: dave,
    });
    assert!(cancelled.events.contains(&event), "{:?}", cancelled.events);

    // The era it was due in comes and goes: nothing is slashed, Dave keeps his stake.
    wait_for("the era after the one the slash was due in", Duration::from_secs(180), || async {
        let best = client.header(None).await.ok()??.hash();
        let era: pallet_staking::ActiveEraInfo =
            storage(alice_node, b"Staking", b"ActiveEra", best).await?;
        (era.index > due).then_some(())
    })
    .await;
    assert!(find_events(&client, reported_at, is_slash).await.is_none(), "something was slashed");
    let best = client.header(None).await.expect("best").expect("known").hash();
    assert_eq!(ledger(alice_node, dave, best).await.total, stake_before);
}
