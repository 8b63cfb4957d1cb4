"""vdirsyncer + khal round trip (Debian packages): vdirsyncer discovers the calendars and
syncs them into a local vdir (PROPFIND Depth 1 listing + multiget), khal lists the synced
events, and an event written locally is uploaded on the next sync."""
import os
import shutil
import subprocess
import unittest

from caldav_util import PW, Dav, add_users, comp, vcal
from kith_harness import KithTestCase


@unittest.skipUnless(shutil.which("vdirsyncer") and shutil.which("khal"),
                     "vdirsyncer and khal are not installed")
class VdirsyncerKhalTest(KithTestCase):
    def run_tool(self, *args):
        env = dict(os.environ, HOME=self.tmp, LC_ALL="C.UTF-8", TZ="UTC",
                   XDG_CONFIG_HOME=self.kith.path("xdg"), XDG_DATA_HOME=self.kith.path("xdg-data"))
        p = subprocess.run(list(args), env=env, cwd=self.tmp, input=b"y\n" * 10,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        return p.returncode, p.stdout.decode("utf-8", "replace")

    def test_sync_and_khal_list(self):
        add_users(self.kith, "alice")
        server = self.kith.serve()
        dav = Dav(server, "alice")
        dav.put("/dav/calendars/alice/calendar/m1.ics",
                vcal(comp("VEVENT", "m1", "DTSTART:20260310T090000Z", "DTEND:20260310T100000Z",
                          "SUMMARY:Quarterly review")))
        dav.put("/dav/calendars/alice/calendar/m2.ics",
                vcal(comp("VEVENT", "m2", "DTSTART;TZID=Europe/Berlin:20260311T100000",
                          "DTEND;TZID=Europe/Berlin:20260311T110000", "RRULE:FREQ=DAILY;COUNT=3",
                          "SUMMARY:Daily sync")))
        vdir = self.kith.path("vdir")
        status = self.kith.path("status")
        cfg = self.kith.path("vdirsyncer.conf")
        with open(cfg, "w") as f:
            f.write("""[general]
status_path = "%s"

[pair cal]
a = "cal_local"
b = "cal_remote"
collections = ["calendar"]

[storage cal_local]
type = "filesystem"
path = "%s"
fileext = ".ics"

[storage cal_remote]
type = "caldav"
url = "http://127.0.0.1:%d/"
username = "alice"
password = "%s"
""" % (status, vdir, server.http_port, PW))
        rc, out = self.run_tool("vdirsyncer", "-c", cfg, "discover", "cal")
        self.assertEqual(rc, 0, out)
        rc, out = self.run_tool("vdirsyncer", "-c", cfg, "sync")
        self.assertEqual(rc, 0, out)
        files = os.listdir(os.path.join(vdir, "calendar"))
        self.assertEqual(len(files), 2, files)

        khal_cfg = self.kith.path("khal.conf")
        with open(khal_cfg, "w") as f:
            f.write("""[calendars]
[[work]]
path = %s
type = calendar

[locale]
timeformat = %%H:%%M
dateformat = %%Y-%%m-%%d
longdateformat = %%Y-%%m-%%d
datetimeformat = %%Y-%%m-%%d %%H:%%M
longdatetimeformat = %%Y-%%m-%%d %%H:%%M
local_timezone = UTC
default_timezone = UTC
""" % os.path.join(vdir, "calendar"))
        rc, out = self.run_tool("khal", "-c", khal_cfg, "list", "2026-03-09", "7d")
        self.assertEqual(rc, 0, out)
        self.assertIn("Quarterly review", out)
        self.assertEqual(out.count("Daily sync"), 3, out)

        # A locally written event goes up on the next sync.
        with open(os.path.join(vdir, "calendar", "local1.ics"), "w", newline="") as f:
            f.write(vcal(comp("VEVENT", "local1", "DTSTART:20260312T150000Z",
                              "DTEND:20260312T160000Z", "SUMMARY:From khal")))
        rc, out = self.run_tool("vdirsyncer", "-c", cfg, "sync")
        self.assertEqual(rc, 0, out)
        hrefs = dav.hrefs("/dav/calendars/alice/calendar/")
        self.assertEqual(len(hrefs), 3, hrefs)


if __name__ == "__main__":
    unittest.main()
