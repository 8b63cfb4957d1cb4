"""The assignment scenario of issue 5 with two different real clients from Debian: alice
assigns tasks with python3-caldav, bob works on them offline with vdirsyncer (CalDAV storage
limited to VTODO, synced into a local vdir) and todoman reading and writing that vdir. Bob's
progress and completion reach alice's copy through implicit scheduling (RFC 6638 3.2.2), and
alice's reassignment or cancellation reaches bob's local files on his next sync."""
import json
import os
import shutil
import subprocess
import unittest

from caldav_util import (Dav, add_users, caldav_principal, comp, components, new_uid, prop,
                         prop_line, tasks_calendar, unfold_lines, vcal, write_vdirsyncer_pair)
from kith_harness import KithTestCase

TASK_SUMMARY = "Call Joe Bloggs back"
CLIENT_TIMEOUT = 120  # seconds for one vdirsyncer or todoman run


@unittest.skipUnless(shutil.which("vdirsyncer") and shutil.which("todoman"),
                     "vdirsyncer and todoman are not installed")
class AssignmentTwoClientsTest(KithTestCase):
    def setUp(self):
        super().setUp()
        add_users(self.kith, "alice", "bob", "carol")
        self.server = self.kith.serve()
        self.alice = caldav_principal(self.server, "alice")
        self.vdir = self.kith.path("bob-vdir")
        self.write_bob_config()

    # ------------------------------------------------------------ bob's machine

    def write_bob_config(self):
        """vdirsyncer syncs bob's tasks (VTODO only) into a vdir that todoman reads."""
        self.bob_cfg = self.kith.path("bob-vdirsyncer.conf")
        self.bob_pair = write_vdirsyncer_pair(self.bob_cfg, self.server, "bob", self.vdir,
                                              self.kith.path("bob-status"), ["tasks"],
                                              item_types=["VTODO"])
        with open(self.kith.path("bob-todoman.py"), "w") as f:
            f.write('path = "%s/*"\ndate_format = "%%Y-%%m-%%d"\ntime_format = "%%H:%%M"\n'
                    'cache_path = "%s"\n' % (self.vdir, self.kith.path("bob-todoman.sqlite3")))

    def bob_run(self, *args):
        env = dict(os.environ, HOME=self.tmp, LC_ALL="C.UTF-8", TZ="UTC",
                   XDG_CONFIG_HOME=self.kith.path("bob-xdg"),
                   XDG_CACHE_HOME=self.kith.path("bob-cache"))
        p = subprocess.run(list(args), env=env, cwd=self.tmp, input=b"y\n" * 10,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=CLIENT_TIMEOUT)
        out = p.stdout.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 0, "%r: %s%s" % (args, out, p.stderr.decode("utf-8",
                                                                                     "replace")))
        return out

    def bob_sync(self):
        if not os.path.exists(self.kith.path("bob-status")):
            self.bob_run("vdirsyncer", "-c", self.bob_cfg, "discover", self.bob_pair)
        self.bob_run("vdirsyncer", "-c", self.bob_cfg, "sync")

    def bob_todo(self, *args):
        return self.bob_run("todoman", "-c", self.kith.path("bob-todoman.py"), "--porcelain",
                            *args)

    def bob_sees(self, summary, status="ANY"):
        """The task todoman lists to bob under summary (with one of status), or None."""
        for t in json.loads(self.bob_todo("list", "--status", status)):
            if t["summary"] == summary:
                return t
        return None

    def bob_file(self, uid):
        """(path, text) of bob's local .ics file holding uid."""
        folder = os.path.join(self.vdir, "tasks")
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), encoding="utf-8", newline="") as f:
                text = f.read()
            if ("UID:" + uid) in "\n".join(unfold_lines(text)):
                return os.path.join(folder, name), text
        self.fail("no local file of bob's holds task %s" % uid)

    # ------------------------------------------------------------ alice's client

    def alice_tasks(self):
        return tasks_calendar(self.alice)

    def alice_todo(self, uid):
        return components(self.alice_tasks().todo_by_uid(uid).data, "VTODO")[0]

    def assign(self, uid, assignee, summary=TASK_SUMMARY):
        lines = ["SUMMARY:" + summary, "DUE:20260320T170000Z", "PRIORITY:1",
                 "STATUS:NEEDS-ACTION", "ORGANIZER;CN=Alice:mailto:alice@example.com",
                 "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
                 "mailto:%s@example.com" % assignee]
        return self.alice_tasks().save_todo(vcal(comp("VTODO", uid, *lines)))

    # ------------------------------------------------------------ scenarios

    def test_bob_completes_with_vdirsyncer_and_todoman(self):
        uid = new_uid()
        self.assign(uid, "bob")
        self.bob_sync()
        seen = self.bob_sees(TASK_SUMMARY, "NEEDS-ACTION")
        self.assertIsNotNone(seen, "bob's todoman does not list the assigned task")
        self.assertFalse(seen["completed"])

        # Bob starts it, editing his local file as a user of a plain vdir does.
        path, text = self.bob_file(uid)
        started = text.replace("STATUS:NEEDS-ACTION",
                               "STATUS:IN-PROCESS\r\nPERCENT-COMPLETE:40\r\n"
                               "COMMENT:Left a voicemail")
        self.assertNotEqual(started, text)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(started)
        self.bob_sync()
        todo = self.alice_todo(uid)
        self.assertIn("PARTSTAT=IN-PROCESS", prop_line(todo, "ATTENDEE"))
        self.assertEqual(prop(todo, "STATUS"), "IN-PROCESS")
        self.assertEqual(prop(todo, "PERCENT-COMPLETE"), "40")

        # Bob finishes it with todoman, then syncs.
        self.bob_todo("done", str(self.bob_sees(TASK_SUMMARY, "IN-PROCESS")["id"]))
        done = components(self.bob_file(uid)[1], "VTODO")[0]
        self.assertEqual(prop(done, "STATUS"), "COMPLETED")
        self.bob_sync()
        todo = self.alice_todo(uid)
        self.assertIn("PARTSTAT=COMPLETED", prop_line(todo, "ATTENDEE"))
        self.assertEqual(prop(todo, "STATUS"), "COMPLETED")
        self.assertEqual(prop(todo, "PERCENT-COMPLETE"), "100")
        self.assertEqual(prop(todo, "COMPLETED"), prop(done, "COMPLETED"))
        alice_inbox = Dav(self.server, "alice").hrefs("/dav/calendars/alice/inbox/")
        self.assertEqual(len(alice_inbox), 1)
        # Bob's next sync leaves his copy completed, with his comment.
        self.bob_sync()
        self.assertTrue(self.bob_sees(TASK_SUMMARY, "COMPLETED")["completed"])
        self.assertEqual(prop(components(self.bob_file(uid)[1], "VTODO")[0], "COMMENT"),
                         "Left a voicemail")

    def test_reassignment_and_cancel_reach_bobs_vdir(self):
        moved, dropped = new_uid(), new_uid()
        self.assign(moved, "bob", "Send the quote")
        self.assign(dropped, "bob", "Book the venue")
        self.bob_sync()
        self.assertEqual(sorted(t["summary"] for t in json.loads(self.bob_todo("list"))),
                         ["Book the venue", "Send the quote"])

        # Alice gives the first task to carol instead, and deletes the second.
        obj = self.alice_tasks().todo_by_uid(moved)
        obj.data = obj.data.replace("bob@example.com", "carol@example.com")
        obj.save()
        self.alice_tasks().todo_by_uid(dropped).delete()

        self.bob_sync()
        for uid in (moved, dropped):
            self.assertEqual(prop(components(self.bob_file(uid)[1], "VTODO")[0], "STATUS"),
                             "CANCELLED")
        self.assertEqual(json.loads(self.bob_todo("list")), [],
                         "cancelled tasks are still open in bob's todoman")
        self.assertEqual(sorted(t["summary"] for t in
                                json.loads(self.bob_todo("list", "--status", "CANCELLED"))),
                         ["Book the venue", "Send the quote"])
        carol = Dav(self.server, "carol")
        hrefs = carol.hrefs("/dav/calendars/carol/tasks/")
        self.assertEqual(len(hrefs), 1)
        st, _, data = carol.get(hrefs[0])
        self.assertEqual(st, 200)
        self.assertIn("SUMMARY:Send the quote", data.decode())


if __name__ == "__main__":
    unittest.main()
