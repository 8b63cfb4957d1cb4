"""kith_harness: run the real `kith` binary against a temporary data directory.

Integration tests import this module (ctest puts tests/integration on PYTHONPATH). It uses
the Python standard library only, so the suite runs under Debian's /usr/bin/python3.

Environment:
  KITH_BIN  the binary under test (set by ctest); default <repo>/build/kith
  KITH_SRC  the repository root (set by ctest); default two folders above this file
  KITH_TEST_KEEP=1  keep each test's temporary directory (its path is printed)
  KITH_TEST_SANITIZED=0|1  override the detection of an ASan/UBSan binary (see scaled())

What it offers:
  KithTestCase      unittest.TestCase with a fresh data dir per test (self.kith)
  Kith.run()        one CLI command -> Result(rc, out, err)
  Kith.serve()      `kith serve` on free loopback ports, ready when it accepts connections
  Server.stop()     SIGTERM to its own PID; fails the test unless it exits 0 within 10 s
                    with no sanitizer report in its log (stop(check=False): killed on purpose)
  http_request()    tiny http.client helper with Basic auth (plain or TLS)
  gen_cards(), split_cards(), unfold(): vCard test data and a minimal reader
"""
import base64
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

SRC = os.environ.get("KITH_SRC") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.environ.get("KITH_BIN") or os.path.join(SRC, "build", "kith")
DEMO_VCF = os.path.join(SRC, "scripts", "demo", "example-ltd.vcf")
GEN_CARDS = os.path.join(SRC, "scripts", "gen-cards")


def _is_sanitized(path):
    """Whether the binary was built with ASan/UBSan (scripts/test's second build), which
    runs several times slower: tests scale their data down so the suite stays quick."""
    forced = os.environ.get("KITH_TEST_SANITIZED")
    if forced in ("0", "1"):
        return forced == "1"
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return b"__asan_init" in data or b"__ubsan_handle_" in data


SANITIZED = _is_sanitized(BIN)


def scaled(normal, sanitized):
    """A data size for this build: normal for a plain build, sanitized under ASan/UBSan."""
    return sanitized if SANITIZED else normal


START_TIMEOUT = 10.0  # seconds for `kith serve` to accept connections
STOP_TIMEOUT = 10.0   # seconds for it to exit after SIGTERM
COMMAND_TIMEOUT = 120.0

# Start of an ASan/LSan or UBSan report (scripts/test's second build). UBSan names the
# source position ("src/x.c:12:5: runtime error: ...") or "<unknown>"; anchoring it at a
# line start keeps a logged request line that merely quotes the words from matching.
SANITIZER_REPORT = re.compile(
    r"ERROR: (?:AddressSanitizer|LeakSanitizer)|^\S+: runtime error: ", re.M)


def sanitizer_report(text, limit=6000):
    """The first sanitizer report in text (up to limit characters), or None."""
    m = SANITIZER_REPORT.search(text)
    if m is None:
        return None
    start = text.rfind("\n", 0, m.start()) + 1
    return text[start:start + limit]


class Result:
    """Outcome of one CLI command: exit status and decoded output."""

    def __init__(self, args, rc, out, err):
        self.args, self.rc, self.out, self.err = args, rc, out, err

    def __repr__(self):
        return "Result(%r, rc=%d,\n stdout=%r,\n stderr=%r)" % (
            self.args, self.rc, self.out[-2000:], self.err[-2000:])


def free_port():
    """A loopback TCP port that was free a moment ago (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc=None, timeout=START_TIMEOUT):
    """True once 127.0.0.1:port accepts a connection; False on timeout or if proc exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Server:
    """A running `kith serve`; stop() it (KithTestCase does so at cleanup anyway)."""

    def __init__(self, proc, log_path, http_port, https_port):
        self.proc = proc
        self.log_path = log_path
        self.http_port = http_port
        self.https_port = https_port
        self.check = True      # stop() fails on a bad exit; False once a test opts out
        self.reported = False  # a failure is raised once, not again at cleanup

    def log(self):
        with open(self.log_path, "r", encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self, timeout=STOP_TIMEOUT, check=True):
        """SIGTERM to the server's own PID; its exit status, or None if it had to be killed.
        Raises AssertionError (once) when its exit status is not 0 (it crashed, ended early
        or ignored SIGTERM) or its log holds a sanitizer report: a crash, leak or UB in the
        server fails the test that ran it. check=False is for a server a test
        stops or kills on purpose; it also exempts the stop at cleanup."""
        if not check:
            self.check = False
        rc = self.proc.poll()
        if rc is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()  # Popen.kill signals this PID only
                self.proc.wait()
                rc = None
        if self.check and not self.reported:
            problem = self.exit_problem(rc, timeout)
            if problem:
                self.reported = True
                raise AssertionError(problem)
        return rc

    def exit_problem(self, rc, timeout=STOP_TIMEOUT):
        """Why this server's end is a failure (exit status rc, None if it had to be killed),
        or None when it is clean."""
        log = self.log()
        report = sanitizer_report(log)
        if report is not None:
            return "kith serve (port %d) printed a sanitizer report:\n%s" % (
                self.http_port, report)
        if rc != 0:
            how = ("did not exit within %.0f s of SIGTERM" % timeout if rc is None
                   else "exited with status %d" % rc)
            return "kith serve (port %d) %s; end of its log:\n%s" % (
                self.http_port, how, log[-3000:])
        return None

    def request(self, method, path, body=None, headers=None, auth=None, tls=False):
        port = self.https_port if tls else self.http_port
        return http_request(port, method, path, body=body, headers=headers, auth=auth, tls=tls)


