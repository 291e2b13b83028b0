//! Appending: versions, optimistic concurrency, atomic batches and idempotency keys.

use std::sync::Arc;

use ledgerdesk_store::{Checkpoint, EventStore, ExpectedVersion, Idempotency, StoreError};
use tokio::sync::Barrier;

use crate::harness::{TestBackend, new_stream, number_of, numbered, read_all_until, within};

pub(crate) async fn an_append_numbers_events_from_one_and_reads_back_in_order(
    backend: &impl TestBackend,
) {
    let store = backend.store();
    let stream = new_stream("order");

    let first = store
        .append(
            &stream,
            ExpectedVersion::NoStream,
            &[numbered(1), numbered(2)],
            None,
        )
        .await
        .unwrap();
    let second = store
        .append(&stream, ExpectedVersion::Exact(2), &[numbered(3)], None)
        .await
        .unwrap();

    assert_eq!((first.first_version, first.last_version), (1, 2));
    assert_eq!((second.first_version, second.last_version), (3, 3));
    assert!(
        second.first_position > first.last_position,
        "positions grow with each append"
    );
    let events = store.read_stream(&stream, 0).await.unwrap();
    let seen: Vec<_> = events.iter().map(|e| (e.version, number_of(e))).collect();
    assert_eq!(seen, vec![(1, 1), (2, 2), (3, 3)]);
    let tail = store.read_stream(&stream, 2).await.unwrap();
    assert_eq!(
        tail.len(),
        1,
        "reading after version 2 returns only version 3"
    );
    assert_eq!(store.stream_version(&stream).await.unwrap(), 3);
}

pub(crate) async fn a_wrong_expected_version_is_a_conflict_and_writes_nothing(
    backend: &impl TestBackend,
) {
    let store = backend.store();
    let stream = new_stream("conflict");
    store
        .append(&stream, ExpectedVersion::NoStream, &[numbered(1)], None)
        .await
        .unwrap();

    let cases = [
        (ExpectedVersion::NoStream, "no_stream on an existing stream"),
        (
            ExpectedVersion::Exact(0),
            "exact(0) on a stream at version 1",
        ),
        (ExpectedVersion::Exact(2), "a version from the future"),
    ];
    for (expected, message) in cases {
        let err = store
            .append(&stream, expected, &[numbered(9)], None)
            .await
            .unwrap_err();
        match err {
            StoreError::Conflict { actual, .. } => assert_eq!(actual, 1, "{message}"),
            other => panic!("{message}: expected a conflict, got {other:?}"),
        }
    }
    let missing = new_stream("missing");
    let err = store
        .append(&missing, ExpectedVersion::Exact(1), &[numbered(9)], None)
        .await;
    assert!(
        matches!(err, Err(StoreError::Conflict { actual: 0, .. })),
        "exact(1) on no stream"
    );

    assert_eq!(
        store.read_stream(&stream, 0).await.unwrap().len(),
        1,
        "nothing was written"
    );
    assert_eq!(read_all_until(store, Checkpoint::START, 1).await.len(), 1);
}

pub(crate) async fn two_concurrent_appends_with_the_same_expected_version_let_exactly_one_win(
    backend: &impl TestBackend,
) {
    let store = backend.store();
    let stream = new_stream("race");
    store
        .append(&stream, ExpectedVersion::NoStream, &[numbered(0)], None)
        .await
        .unwrap();
    let barrier = Arc::new(Barrier::new(2));

    let mut tasks = Vec::new();
    for n in 1..=2 {
        let (store, stream, barrier) = (store.clone(), stream.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store
                .append(&stream, ExpectedVersion::Exact(1), &[numbered(n)], None)
                .await
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(within(30, task).await.unwrap());
    }

    let wins = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(e) if e.is_conflict()))
        .count();
    assert_eq!(
        (wins, conflicts),
        (1, 1),
        "exactly one append wins: {results:?}"
    );
    assert_eq!(store.stream_version(&stream).await.unwrap(), 2);
}

pub(crate) async fn twenty_concurrent_any_appends_to_one_stream_all_persist_in_order(
    backend: &impl TestBackend,
) {
    let store = backend.store();
    let stream = new_stream("busy");
    let barrier = Arc::new(Barrier::new(20));

    let mut tasks = Vec::new();
    for n in 1..=20 {
        let (store, stream, barrier) = (store.clone(), stream.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store
                .append(&stream, ExpectedVersion::Any, &[numbered(n)], None)
                .await
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(
            within(60, task)
                .await
                .unwrap()
                .expect("every any-append succeeds"),
        );
    }

    let events = store.read_stream(&stream, 0).await.unwrap();
    let versions: Vec<u64> = events.iter().map(|e| e.version).collect();
    assert_eq!(
        versions,
        (1..=20).collect::<Vec<_>>(),
        "versions 1 to 20 without holes"
    );
    let mut numbers: Vec<u64> = events.iter().map(number_of).collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=20).collect::<Vec<_>>(),
        "each append persisted once"
    );
    assert!(
        events.windows(2).all(|w| w[0].position < w[1].position),
        "positions follow versions"
    );
    let global: Vec<u64> = read_all_until(store, Checkpoint::START, 20)
        .await
        .iter()
        .map(|e| e.version)
        .collect();
    assert_eq!(
        global, versions,
        "the global order keeps the stream's order"
    );
    for outcome in outcomes {
        let stored = &events[usize::try_from(outcome.first_version).unwrap() - 1];
        assert_eq!(
            stored.position, outcome.first_position,
            "each outcome names its event"
        );
    }
}

