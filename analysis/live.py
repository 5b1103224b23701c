"""Live view of a running simulation (``neuroemo run PROTOCOL --live``).

LiveServer
    A small loopback HTTP server (standard library, one thread per client) that serves a
    page and streams the snapshots published by the simulation to it as Server-Sent Events.
snapshot_json
    Serialise one snapshot (accepts NumPy scalars and arrays).

The simulation calls :meth:`LiveServer.publish` from a Brian2 ``network_operation`` every few
tens of ms of biological time with a snapshot::

    {"t_ms": 150.0, "duration_ms": 2000.0,
     "regions": {"pfc": 400, ...},                               # region sizes
     "spikes": {"pfc": {"neuron": [3, 17], "t_ms": [101.2, 140.9]}, ...},  # since last one
     "rates_hz": {"pfc": 7.5, ...}, "channel_rates_hz": {"joy": 12.0, ...},
     "modulators": {"pfc": {"serotonin": 0.8, ...}, ...},
     "readout": {"joy": 0.41, ...}}

``publish`` only serialises the snapshot and appends it to a bounded buffer, so it costs the
simulation well under a millisecond; the HTTP threads do the rest. A browser that connects
late receives the buffered history first. Endpoints: ``/`` (the page), ``/events`` (the
event stream), ``/state`` (the latest snapshot as JSON, for scripts).

Examples
--------
>>> server = LiveServer(port=0)                                  # doctest: +SKIP
>>> url = server.start()                                         # doctest: +SKIP
>>> server.publish({"t_ms": 50.0, "spikes": {}, "rates_hz": {}})  # doctest: +SKIP
>>> server.close()                                               # doctest: +SKIP
"""

from __future__ import annotations

import errno
import json
import socket
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from brainsim.errors import NeuroEmoError

__all__ = ["LiveServer", "snapshot_json", "LOOPBACK_HOSTS"]