class Kith:
    """The binary plus one data directory inside a scratch directory."""

    def __init__(self, tmp, data=None):
        self.tmp = tmp
        self.data = data or os.path.join(tmp, "data")
        self.servers = []

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def run(self, *args, data=None, stdin=None, timeout=COMMAND_TIMEOUT, global_args=None):
        """Run `kith --data D [global_args] args...` in the scratch directory (so a stray
        relative path lands there); data=False leaves out --data."""
        cmd = [BIN]
        if data is not False:
            cmd += ["--data", data or self.data]
        cmd += list(global_args or []) + [str(a) for a in args]
        proc = subprocess.run(cmd, input=stdin.encode() if isinstance(stdin, str) else stdin,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                              env=self.env(), cwd=self.tmp)
        result = Result(cmd, proc.returncode, proc.stdout.decode("utf-8", "replace"),
                        proc.stderr.decode("utf-8", "replace"))
        # No test expects a command to crash or to trip a sanitizer, whatever exit status
        # it asserts (UBSan without halt_on_error even exits 0 after its report).
        report = sanitizer_report(result.err)
        if report is not None:
            raise AssertionError("%s printed a sanitizer report:\n%s" % (" ".join(cmd), report))
        if result.rc < 0:
            raise AssertionError("%s was killed by signal %d: %r" % (" ".join(cmd), -result.rc,
                                                                    result))
        return result

    def popen(self, *args, data=None, **kw):
        cmd = [BIN, "--data", data or self.data] + [str(a) for a in args]
        return subprocess.Popen(cmd, env=self.env(), cwd=self.tmp, **kw)

    def env(self):
        env = dict(os.environ)
        env.setdefault("LC_ALL", "C.UTF-8")
        return env

    def add_user(self, name, password="secret-" + "pw", **kw):
        r = self.run("user", "add", name, "--password-stdin", stdin=password + "\n", **kw)
        if r.rc != 0:
            raise AssertionError("user add %s failed: %r" % (name, r))
        return r

    def serve(self, https=False, extra_args=(), data=None):
        """Start `kith serve` on free loopback ports (HTTP, and HTTPS if asked; LDAP off) and
        wait until every listener accepts connections. Retries twice if a port was taken in
        the meantime."""
        last = None
        for _ in range(3):
            http_port = free_port()
            https_port = free_port() if https else None
            args = ["serve", "--http", "127.0.0.1:%d" % http_port,
                    "--https", "127.0.0.1:%d" % https_port if https else "",
                    "--ldap", "", "--ldaps", ""] + list(extra_args)
            log_path = self.path("serve-%d.log" % http_port)
            log = open(log_path, "wb")
            proc = self.popen(*args, data=data, stdin=subprocess.DEVNULL, stdout=log,
                              stderr=subprocess.STDOUT)
            log.close()
            server = Server(proc, log_path, http_port, https_port)
            self.servers.append(server)
            ready = wait_for_port(http_port, proc)
            if ready and https:
                ready = wait_for_port(https_port, proc)
            if ready:
                return server
            server.stop(check=False)  # the error below shows its log
            last = server.log()
            if "in use" not in last:
                break
        raise AssertionError("kith serve did not accept connections within %.0f s; log:\n%s"
                             % (START_TIMEOUT, last))

    def stop_servers(self):
        """Stop every server started here, then raise what stop() found wrong with any."""
        failures = []
        for s in self.servers:
            try:
                s.stop()
            except AssertionError as e:
                failures.append(str(e))
        self.servers = []
        if failures:
            raise AssertionError("\n\n".join(failures))

    # Convenience wrappers for the commands most tests use.
    def import_cards(self, book, *files, **kw):
        return self.run("import", "--into", book, "--quiet", *files, **kw)

    def export(self, book, fmt="vcard4", **kw):
        """Export to a file; returns (Result, bytes of the export or None)."""
        out = self.path("export-%s.vcf" % fmt)
        if os.path.exists(out):
            os.unlink(out)
        r = self.run("export", "--from", book, "--format", fmt, "-o", out, **kw)
        data = None
        if os.path.exists(out):
            with open(out, "rb") as f:
                data = f.read()
        return r, data

    def book_counts(self, user="", **kw):
        """{'alice/contacts': 12, ...} from `kith book list`."""
        r = self.run("book", "list", *([user] if user else []), **kw)
        if r.rc != 0:
            raise AssertionError("book list failed: %r" % r)
        counts = {}
        for line in r.out.splitlines():
            fields = line.split("\t")
            if len(fields) >= 2 and fields[1].endswith(" cards"):
                counts[fields[0]] = int(fields[1].split()[0])
        return counts


