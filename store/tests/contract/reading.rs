//! Reading: the gap-safe global order, paging, upcasting and wake-up hints.

use std::time::Duration;

use ledgerdesk_store::{Checkpoint, EventStore, ExpectedVersion};

use crate::harness::{
    TestBackend, new_stream, number_of, numbered, raw_event, read_all_until, within,
};

pub(crate) async fn a_reader_never_passes_an_append_that_is_still_open(backend: &impl TestBackend) {
    let store = backend.store();
    let before = store
        .append(
            &new_stream("before"),
            ExpectedVersion::NoStream,
            &[numbered(0)],
            None,
        )
        .await
        .unwrap();
    let held = store
        .prepare_append(
            &new_stream("held"),
            ExpectedVersion::NoStream,
            &[numbered(1)],
            None,
        )
        .await
        .unwrap();
    let held_position = held.outcome().last_position;

    let later = {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .append(
                    &new_stream("later"),
                    ExpectedVersion::NoStream,
                    &[numbered(2)],
                    None,
                )
                .await
        })
    };
    let mut later = Some(later);
    if backend.concurrent_writers() {
        let task = later.take().unwrap();
        let committed = within(30, task).await.unwrap().unwrap();
        assert!(
            committed.last_position > held_position,
            "the later append took a later position"
        );
    } else {
        // One writer at a time: the later append waits for the open one.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let waiting = later.as_ref().is_some_and(|task| !task.is_finished());
        assert!(waiting, "a second writer waits while an append is open");
    }
    let while_open = store.read_all(before.checkpoint, 100).await.unwrap();
    assert!(
        while_open.is_empty(),
        "the reader stops before the open append: {while_open:?}"
    );

    held.commit().await.unwrap();
    if let Some(task) = later {
        within(30, task).await.unwrap().unwrap();
    }
    let after_commit = read_all_until(store, before.checkpoint, 2).await;
    let numbers: Vec<u64> = after_commit.iter().map(number_of).collect();
    assert_eq!(
        numbers,
        vec![1, 2],
        "the reader gets the held event, then the later one"
    );
    assert_eq!(after_commit[0].position, held_position);
}

pub(crate) async fn a_rolled_back_append_leaves_no_gap_that_stalls_readers(
    backend: &impl TestBackend,
) {
    let store = backend.store();
    let first = store
        .append(
            &new_stream("first"),
            ExpectedVersion::NoStream,
            &[numbered(1)],
            None,
        )
        .await
        .unwrap();
    let abandoned = store
        .prepare_append(
            &new_stream("abandoned"),
            ExpectedVersion::NoStream,
            &[numbered(2)],
            None,
        )
        .await
        .unwrap();
    abandoned.rollback().await.unwrap();

    store
        .append(
            &new_stream("next"),
            ExpectedVersion::NoStream,
            &[numbered(3)],
            None,
        )
        .await
        .unwrap();
    let read = read_all_until(store, first.checkpoint, 1).await;

    let numbers: Vec<u64> = read.iter().map(number_of).collect();
    assert_eq!(
        numbers,
        vec![3],
        "the reader moves past the rolled-back append at once"
    );
    let all = read_all_until(store, Checkpoint::START, 2).await;
    assert_eq!(all.iter().map(number_of).collect::<Vec<_>>(), vec![1, 3]);
}

pub(crate) async fn reading_all_in_pages_returns_every_event_exactly_once(
    backend: &impl TestBackend,
) {
    let store = backend.store();
    let streams = [new_stream("a"), new_stream("b"), new_stream("c")];
    let mut expected = Vec::new();
    for n in 0..25 {
        let stream = &streams[n % 3];
        store
            .append(stream, ExpectedVersion::Any, &[numbered(n as u64)], None)
            .await
            .unwrap();
        expected.push(n as u64);
    }

    read_all_until(store, Checkpoint::START, expected.len()).await;
    let mut checkpoint = Checkpoint::START;
    let mut seen = Vec::new();
    loop {
        let page = store.read_all(checkpoint, 7).await.unwrap();
        let Some(last) = page.last() else { break };
        assert!(page.len() <= 7, "a page holds at most the limit");
        checkpoint = last.checkpoint;
        seen.extend(page.iter().map(number_of));
    }

    assert_eq!(seen, expected, "every event once, in the order appended");
}

pub(crate) async fn an_event_stored_in_an_old_schema_version_reads_back_upcast(
    backend: &impl TestBackend,
) {
    let store = backend.store();
    let stream = new_stream("incident");
    let comment_id = uuid::Uuid::now_v7().to_string();
    // Schema version 1 of a comment said `internal`; version 2 says `public`.
    let old = raw_event(
        "incident.comment_added",
        1,
        serde_json::json!({
            "comment_id": comment_id,
            "body": "Checked the logs.",
            "internal": true,
            "author": "system",
        }),
    );
    store
        .append(&stream, ExpectedVersion::NoStream, &[old], None)
        .await
        .unwrap();

    let from_stream = store.read_stream(&stream, 0).await.unwrap();
    let from_all = read_all_until(store, Checkpoint::START, 1).await;

    for (event, path) in [
        (&from_stream[0], "stream read"),
        (&from_all[0], "global read"),
    ] {
        assert_eq!(
            event.stored_schema_version, 1,
            "{path}: stored as version 1"
        );
        assert_eq!(event.schema_version, 2, "{path}: handed out as version 2");
        assert_eq!(
            event.data["public"],
            serde_json::json!(false),
            "{path}: internal became public=false"
        );
        assert!(
            event.data.get("internal").is_none(),
            "{path}: the old field is gone"
        );
        assert_eq!(
            event.data["body"], "Checked the logs.",
            "{path}: the rest is kept"
        );
    }
    assert!(
        store.verify().await.unwrap().is_intact(),
        "the hash covers the stored bytes"
    );
}

pub(crate) async fn an_append_wakes_subscribed_readers(backend: &impl TestBackend) {
    let store = backend.store();
    let mut hints = store.wake_up().subscribe();
    hints.borrow_and_update();

    store
        .append(
            &new_stream("hint"),
            ExpectedVersion::NoStream,
            &[numbered(1)],
            None,
        )
        .await
        .unwrap();

    within(10, hints.changed())
        .await
        .expect("the hint sender is alive");
}
