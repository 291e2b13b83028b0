//! Verification of the per-stream hash chains.

use ledgerdesk_store::{Checkpoint, EventStore, ExpectedVersion, LinkProblem};

use crate::harness::{TestBackend, new_stream, numbered, read_all_until};

pub(crate) async fn an_untouched_ledger_verifies(backend: &impl TestBackend) {
    let store = backend.store();
    for stream in [new_stream("a"), new_stream("b")] {
        store
            .append(
                &stream,
                ExpectedVersion::NoStream,
                &[numbered(1), numbered(2)],
                None,
            )
            .await
            .unwrap();
        store
            .append(&stream, ExpectedVersion::Exact(2), &[numbered(3)], None)
            .await
            .unwrap();
    }

    let report = store.verify().await.unwrap();

    assert!(report.is_intact(), "{report:?}");
    assert_eq!((report.streams, report.events), (2, 6));
}

pub(crate) async fn tampering_with_one_stored_event_makes_verify_name_that_event(
    backend: &impl TestBackend,
) {
    let store = backend.store();
    let victim = new_stream("victim");
    store
        .append(
            &victim,
            ExpectedVersion::NoStream,
            &[numbered(1), numbered(2), numbered(3)],
            None,
        )
        .await
        .unwrap();
    store
        .append(
            &new_stream("bystander"),
            ExpectedVersion::NoStream,
            &[numbered(4)],
            None,
        )
        .await
        .unwrap();
    let events = store.read_stream(&victim, 0).await.unwrap();
    let tampered = &events[1];

    backend.tamper_with_event(tampered.position).await;
    let report = store.verify().await.unwrap();

    assert_eq!(
        report.broken.len(),
        1,
        "exactly one broken link: {report:?}"
    );
    let link = &report.broken[0];
    assert_eq!(link.stream, victim.as_str());
    assert_eq!(link.version, 2);
    assert_eq!(link.position, Some(tampered.position));
    assert_eq!(link.problem, LinkProblem::HashMismatch);
    let reread = read_all_until(store, Checkpoint::START, 4).await;
    assert_eq!(
        reread[1].data["n"], 999,
        "the tampering really changed the stored event"
    );
}

pub(crate) async fn removing_the_last_event_of_a_stream_is_detected(backend: &impl TestBackend) {
    let store = backend.store();
    let victim = new_stream("victim");
    let outcome = store
        .append(
            &victim,
            ExpectedVersion::NoStream,
            &[numbered(1), numbered(2)],
            None,
        )
        .await
        .unwrap();

    backend.delete_event(outcome.last_position).await;
    let report = store.verify().await.unwrap();

    assert_eq!(report.broken.len(), 1, "{report:?}");
    assert_eq!(report.broken[0].problem, LinkProblem::TruncatedStream);
    assert_eq!(report.broken[0].stream, victim.as_str());
}

pub(crate) async fn verify_holds_while_appends_run(backend: &impl TestBackend) {
    let store = backend.store();
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for n in 0..150 {
                let stream = new_stream("busy");
                store
                    .append(&stream, ExpectedVersion::NoStream, &[numbered(n)], None)
                    .await
                    .unwrap();
                store
                    .append(&stream, ExpectedVersion::Exact(1), &[numbered(n)], None)
                    .await
                    .unwrap();
            }
        })
    };

    let mut verifications = 0;
    while !writer.is_finished() {
        let report = store.verify().await.unwrap();
        assert!(
            report.is_intact(),
            "appends running meanwhile are no tampering: {report:?}"
        );
        verifications += 1;
    }
    writer.await.unwrap();

    assert!(verifications > 1, "verify ran while the appends did");
}

pub(crate) async fn an_unreadable_row_is_named_not_fatal(backend: &impl TestBackend) {
    let store = backend.store();
    let victim = new_stream("victim");
    store
        .append(
            &victim,
            ExpectedVersion::NoStream,
            &[numbered(1), numbered(2)],
            None,
        )
        .await
        .unwrap();
    let position = store.read_stream(&victim, 0).await.unwrap()[0].position;

    backend.break_event(position).await;
    let report = store.verify().await.unwrap();

    let link = report
        .broken
        .iter()
        .find(|link| link.position == Some(position));
    let link = link.expect("verify names the unreadable event");
    assert_eq!(
        (link.stream.as_str(), link.problem),
        (victim.as_str(), LinkProblem::Unreadable)
    );
}