class KithTestCase(unittest.TestCase):
    """Each test gets self.kith with an empty data dir in its own temp dir."""

    maxDiff = 4000

    def setUp(self):
        if not os.access(BIN, os.X_OK):
            self.fail("kith binary not found at %s (set KITH_BIN)" % BIN)
        self.tmp = tempfile.mkdtemp(prefix="kith-it-")
        self.kith = Kith(self.tmp)
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        try:
            self.kith.stop_servers()
        finally:
            if os.environ.get("KITH_TEST_KEEP") == "1":
                sys.stderr.write("kept %s\n" % self.tmp)
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)

    def assertOk(self, result, msg=None):
        self.assertEqual(result.rc, 0, msg or result)

    def assertExit(self, result, rc, msg=None):
        self.assertEqual(result.rc, rc, msg or result)

    def assertConsistent(self, **kw):
        r = self.kith.run("check", **kw)
        self.assertEqual(r.rc, 0, "kith check: %r" % r)
        return r


def http_request(port, method, path, body=None, headers=None, auth=None, tls=False,
                 timeout=10.0):
    """One request to 127.0.0.1:port; auth=(user, password) adds Basic auth. TLS skips
    certificate verification (the server's is self-signed). Returns (status, headers dict
    with lower-case names, body bytes)."""
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=ctx)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    hdrs = dict(headers or {})
    if auth is not None:
        token = base64.b64encode(("%s:%s" % auth).encode("utf-8")).decode("ascii")
        hdrs["Authorization"] = "Basic " + token
    if isinstance(body, str):
        body = body.encode("utf-8")
    try:
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def gen_cards(path, count, version="4.0", seed=1, photos=0):
    """Write scripts/gen-cards output to path; returns path."""
    subprocess.run([sys.executable, GEN_CARDS, "--count", str(count), "--version", version,
                    "--seed", str(seed), "--photos", str(photos), "-o", path], check=True)
    return path


def unfold(data):
    """Content lines of vCard bytes with folding undone (RFC 6350 3.2), as str."""
    text = data.decode("utf-8")
    text = text.replace("\r\n ", "").replace("\r\n\t", "")
    text = text.replace("\n ", "").replace("\n\t", "")
    return [line.rstrip("\r") for line in text.split("\n") if line.rstrip("\r")]


def split_cards(data):
    """Cards of a vCard stream as lists of unfolded lines (BEGIN..END inclusive). Raises
    ValueError when BEGIN/END do not balance, so a torn card cannot go unnoticed."""
    cards, cur = [], None
    for line in unfold(data):
        upper = line.upper()
        if upper == "BEGIN:VCARD":
            if cur is not None:
                raise ValueError("BEGIN:VCARD inside a card: %r" % cur[:3])
            cur = [line]
        elif upper == "END:VCARD":
            if cur is None:
                raise ValueError("END:VCARD outside a card")
            cur.append(line)
            cards.append(cur)
            cur = None
        elif cur is None:
            raise ValueError("line outside a card: %r" % line[:80])
        else:
            cur.append(line)
    if cur is not None:
        raise ValueError("card without END:VCARD: %r" % cur[:3])
    return cards


def prop_name(line):
    """Upper-case property name of an unfolded line, without its group."""
    head = line.split(":", 1)[0].split(";", 1)[0]
    return head.split(".", 1)[-1].upper()


def card_uid(card):
    """The card's UID without a urn:uuid: prefix (both forms compare equal)."""
    for line in card:
        if prop_name(line) == "UID":
            value = line.split(":", 1)[1]
            return value[9:] if value.lower().startswith("urn:uuid:") else value
    return None


def cards_by_uid(data):
    return {card_uid(c): c for c in split_cards(data)}


def parse_summary(text):
    """{'imported': n, 'updated': n, 'unchanged': n, 'skipped': n} from import's summary."""
    for line in text.splitlines():
        if line.startswith("imported "):
            counts = {}
            for part in line.split("(")[0].split(","):
                words = part.split()
                if len(words) == 2:
                    counts[words[0]] = int(words[1])
            return counts
    return None