pub(crate) async fn a_batch_whose_last_event_fails_writes_nothing(backend: &impl TestBackend) {
    let store = backend.store();
    let earlier = new_stream("earlier");
    let taken = numbered(0);
    store
        .append(
            &earlier,
            ExpectedVersion::NoStream,
            std::slice::from_ref(&taken),
            None,
        )
        .await
        .unwrap();
    let stream = new_stream("batch");
    // The last event reuses an id the ledger already holds, so the database refuses it after
    // the first two rows were inserted.
    let batch = [numbered(1), numbered(2), taken];

    let err = store
        .append(&stream, ExpectedVersion::NoStream, &batch, None)
        .await
        .unwrap_err();

    assert!(matches!(err, StoreError::DuplicateEventId), "got {err:?}");
    assert!(
        store.read_stream(&stream, 0).await.unwrap().is_empty(),
        "no event of the batch"
    );
    assert_eq!(
        store.stream_version(&stream).await.unwrap(),
        0,
        "the stream does not exist"
    );
    assert_eq!(read_all_until(store, Checkpoint::START, 1).await.len(), 1);
    let retried = store
        .append(
            &stream,
            ExpectedVersion::NoStream,
            &[numbered(1), numbered(2)],
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        retried.first_version, 1,
        "the stream starts afresh after the failed batch"
    );
}

pub(crate) async fn a_batch_carrying_one_event_id_twice_writes_nothing(backend: &impl TestBackend) {
    let store = backend.store();
    let stream = new_stream("twice");
    let event = numbered(1);

    let err = store
        .append(
            &stream,
            ExpectedVersion::NoStream,
            &[event.clone(), numbered(2), event],
            None,
        )
        .await
        .unwrap_err();

    assert!(matches!(err, StoreError::DuplicateEventId), "got {err:?}");
    assert_eq!(
        store.stream_version(&stream).await.unwrap(),
        0,
        "nothing was written"
    );
}

pub(crate) async fn an_empty_batch_is_refused(backend: &impl TestBackend) {
    let store = backend.store();
    let stream = new_stream("empty");

    let err = store
        .append(&stream, ExpectedVersion::Any, &[], None)
        .await
        .unwrap_err();

    assert!(matches!(err, StoreError::InvalidAppend(_)), "got {err:?}");
    assert_eq!(store.stream_version(&stream).await.unwrap(), 0);
}

pub(crate) async fn an_idempotent_replay_returns_the_first_result_and_appends_nothing(
    backend: &impl TestBackend,
) {
    let store = backend.store();
    let stream = new_stream("idem");
    let first_batch = [numbered(1), numbered(2)];
    let key = Idempotency::for_events("request-1", &stream, &first_batch).unwrap();
    let first = store
        .append(&stream, ExpectedVersion::NoStream, &first_batch, Some(&key))
        .await
        .unwrap();

    // A retry makes new event ids and times, but carries the same content.
    let retry_batch = [numbered(1), numbered(2)];
    let retry_key = Idempotency::for_events("request-1", &stream, &retry_batch).unwrap();
    let replay = store
        .append(
            &stream,
            ExpectedVersion::NoStream,
            &retry_batch,
            Some(&retry_key),
        )
        .await
        .unwrap();

    assert!(!first.replayed);
    assert!(replay.replayed, "the second answer is a replay");
    assert_eq!(
        (
            replay.first_position,
            replay.last_position,
            replay.last_version,
            replay.checkpoint
        ),
        (
            first.first_position,
            first.last_position,
            first.last_version,
            first.checkpoint
        ),
        "the replay returns the first result"
    );
    assert_eq!(
        read_all_until(store, Checkpoint::START, 2).await.len(),
        2,
        "nothing appended"
    );
}

pub(crate) async fn an_idempotency_key_reused_with_other_content_is_refused(
    backend: &impl TestBackend,
) {
    let store = backend.store();
    let stream = new_stream("idem");
    let key = Idempotency::for_request("request-2", b"title=Printer on fire").unwrap();
    store
        .append(
            &stream,
            ExpectedVersion::NoStream,
            &[numbered(1)],
            Some(&key),
        )
        .await
        .unwrap();

    let other = Idempotency::for_request("request-2", b"title=Printer is fine").unwrap();
    let other_stream = new_stream("idem");
    let err = store
        .append(
            &other_stream,
            ExpectedVersion::NoStream,
            &[numbered(2)],
            Some(&other),
        )
        .await
        .unwrap_err();

    assert!(
        matches!(err, StoreError::IdempotencyKeyReused),
        "got {err:?}"
    );
    assert_eq!(
        read_all_until(store, Checkpoint::START, 1).await.len(),
        1,
        "nothing appended"
    );
}

pub(crate) async fn concurrent_requests_with_one_idempotency_key_append_once(
    backend: &impl TestBackend,
) {
    let store = backend.store();
    let barrier = Arc::new(Barrier::new(8));

    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (store, barrier) = (store.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            // Each retry of "log incident" picks a new incident id, hence a new stream.
            let stream = new_stream("incident");
            let key = Idempotency::for_request("portal-request-7", b"same body").unwrap();
            barrier.wait().await;
            store
                .append(
                    &stream,
                    ExpectedVersion::NoStream,
                    &[numbered(7)],
                    Some(&key),
                )
                .await
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(
            within(60, task)
                .await
                .unwrap()
                .expect("every request is answered"),
        );
    }

    assert_eq!(
        outcomes.iter().filter(|o| !o.replayed).count(),
        1,
        "one request appended"
    );
    assert!(
        outcomes.iter().all(|o| o.stream == outcomes[0].stream),
        "all name the same stream"
    );
    assert_eq!(read_all_until(store, Checkpoint::START, 1).await.len(), 1);
}
