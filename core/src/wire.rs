//! Records how far each HTTP attempt got on the wire — looked up, connected, TLS, writing,
//! request complete — so that a failure can be classified by what actually happened rather
//! than by the shape of an I/O error (a rustls alert and a reset after the request look alike).
//!
//! ureq runs a request's connect and I/O on the calling thread, so the progress of the
//! attempt in flight is kept in a thread-local that [`Transport`](crate::transport) resets
//! before each attempt and reads after it.

use std::cell::Cell;

use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, NextTimeout, RustlsConnector,
    TcpConnector, Transport,
};

use crate::reach::Stage;

/// How far the attempt in flight on this thread got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    /// Nothing has happened yet; ureq may be looking the host up.
    Lookup,
    /// Opening the connection (TCP or a proxy tunnel).
    Connect,
    /// The connection is open; the TLS handshake is running.
    Tls,
    /// Connected (or a pooled connection taken); nothing of the request written yet.
    Connected,
    /// Part of the request has been written, certainly not all of it.
    Writing,
    /// The whole request may have been written (more bytes went out than the body alone has:
    /// the head always comes first), or the answer is being awaited or read.
    Written,
}

impl Progress {
    /// The stage a failure at this point stopped in, or `None` once the request was complete.
    pub(crate) fn unwritten_stage(self) -> Option<Stage> {
        match self {
            Progress::Lookup => Some(Stage::Lookup),
            Progress::Connect => Some(Stage::Connect),
            Progress::Tls => Some(Stage::Tls),
            Progress::Connected | Progress::Writing => Some(Stage::Write),
            Progress::Written => None,
        }
    }
}

thread_local! {
    static PROGRESS: Cell<Progress> = const { Cell::new(Progress::Lookup) };
    /// Request bytes written so far by the attempt, and the length of its body.
    static SENT: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    /// Connects in progress on this thread: a CONNECT proxy opens its own connection through
    /// the same chain, and its handshake bytes are not the request's.
    static CONNECTING: Cell<u32> = const { Cell::new(0) };
}

/// Starts tracking a new attempt on this thread, whose request body is `body_len` bytes.
pub(crate) fn begin_attempt(body_len: usize) {
    PROGRESS.with(|p| p.set(Progress::Lookup));
    CONNECTING.with(|c| c.set(0));
    SENT.with(|s| s.set((0, u64::try_from(body_len).unwrap_or(u64::MAX))));
}

/// How far the current attempt on this thread got.
pub(crate) fn progress() -> Progress {
    PROGRESS.with(Cell::get)
}

fn mark(progress: Progress) {
    PROGRESS.with(|p| p.set(progress));
}

fn connecting() -> bool {
    CONNECTING.with(|c| c.get() > 0)
}

/// ureq's default chain (CONNECT proxy, TCP, rustls) with progress marks around it.
pub(crate) fn connector() -> Tracing<impl Connector<(), Out = impl Transport>> {
    Tracing {
        chain:
            ().chain(ConnectProxyConnector::default())
                .chain(TcpConnector::default())
                .chain(TlsMark)
                .chain(RustlsConnector::default()),
    }
}

/// Marks the start of the TLS handshake: the TCP connection (or tunnel) is open.
#[derive(Debug)]
struct TlsMark;

impl<In: Transport> Connector<In> for TlsMark {
    type Out = In;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<In>, ureq::Error> {
        if chained.is_some() && details.needs_tls() && CONNECTING.with(|c| c.get() == 1) {
            mark(Progress::Tls);
        }
        Ok(chained)
    }
}

/// Wraps a connector chain: marks the start and end of the connection to the provider and
/// hands out [`Traced`] transports.
#[derive(Debug)]
pub(crate) struct Tracing<C> {
    chain: C,
}

impl<C: Connector<()>> Connector<()> for Tracing<C> {
    type Out = Traced<C::Out>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let depth = CONNECTING.with(|c| {
            let depth = c.get().saturating_add(1);
            c.set(depth);
            depth
        });
        if depth == 1 {
            mark(Progress::Connect);
        }
        let result = self.chain.connect(details, chained);
        CONNECTING.with(|c| c.set(c.get().saturating_sub(1)));
        let transport = result?;
        if depth == 1 && transport.is_some() {
            mark(Progress::Connected);
        }
        Ok(transport.map(|inner| Traced { inner }))
    }
}

/// A transport that reports its writes and reads to this thread's [`Progress`].
#[derive(Debug)]
pub(crate) struct Traced<T> {
    inner: T,
}

impl<T: Transport> Transport for Traced<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let ours = !connecting();
        if ours && progress() != Progress::Written {
            mark(Progress::Writing);
        }
        self.inner.transmit_output(amount, timeout)?;
        if ours {
            // Once more bytes are out than the body has, the request may be complete: ureq may
            // fail before it ever awaits the answer (a timeout spent, leftover input), and that
            // must not pass for "not sent".
            let amount = u64::try_from(amount).unwrap_or(u64::MAX);
            let (sent, body) = SENT.with(Cell::get);
            let sent = sent.saturating_add(amount);
            SENT.with(|s| s.set((sent, body)));
            if sent > body {
                mark(Progress::Written);
            }
        }
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        // ureq reads only once the whole request is out (vibergate never sends
        // `Expect: 100-continue`).
        if !connecting() {
            mark(Progress::Written);
        }
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}
