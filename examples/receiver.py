#!/usr/bin/env python3
"""A minimal TaskShed webhook receiver: verify, deduplicate, handle, answer 204.

    pip install standardwebhooks==1.1.0
    TASKSHED_SECRET=whsec_... python3 examples/receiver.py --port 9000
    # or: python3 examples/receiver.py --port 9000 whsec_...

Register it as a callback (the PUT answer contains the secret to start this with):

    curl -X PUT http://127.0.0.1:8080/v1/callbacks/send-reminder \
      -H 'content-type: application/json' -d '{"url": "http://127.0.0.1:9000/hooks"}'

What TaskShed sends: a POST of the task's `kwargs` (JSON), signed per Standard Webhooks
(`webhook-id`, `webhook-timestamp`, `webhook-signature`), plus `taskshed-task-id`,
`taskshed-group-id` (when set), `taskshed-scheduled-at` and `taskshed-attempt`.

How this receiver answers, and why:
- 401 when the signature does not verify (or the timestamp is more than 5 minutes off, which
  stops replays). TaskShed treats 4xx other than 408/409/425/429 as final: no retries.
- 204 once the task is handled. Any 2xx counts as delivered.
- 204 without handling again when the `webhook-id` was seen before. Delivery is at least
  once: a timeout or a crash after handling but before answering makes TaskShed send the
  same occurrence again, with the same `webhook-id`.
- 500 when handling fails: TaskShed retries with backoff.

The set of seen ids lives in memory, so it is lost on restart and not shared between
processes. In production keep it in a durable store shared by all receiver instances — e.g.
a table with a unique `webhook_id` column written in the same transaction as the handler's
effects — and expire entries after a few days (longer than any retry schedule).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

# TaskShed bodies are task kwargs; refuse anything absurdly large before reading it.
MAX_BODY_BYTES = 1024 * 1024


class SeenIds:
    """Webhook ids already handled (in memory: see the module docstring)."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._lock = threading.Lock()

    def __contains__(self, webhook_id: str) -> bool:
        with self._lock:
            return webhook_id in self._ids

    def add(self, webhook_id: str) -> None:
        with self._lock:
            self._ids.add(webhook_id)


def handle_task(headers: dict[str, str], kwargs: dict) -> None:
    """Your work goes here. Raise to have TaskShed retry."""
    print(
        f"task {headers.get('taskshed-task-id')}"
        f" group={headers.get('taskshed-group-id', '-')}"
        f" scheduled_at={headers.get('taskshed-scheduled-at')}"
        f" attempt={headers.get('taskshed-attempt')}"
        f" kwargs={json.dumps(kwargs, ensure_ascii=False)}",
        flush=True,
    )


def make_handler(webhook: Webhook, seen: SeenIds) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY_BYTES:
                self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
                return
            # Verify the exact bytes received: re-serialised JSON would not match.
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            try:
                kwargs = webhook.verify(body, headers)
            except WebhookVerificationError as error:
                print(f"rejected: {error}", file=sys.stderr, flush=True)
                self._answer(HTTPStatus.UNAUTHORIZED)
                return

            # Deduplicate only after verifying, so forged requests cannot poison the set.
            webhook_id = headers["webhook-id"]
            if webhook_id in seen:
                print(f"duplicate {webhook_id}: already handled", flush=True)
                self._answer(HTTPStatus.NO_CONTENT)
                return
            try:
                handle_task(headers, kwargs)
            except Exception as error:  # noqa: BLE001 (any failure means "retry later")
                print(f"handler failed: {error!r}", file=sys.stderr, flush=True)
                self._answer(HTTPStatus.INTERNAL_SERVER_ERROR)
                return
            # Remember the id only once handled: a failed attempt must be handled on retry.
            seen.add(webhook_id)
            self._answer(HTTPStatus.NO_CONTENT)

        def _answer(self, status: HTTPStatus) -> None:
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # handle_task prints what matters

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "secret",
        nargs="?",
        default=os.environ.get("TASKSHED_SECRET"),
        help="the callback's whsec_... secret (default: $TASKSHED_SECRET)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    if not args.secret:
        parser.error("give the callback's secret as an argument or in TASKSHED_SECRET")

    # Accepts the `whsec_` form TaskShed returns.
    webhook = Webhook(args.secret)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(webhook, SeenIds()))
    print(f"receiving TaskShed webhooks on http://{args.host}:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
