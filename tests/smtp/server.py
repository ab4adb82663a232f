"""A real SMTP server for the integration tests (aiosmtpd, from PyPI).

Usage: python3 tests/smtp/server.py PORT MAILDIR

Listens on 127.0.0.1:PORT and writes every accepted message to MAILDIR as `<n>.eml`, with the
envelope recipients in an `X-Envelope-To` header first. A recipient whose local part starts with
`bounce` is refused with 550 (a permanent rejection). Prints `ready` once it accepts connections
and runs until it is killed; the tests kill it to play an outage and start it again on the same
port.
"""

import itertools
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Maildir:
    def __init__(self, folder):
        self.folder = folder
        self.counter = itertools.count(len(os.listdir(folder)) + 1)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@", 1)[0].lower().startswith("bounce"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox does not exist"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            n = next(self.counter)
        header = "X-Envelope-To: " + ", ".join(envelope.rcpt_tos) + "\r\n"
        path = os.path.join(self.folder, f"{n:05}.eml")
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(header.encode())
            f.write(envelope.original_content or envelope.content)
        os.replace(tmp, path)
        return "250 Message accepted for delivery"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Maildir(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
