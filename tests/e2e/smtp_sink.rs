//! A real SMTP server for the notifier's end-to-end tests: it listens on 127.0.0.1, speaks
//! enough SMTP for a client to deliver (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), records
//! every message it receives, refuses recipients with 4xx or 5xx on demand, can hold its answer
//! to DATA, and can be stopped and started again on the same port.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How the sink answers a recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// 250: accepted.
    Accept,
    /// 451: try again later.
    Temporary,
    /// 550: never.
    Permanent,
}

/// One message as received: the envelope and the raw data.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) to: Vec<String>,
    pub(crate) data: String,
}

#[derive(Default)]
struct Behaviour {
    /// The answer for every recipient not named in `recipients`.
    default: Option<Answer>,
    /// Answers per recipient address.
    recipients: BTreeMap<String, Answer>,
    /// How long to wait before answering the end of DATA (the message is recorded first).
    hold_data: Duration,
}

#[derive(Default)]
struct Shared {
    messages: Mutex<Vec<Received>>,
    behaviour: Mutex<Behaviour>,
}

/// A running (or stopped) sink.
pub(crate) struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
    running: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
}

impl SmtpSink {
    /// Starts a sink on a free port.
    pub(crate) fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let mut sink = Self {
            port,
            shared: Arc::default(),
            running: None,
        };
        sink.serve(listener);
        sink
    }

    /// `smtp://127.0.0.1:<port>`.
    pub(crate) fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops listening: clients get "connection refused" until [`SmtpSink::restart`].
    pub(crate) fn stop(&mut self) {
        if let Some((stop, thread)) = self.running.take() {
            stop.store(true, Ordering::SeqCst);
            thread.join().unwrap();
        }
    }

    /// Listens again on the same port.
    pub(crate) fn restart(&mut self) {
        self.stop();
        let listener =
            TcpListener::bind(("127.0.0.1", self.port)).expect("the sink's port is free again");
        self.serve(listener);
    }

    /// Answers every recipient with `answer` from now on (unless named in [`SmtpSink::answer_for`]).
    pub(crate) fn answer_all(&self, answer: Answer) {
        self.shared.behaviour.lock().unwrap().default = Some(answer);
    }

    /// Answers `address` with `answer` from now on.
    pub(crate) fn answer_for(&self, address: &str, answer: Answer) {
        let mut behaviour = self.shared.behaviour.lock().unwrap();
        behaviour.recipients.insert(address.to_owned(), answer);
    }

    /// Holds the answer to each message's end of DATA this long (after recording it).
    pub(crate) fn hold_data(&self, hold: Duration) {
        self.shared.behaviour.lock().unwrap().hold_data = hold;
    }

    /// Every message received so far.
    pub(crate) fn messages(&self) -> Vec<Received> {
        self.shared.messages.lock().unwrap().clone()
    }

    /// Waits until at least `count` messages arrived; fails after a minute.
    pub(crate) async fn wait_for(&self, count: usize) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "expected {count} messages within a minute, got {}: {messages:#?}",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn serve(&mut self, listener: TcpListener) {
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::clone(&self.shared);
        let thread = std::thread::spawn({
            let stop = Arc::clone(&stop);
            move || accept_until_stopped(&listener, &stop, &shared)
        });
        self.running = Some((stop, thread));
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_until_stopped(listener: &TcpListener, stop: &Arc<AtomicBool>, shared: &Arc<Shared>) {
    let mut connections: Vec<(TcpStream, JoinHandle<()>)> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).unwrap();
                let handle = stream.try_clone().unwrap();
                let shared = Arc::clone(shared);
                let stop = Arc::clone(stop);
                let thread = std::thread::spawn(move || {
                    let _ = converse(stream, &shared, &stop);
                });
                connections.push((handle, thread));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    // A stopped server drops its conversations too.
    for (stream, thread) in connections {
        let _ = stream.shutdown(Shutdown::Both);
        let _ = thread.join();
    }
}

/// One SMTP conversation.
fn converse(stream: TcpStream, shared: &Shared, stop: &AtomicBool) -> std::io::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    writer.write_all(b"220 127.0.0.1 ledgerdesk test sink ready\r\n")?;
    let mut recipients: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" => "250-127.0.0.1 greets you\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n".to_owned(),
            "HELO" => "250 127.0.0.1\r\n".to_owned(),
            "MAIL" => {
                recipients.clear();
                "250 2.1.0 sender ok\r\n".to_owned()
            }
            "RCPT" => {
                let address = angle_address(&command);
                let behaviour = shared.behaviour.lock().unwrap();
                let answer = behaviour
                    .recipients
                    .get(&address)
                    .copied()
                    .or(behaviour.default)
                    .unwrap_or(Answer::Accept);
                match answer {
                    Answer::Accept => {
                        recipients.push(address);
                        "250 2.1.5 recipient ok\r\n".to_owned()
                    }
                    Answer::Temporary => "451 4.3.0 try again later\r\n".to_owned(),
                    Answer::Permanent => "550 5.1.1 no such mailbox here\r\n".to_owned(),
                }
            }
            "DATA" if recipients.is_empty() => "554 5.5.1 no valid recipients\r\n".to_owned(),
            "DATA" => {
                writer.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")?;
                let data = read_data(&mut reader)?;
                shared.messages.lock().unwrap().push(Received {
                    to: std::mem::take(&mut recipients),
                    data,
                });
                let hold = shared.behaviour.lock().unwrap().hold_data;
                let until = Instant::now() + hold;
                while Instant::now() < until && !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                "250 2.0.0 queued\r\n".to_owned()
            }
            "RSET" => {
                recipients.clear();
                "250 2.0.0 reset\r\n".to_owned()
            }
            "NOOP" => "250 2.0.0 ok\r\n".to_owned(),
            "QUIT" => {
                writer.write_all(b"221 2.0.0 bye\r\n")?;
                return Ok(());
            }
            _ => "502 5.5.2 command not recognised\r\n".to_owned(),
        };
        writer.write_all(reply.as_bytes())?;
    }
}

/// Reads DATA lines up to the lone dot, undoing dot-stuffing.
fn read_data(reader: &mut BufReader<TcpStream>) -> std::io::Result<String> {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == ".\r\n" || line == ".\n" {
            return Ok(data);
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
    }
}

fn angle_address(command: &str) -> String {
    let start = command.find('<').map_or(0, |at| at + 1);
    let end = command[start..]
        .find('>')
        .map_or(command.len(), |at| start + at);
    command[start..end].to_owned()
}

impl Received {
    /// A header's value, unfolded (the first one of that name).
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }

    /// The single envelope recipient.
    pub(crate) fn recipient(&self) -> String {
        assert_eq!(self.to.len(), 1, "one recipient per mail: {self:?}");
        self.to[0].clone()
    }

    pub(crate) fn message_id(&self) -> String {
        self.header("Message-ID")
            .expect("every mail has a Message-ID")
    }

    pub(crate) fn subject(&self) -> String {
        self.header("Subject").expect("every mail has a subject")
    }

    /// The whole message with quoted-printable soft breaks and escapes undone, for searching.
    pub(crate) fn text(&self) -> String {
        readable(&self.data)
    }
}

/// A message (as sent, or as an `.eml` file) with quoted-printable soft breaks and escapes
/// undone, for searching.
pub(crate) fn readable(data: &str) -> String {
    let joined = data.replace("=\r\n", "");
    let mut out = Vec::with_capacity(joined.len());
    let bytes = joined.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        let escaped = bytes
            .get(index + 1..index + 3)
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match (bytes[index], escaped) {
            (b'=', Some(byte)) => {
                out.push(byte);
                index += 3;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
