//! A TCP relay on 127.0.0.1 that makes loopback look like a long path: it
//! waits one round trip before connecting upstream (the TCP handshake's),
//! then holds every chunk for half a round trip in each direction. Chunks
//! are forwarded as they come (each is due half a round trip after it was
//! read, whatever is still in flight), with `TCP_NODELAY` on both sockets,
//! so the relay neither limits bandwidth nor adds Nagle stalls of its own.
//! It counts the connections it accepts.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

pub(crate) struct Relay {
    addr: SocketAddr,
    /// Per accepted connection, in order, the bytes relayed from the
    /// server to the client.
    connections: Arc<Mutex<Vec<Arc<AtomicU64>>>>,
}

impl Relay {
    /// Listens on a free port of 127.0.0.1 and relays to `upstream`
    /// with `rtt` added, until the process ends.
    pub(crate) fn start(upstream: SocketAddr, rtt: Duration) -> io::Result<Relay> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let connections = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::clone(&connections);
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let down = Arc::new(AtomicU64::new(0));
                accepted
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Arc::clone(&down));
                thread::spawn(move || {
                    // A side that goes away ends the relay of its
                    // connection; nothing to report.
                    let _ = relay(client, upstream, rtt, &down);
                });
            }
        });
        Ok(Relay { addr, connections })
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted so far.
    pub(crate) fn connections(&self) -> usize {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Bytes relayed so far from the server to the client on connection
    /// `index` (counting from 0 in the order of acceptance).
    pub(crate) fn bytes_down(&self, index: usize) -> Option<u64> {
        let connections = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Some(connections.get(index)?.load(Ordering::SeqCst))
    }
}

fn relay(
    client: TcpStream,
    upstream: SocketAddr,
    rtt: Duration,
    down_bytes: &Arc<AtomicU64>,
) -> io::Result<()> {
    client.set_nodelay(true)?;
    // The TCP handshake: the client's first bytes wait for it.
    thread::sleep(rtt);
    let server = TcpStream::connect(upstream)?;
    server.set_nodelay(true)?;
    let half = rtt / 2;
    let up = pump(client.try_clone()?, server.try_clone()?, half, None)?;
    let down = pump(server, client, half, Some(Arc::clone(down_bytes)))?;
    let _ = up.join();
    let _ = down.join();
    Ok(())
}

/// Copies `from` to `to`, each chunk `delay` after it was read, counting
/// the bytes read into `count`; an end of stream is passed on (as a
/// shutdown of `to`'s writing side) after the same delay. Two threads:
/// one reads, one writes when due.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    delay: Duration,
    count: Option<Arc<AtomicU64>>,
) -> io::Result<thread::JoinHandle<()>> {
    let (tx, rx) = mpsc::channel::<(Instant, Option<Vec<u8>>)>();
    thread::Builder::new().spawn(move || {
        let mut buf = vec![0; 64 * 1024];
        loop {
            let chunk = match from.read(&mut buf) {
                Ok(0) | Err(_) => None,
                Ok(n) => Some(buf[..n].to_vec()),
            };
            if let (Some(count), Some(chunk)) = (&count, &chunk) {
                count.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            }
            let end = chunk.is_none();
            if tx.send((Instant::now() + delay, chunk)).is_err() || end {
                return;
            }
        }
    })?;
    thread::Builder::new().spawn(move || {
        for (due, chunk) in rx {
            let now = Instant::now();
            if due > now {
                thread::sleep(due - now);
            }
            match chunk {
                Some(bytes) if to.write_all(&bytes).is_ok() => {}
                _ => {
                    let _ = to.shutdown(Shutdown::Write);
                    return;
                }
            }
        }
    })
}
