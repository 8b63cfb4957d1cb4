"""litmus (Debian package `litmus`) against a user's plain WebDAV files at /dav/files/NAME/:
the suites basic, copymove, props and http must pass completely. The locks suite is not run:
Kith has no LOCK (DAV class 1 and 3, not 2), see docs/webdav.md."""
import os
import re
import shutil
import subprocess
import unittest

from kith_harness import KithTestCase

LITMUS = shutil.which("litmus") or "/usr/bin/litmus"
SUITES = ["basic", "copymove", "props", "http"]


def summaries(output):
    """{suite: (run, passed, failed)} from litmus's '<- summary for `x': of N tests run: ...'."""
    found = {}
    pattern = re.compile(r"<- summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed")
    for m in pattern.finditer(output):
        found[m.group(1)] = (int(m.group(2)), int(m.group(3)), int(m.group(4)))
    return found


class TestLitmus(KithTestCase):

    def test_litmus_basic_copymove_props_http_pass(self):
        if not os.access(LITMUS, os.X_OK):
            self.fail("litmus not installed (apt-get install -y litmus)")
        self.kith.add_user("alice", "litmus-pw")
        server = self.kith.serve()
        url = "http://127.0.0.1:%d/dav/files/alice/" % server.http_port
        env = dict(os.environ, TESTS=" ".join(SUITES))
        proc = subprocess.run([LITMUS, url, "alice", "litmus-pw"], cwd=self.tmp, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        out = proc.stdout.decode("utf-8", "replace")
        found = summaries(out)
        self.assertEqual(sorted(found), sorted(SUITES), out[-3000:])
        for suite, (run, passed, failed) in found.items():
            self.assertEqual(failed, 0, "%s: %d failed\n%s" % (suite, failed, out[-3000:]))
            self.assertEqual(run, passed, suite)
            self.assertGreater(run, 1, suite)
        self.assertEqual(proc.returncode, 0, out[-3000:])
        # the server logged no error while litmus hammered it
        self.assertNotIn(" error ", server.log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
