"""A real SMTP server on loopback for the mail tests (aiosmtpd).

Prints "ready PORT" once it accepts connections, then writes each message it receives as one
JSON line to stdout: {to, from, subject, text, html}, the MIME parts decoded as a mail client
would. Stops when stdin closes (the test ended).
"""
import email
import email.policy
import json
import socket
import sys

from aiosmtpd.controller import Controller


class Sink:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        line = json.dumps({
            "to": envelope.rcpt_tos,
            "from": envelope.mail_from,
            "subject": str(msg["subject"]),
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
        })
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        return "250 OK"


def main():
    # A free port (aiosmtpd's start-up check connects to the port it was given, so not 0).
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    sys.stdout.write(f"ready {port}\n")
    sys.stdout.flush()
    # Until the test closes our stdin.
    for _ in sys.stdin:
        pass
    controller.stop()


if __name__ == "__main__":
    main()