#: Hosts the live server may bind to: it is never exposed beyond this machine.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _to_builtin(value: Any) -> Any:
    """``json.dumps`` fallback for NumPy scalars and arrays."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def snapshot_json(snapshot: dict[str, Any]) -> str:
    """Serialise a snapshot compactly (NumPy values become lists and numbers)."""
    return json.dumps(snapshot, separators=(",", ":"), default=_to_builtin)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = False  # a port in use must be reported, not shared
    live: LiveServer


class _IPv6Server(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # keep the simulation's terminal output clean

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        live = self.server.live
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            self._send(200, live.page().encode("utf-8"), "text/html; charset=utf-8")
        elif path == "/events":
            self._stream(live)
        elif path == "/state":
            state = live.state_json()
            self._send(200, state.encode("utf-8"), "application/json")
            if '"closed":true' in state[:40]:
                live._mark_end_read()
        elif path == "/favicon.ico":
            self._send(204, b"", "image/x-icon")
        else:
            self._send(404, b"not found", "text/plain")

    def _client_gone(self) -> bool:
        """Whether the page closed its end: an event-stream client sends nothing after its
        request, so a readable socket means end of file (or a reset)."""
        import select

        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _stream(self, live: LiveServer) -> None:
        try:
            last = int(self.headers.get("Last-Event-ID", "0") or 0)
        except ValueError:
            last = 0
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        with live._cond:
            live._streams += 1
            live._streams_seen += 1
            live._last_stream_change = time.monotonic()
        try:
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            while True:
                items, closed = live._wait_after(last, timeout=2.0)
                for seq, text in items:
                    self.wfile.write(f"id: {seq}\nevent: snapshot\ndata: {text}\n\n".encode())
                    last = seq
                if items:
                    self.wfile.flush()
                if not items and self._client_gone():  # the page was closed
                    return
                if closed and not items:
                    self.wfile.write(b"event: end\ndata: {}\n\n")
                    self.wfile.flush()
                    live._mark_end_read()
                    return
                if not items:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
        except OSError:  # the page went away (broken pipe, reset)
            return
        finally:
            with live._cond:
                live._streams -= 1
                live._last_stream_change = time.monotonic()
                live._cond.notify_all()


class LiveServer:
    """Serve a live page of a running simulation on the loopback interface.

    Parameters
    ----------
    port : int
        TCP port; 0 picks a free one.
    host : str
        ``"127.0.0.1"`` (default), ``"localhost"`` or ``"::1"``; other addresses are refused.
    max_snapshots : int
        Snapshots kept for browsers that connect late (at 50 ms each, 4000 cover 200 s).
    quiet : bool
        Do not print the address on :meth:`start`.

    Raises
    ------
    brainsim.errors.NeuroEmoError
        On :meth:`start`, when the port is in use or the host is not a loopback address.
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1", *, max_snapshots: int = 4000,
                 quiet: bool = False) -> None:
        if host not in LOOPBACK_HOSTS:
            raise NeuroEmoError(
                f"The live view only listens on this machine (127.0.0.1, localhost or ::1), "
                f"not on {host!r}. To watch from elsewhere, forward the port, e.g. "
                "`ssh -L 8765:127.0.0.1:8765 host`."
            )
        if not 0 <= int(port) <= 65535:
            raise NeuroEmoError(f"Port {port} is not a TCP port; give 1-65535, or 0 for any "
                                "free port.")
        self.host = "127.0.0.1" if host == "localhost" else host
        self.port = int(port)
        self.quiet = quiet
        self._buffer: deque[tuple[int, str]] = deque(maxlen=max_snapshots)
        self._seq = 0
        self._latest: str = "null"
        self._closed = False
        self._streams = 0  # open event streams, drained on close
        self._streams_seen = 0  # event streams ever opened
        self._last_stream_change = time.monotonic()
        self._end_read_at: float | None = None  # when a page (or script) saw the end
        self._cond = threading.Condition()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._page: str | None = None

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """``http://HOST:PORT/`` once started."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> str:
        """Bind, serve in a background thread, print and return the page's address."""
        if self._server is not None:
            return self.url
        cls = _IPv6Server if ":" in self.host else _Server
        try:
            server = cls((self.host, self.port), _Handler)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise NeuroEmoError(
                    f"Port {self.port} on {self.host} is already in use (another "
                    "`neuroemo run --live`, or another program). Choose another port, or 0 "
                    "to let the system pick a free one."
                ) from err
            raise NeuroEmoError(f"Cannot serve the live view on {self.host}:{self.port} "
                                f"({err.strerror}).") from err
        server.live = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="neuroemo-live", daemon=True)
        self._thread.start()
        if not self.quiet:
            print(f"Live view: {self.url}  (open it in a browser; Ctrl+C stops the run)",
                  file=sys.stdout, flush=True)
        return self.url

    def close(self, *, drain_s: float = 1.0) -> None:
        """Tell the pages the run ended, then stop serving. Safe to call twice.

        Parameters
        ----------
        drain_s : float
            At most this long is spent letting connected pages receive the last snapshots and
            the end event.
        """
        with self._cond:
            if self._closed and self._server is None:
                return
            self._closed = True
            self._cond.notify_all()
        server, self._server = self._server, None
        if server is None:
            return
        deadline = time.monotonic() + drain_s
        with self._cond:
            while self._streams > 0 and time.monotonic() < deadline:
                self._cond.wait(max(0.0, deadline - time.monotonic()))
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5.0)

    def finish(self, *, linger_s: float = 3.0, idle_s: float = 2.0,
               poll_s: float = 0.1) -> str:
        """The run ended: tell the pages, keep serving until they have seen it, then close.

        A short run ends before a browser has even opened the page; closing at once would
        leave it an error page. So the server stays up until a page (or a script reading
        ``/state``) has received the end of the run and ``linger_s`` more seconds have passed,
        or until every page that had connected is closed for ``idle_s`` seconds, or until
        Ctrl+C. Returns why it stopped: ``"read"``, ``"closed"`` or ``"interrupted"``.
        """
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._server is None:
            return "closed"
        if not self.quiet and self._end_read_at is None:
            print(f"Run finished; the live view stays at {self.url} until a page has shown "
                  "the end of the run (or the page is closed, or Ctrl+C).", flush=True)
        reason = "interrupted"
        try:
            while True:
                with self._cond:
                    now = time.monotonic()
                    if self._end_read_at is not None and now >= self._end_read_at + linger_s:
                        reason = "read"
                        break
                    if (self._end_read_at is None and self._streams_seen and not self._streams
                            and now >= self._last_stream_change + idle_s):
                        reason = "closed"
                        break
                    self._cond.wait(poll_s)
        except KeyboardInterrupt:
            pass
        self.close(drain_s=0.5)
        return reason

    def _mark_end_read(self) -> None:
        with self._cond:
            if self._end_read_at is None:
                self._end_read_at = time.monotonic()
            self._cond.notify_all()

    def __enter__(self) -> LiveServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- data -------------------------------------------------------------------------------
    def publish(self, snapshot: dict[str, Any]) -> None:
        """Queue one snapshot for the connected pages (cheap; call from the simulation)."""
        text = snapshot_json(snapshot)
        with self._cond:
            if self._closed:
                return
            self._seq += 1
            self._buffer.append((self._seq, text))
            self._latest = text
            self._cond.notify_all()

    @property
    def n_published(self) -> int:
        """How many snapshots were published."""
        return self._seq

    def _wait_after(self, seq: int, timeout: float) -> tuple[list[tuple[int, str]], bool]:
        with self._cond:
            if self._seq <= seq and not self._closed:
                self._cond.wait(timeout)
            items = [item for item in self._buffer if item[0] > seq]
            return items, self._closed

    def state_json(self) -> str:
        """``{"seq", "closed", "snapshot"}`` with the latest snapshot."""
        with self._cond:
            return (f'{{"seq":{self._seq},"closed":{"true" if self._closed else "false"},'
                    f'"snapshot":{self._latest}}}')

    def page(self) -> str:
        """The live page's HTML (one file, inline script and style)."""
        if self._page is None:
            self._page = resources.files("analysis").joinpath(
                "templates/live.html").read_text("utf-8")
        return self._page
