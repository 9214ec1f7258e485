"""Local HTTP peers that stand in for an ESP (Postmark's API) and Twilio, over real HTTP on 127.0.0.1.

Each peer records what it received and can be told to answer normally, fail
with a status, refuse a recipient, or stall past the client's timeout. The
plugin reaches them through its own configuration (email_api_url,
twilio_api_url), exactly as it reaches the real services.
"""

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any
    at: float = field(default_factory=time.time)  # when the request arrived (wall clock)


@dataclass
class Peer:
    """What the peer does next; ``plan`` entries are consumed one per request, then ``default`` applies."""

    default: str = "ok"
    plan: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def next_action(self) -> str:
        with self.lock:
            return self.plan.pop(0) if self.plan else self.default

    def record(self, item: Received) -> None:
        with self.lock:
            self.received.append(item)

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.received)


def _handler(peer: Peer, answer: Any) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            return

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes; without this, Nagle's algorithm and the
            # client's delayed ACK add 40 ms to every answer on a kept-alive connection.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length).decode()
            action = peer.next_action()
            if action == "timeout":
                time.sleep(15)
            if peer.delay:
                time.sleep(peer.delay)
            ctype = self.headers.get("Content-Type", "")
            body = json.loads(raw) if "json" in ctype else {k: v[0] for k, v in parse_qs(raw).items()}
            status, payload = answer(action, body, self.path)
            if status < 300:
                peer.record(Received(self.path, dict(self.headers), body))
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def postmark_answer(action: str, body: Any, path: str) -> tuple[int, Any]:
    to = body.get("To", "") if isinstance(body, dict) else ""
    if action == "fail":
        return 503, {"ErrorCode": 100, "Message": "Maintenance"}
    if action == "refuse":
        return 422, {
            "ErrorCode": 406,
            "Message": "You tried to send to a recipient that has been marked as inactive.\n"
            f" Found inactive addresses: {to}.\n Inactive recipients are ones that have generated"
            " a hard bounce or a spam complaint.",
        }
    if action == "bad-request":
        return 422, {"ErrorCode": 300, "Message": "Invalid email request"}
    return 200, {"To": to, "SubmittedAt": "2026-11-24T10:00:00Z", "MessageID": str(uuid.uuid4()), "ErrorCode": 0, "Message": "OK"}


def twilio_answer(action: str, body: Any, path: str) -> tuple[int, Any]:
    if action == "fail":
        return 503, {"code": 20503, "message": "Service unavailable", "status": 503}
    if action == "rate-limit":
        return 429, {"code": 20429, "message": "Too Many Requests", "status": 429}
    if action == "unsubscribed":
        return 400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}
    if action == "outside-session":
        return 400, {"code": 63016, "message": "Failed to send freeform message outside the window", "status": 400}
    sid = "SM" + uuid.uuid4().hex
    return 201, {"sid": sid, "status": "queued", "to": body.get("To"), "from": body.get("From"), "body": body.get("Body")}


@contextmanager
def serve(answer: Any) -> Iterator[Peer]:
    peer = Peer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(peer, answer))
    server.daemon_threads = True
    server.block_on_close = False  # a stalled ("timeout") handler must not hold the test up
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    peer.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    """Run a peer in its own process (benchmarks): ``python -m tests.peers postmark``; prints its URL."""
    import sys

    answers = {"postmark": postmark_answer, "twilio": twilio_answer}
    with serve(answers[sys.argv[1]]) as peer:
        print(peer.url, flush=True)  # noqa: T201 - the parent process reads the URL from stdout
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
