"""A webhook receiver for tests, run as its own process: `python -m tests.webhook_receiver
PORT SECRET FILE`. It checks each message's Standard Webhooks signature (the maintained
`standardwebhooks` package, as a subscriber would), appends `{id, type, data}` to FILE as one
JSON line before answering 204, and answers 400 to a bad signature."""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


def main() -> None:
    port, secret, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    webhook = Webhook(secret)

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            try:
                message = webhook.verify(body, dict(self.headers))
            except WebhookVerificationError:
                self.send_response(400)
                self.end_headers()
                return
            line = {"id": self.headers["webhook-id"], "type": message["type"], **message}
            with open(path, "a", encoding="utf-8") as file:
                file.write(json.dumps(line, ensure_ascii=False) + "\n")
                file.flush()
                os.fsync(file.fileno())
            self.send_response(204)
            self.end_headers()

        def do_GET(self) -> None:  # readiness for the test that starts it
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    HTTPServer(("127.0.0.1", port), Receiver).serve_forever()


if __name__ == "__main__":
    main()
