//! Thread-per-connection HTTP/1.1 server. Test traffic is small, so threads
//! are simpler and easier to reason about than an event loop.

use super::{Request, Response, read_body, read_head, write_response};
use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// What to do with a connection once its request has been read.
pub enum Action {
    Reply(Response),
    /// Close without answering: the client sees the connection drop.
    Close,
    /// Never answer; hold the socket until the client gives up (or 300 s).
    Stall,
}

pub type Handler = Arc<dyn Fn(Request) -> Action + Send + Sync>;

/// A request must arrive within this long; an idle probe must not pin a thread.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
const STALL_LIMIT: Duration = Duration::from_secs(300);

pub struct Server {
    addr: SocketAddr,
    shutdown: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds a free loopback port. Kept apart from `start` so that callers can
    /// learn every address (e.g. three origins) before any handler runs.
    pub fn bind() -> TcpListener {
        TcpListener::bind("127.0.0.1:0").expect("bind a loopback port")
    }

    pub fn start(listener: TcpListener, handler: Handler) -> Server {
        let addr = listener.local_addr().expect("listener address");
        let shutdown = Arc::new(AtomicBool::new(false));
        let flag = shutdown.clone();
        let accept = thread::Builder::new()
            .name(format!("http-accept-{}", addr.port()))
            .spawn(move || accept_loop(listener, handler, flag))
            .expect("spawn accept thread");
        Server {
            addr,
            shutdown,
            accept: Some(accept),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::SeqCst);
        // The accept thread is blocked in accept(); a connection wakes it so
        // it can see the flag. If even that fails, leave the thread behind
        // rather than hang the test.
        if TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok()
            && let Some(t) = self.accept.take()
        {
            let _ = t.join();
        }
    }
}

fn accept_loop(listener: TcpListener, handler: Handler, shutdown: Arc<AtomicBool>) {
    for stream in listener.incoming() {
        if shutdown.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else {
            // EMFILE and friends: back off instead of spinning.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let (handler, shutdown) = (handler.clone(), shutdown.clone());
        let _ = thread::Builder::new()
            .name("http-conn".into())
            .spawn(move || serve_connection(stream, &handler, &shutdown));
    }
}

fn serve_connection(mut stream: TcpStream, handler: &Handler, shutdown: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let request = match read_request(&mut stream) {
        Ok(Some(r)) => r,
        Ok(None) => return,
        Err(e) => {
            let body = format!("bad request: {e}\n");
            let _ = write_response(&mut stream, &Response::new(400).with_body(body));
            return;
        }
    };
    match handler(request) {
        Action::Reply(resp) => {
            let _ = write_response(&mut stream, &resp);
        }
        Action::Close => {
            let _ = stream.shutdown(Shutdown::Both);
        }
        Action::Stall => stall(stream, shutdown),
    }
}

fn read_request(stream: &mut TcpStream) -> io::Result<Option<Request>> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let Some((start, headers)) = read_head(&mut reader)? else {
        return Ok(None);
    };
    let mut parts = start.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "bad request line",
        ));
    };
    // curl sends `Expect: 100-continue` for large uploads and waits a second
    // for this before sending the body; answer at once.
    if super::header(&headers, "Expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let body = read_body(&mut reader, &headers, false)?;
    Ok(Some(Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        body,
    }))
}

/// Holds the connection open, discarding input, until the client closes it,
/// the server shuts down, or the limit passes.
fn stall(mut stream: TcpStream, shutdown: &AtomicBool) {
    let started = Instant::now();
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = [0u8; 1024];
    while started.elapsed() < STALL_LIMIT && !shutdown.load(Ordering::SeqCst) {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
    }
}
