"""CalDAV with a real client library (Debian's python3-caldav): discovery from the root URL,
the default calendars, events and tasks created, edited and deleted, MKCALENDAR, and
time-range searches with expansion of recurrences with overrides, EXDATEs and two time
zones, checked instance by instance."""
import unittest

import caldav

from caldav_util import PW, Dav, add_users, comp, components, new_uid, prop, vcal
from kith_harness import KithTestCase

WEEKLY_BERLIN = vcal(
    comp("VEVENT", "standup", "DTSTART;TZID=Europe/Berlin:20260302T100000",
         "DTEND;TZID=Europe/Berlin:20260302T103000", "RRULE:FREQ=WEEKLY;UNTIL=20260427T080000Z",
         "EXDATE;TZID=Europe/Berlin:20260316T100000", "SUMMARY:Standup"),
    comp("VEVENT", "standup", "RECURRENCE-ID;TZID=Europe/Berlin:20260323T100000",
         "DTSTART;TZID=Europe/Berlin:20260324T140000", "DTEND;TZID=Europe/Berlin:20260324T143000",
         "SUMMARY:Standup (moved)"))

MONTHLY_NEW_YORK = vcal(
    comp("VEVENT", "review", "DTSTART;TZID=America/New_York:20260305T090000",
         "DURATION:PT1H", "RRULE:FREQ=MONTHLY;COUNT=6", "SUMMARY:Review"))


class CalDavClientTest(KithTestCase):
    def setUp(self):
        super().setUp()
        add_users(self.kith, "alice")
        self.server = self.kith.serve()
        self.url = "http://127.0.0.1:%d/" % self.server.http_port
        self.client = caldav.DAVClient(self.url, username="alice", password=PW)
        self.principal = self.client.principal()

    def calendar(self, cal_id):
        for c in self.principal.calendars():
            if str(c.url).rstrip("/").endswith("/" + cal_id):
                return c
        self.fail("no calendar %s in %r" % (cal_id, self.principal.calendars()))

    def test_discovery_from_root_lists_default_calendars(self):
        self.assertTrue(str(self.principal.url).endswith("/principals/users/alice/"))
        names = sorted(str(c.url).rstrip("/").rsplit("/", 1)[1] for c in self.principal.calendars())
        for want in ("calendar", "notes", "tasks"):
            self.assertIn(want, names)
        self.assertNotIn("inbox", names)
        self.assertEqual(self.calendar("tasks").get_supported_components(), ["VTODO"])
        addrs = self.principal.calendar_user_address_set()
        self.assertIn("mailto:alice@example.com", addrs)

    def test_event_created_edited_deleted(self):
        cal = self.calendar("calendar")
        uid = new_uid()
        ev = cal.save_event(vcal(comp("VEVENT", uid, "DTSTART:20260310T090000Z",
                                      "DTEND:20260310T100000Z", "SUMMARY:First")))
        got = cal.event_by_uid(uid)
        self.assertIn("SUMMARY:First", got.data)
        got.data = got.data.replace("SUMMARY:First", "SUMMARY:Second")
        got.save()
        self.assertIn("SUMMARY:Second", cal.event_by_uid(uid).data)
        ev.delete()
        with self.assertRaises(caldav.error.NotFoundError):
            cal.event_by_uid(uid)

    def test_task_lives_in_tasks_and_events_are_refused_there(self):
        tasks = self.calendar("tasks")
        uid = new_uid()
        tasks.save_todo(vcal(comp("VTODO", uid, "SUMMARY:Call Joe", "DUE:20260320T170000Z")))
        self.assertEqual([t.icalendar_instance.walk("VTODO")[0]["UID"] for t in tasks.todos()],
                         [uid])
        with self.assertRaises(caldav.error.DAVError):  # 403 supported-calendar-component
            tasks.save_event(vcal(comp("VEVENT", new_uid(), "DTSTART:20260310T090000Z")))

    def test_mkcalendar_with_properties(self):
        cal = self.principal.make_calendar(name="Projects", cal_id="projects",
                                           supported_calendar_component_set=["VTODO"])
        self.assertEqual(cal.get_supported_components(), ["VTODO"])
        self.assertEqual(cal.get_display_name(), "Projects")

    def expanded(self, cal, start, end):
        """(DTSTART, RECURRENCE-ID, SUMMARY) of every instance the server expands."""
        dav = Dav(self.server, "alice")
        st, _, data = dav.query(
            str(cal.url.path),
            '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            '<C:time-range start="%s" end="%s"/></C:comp-filter></C:comp-filter>' % (start, end),
            '<C:calendar-data><C:expand start="%s" end="%s"/></C:calendar-data>' % (start, end))
        self.assertEqual(st, 207, data)
        from caldav_util import calendar_datas
        out = []
        for text in calendar_datas(data):
            for c in components(text, "VEVENT"):
                out.append((prop(c, "DTSTART"), prop(c, "RECURRENCE-ID"), prop(c, "SUMMARY")))
        return sorted(out)

    def test_expansion_honours_overrides_exdate_and_two_zones(self):
        cal = self.calendar("calendar")
        cal.save_event(WEEKLY_BERLIN)
        cal.save_event(MONTHLY_NEW_YORK)
        got = self.expanded(cal, "20260301T000000Z", "20260401T000000Z")
        self.assertEqual(got, [
            ("20260302T090000Z", "20260302T090000Z", "Standup"),          # CET
            ("20260305T140000Z", "20260305T140000Z", "Review"),           # EST
            ("20260309T090000Z", "20260309T090000Z", "Standup"),
            # 16 March is an EXDATE
            ("20260324T130000Z", "20260323T090000Z", "Standup (moved)"),  # CET -> override
            ("20260330T080000Z", "20260330T080000Z", "Standup"),          # CEST
        ])
        april = self.expanded(cal, "20260401T000000Z", "20260501T000000Z")
        self.assertEqual([x[0] for x in april],
                         ["20260405T130000Z", "20260406T080000Z", "20260413T080000Z",
                          "20260420T080000Z", "20260427T080000Z"])

    def test_library_date_search_with_expand(self):
        cal = self.calendar("calendar")
        cal.save_event(WEEKLY_BERLIN)
        import datetime
        res = cal.search(start=datetime.datetime(2026, 3, 20), end=datetime.datetime(2026, 3, 31),
                         event=True, expand=True)
        starts = sorted(str(r.icalendar_instance.walk("VEVENT")[0]["DTSTART"].dt) for r in res)
        self.assertEqual(starts, ["2026-03-24 13:00:00+00:00", "2026-03-30 08:00:00+00:00"])

    def test_open_ended_time_range_and_text_match(self):
        cal = self.calendar("calendar")
        cal.save_event(MONTHLY_NEW_YORK)
        cal.save_event(vcal(comp("VEVENT", "old", "DTSTART:20200101T090000Z",
                                 "DTEND:20200101T100000Z", "SUMMARY:Old")))
        dav = Dav(self.server, "alice")
        st, _, data = dav.query(str(cal.url.path),
                                '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
                                '<C:time-range start="20260801T000000Z"/></C:comp-filter>'
                                '</C:comp-filter>')
        self.assertEqual(st, 207)
        self.assertIn(b"review", data)  # the 6th review is on 5 August
        self.assertNotIn(b"old", data)
        st, _, data = dav.query(str(cal.url.path),
                                '<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
                                '<C:prop-filter name="SUMMARY"><C:text-match>OLD</C:text-match>'
                                '</C:prop-filter></C:comp-filter></C:comp-filter>')
        self.assertIn(b"SUMMARY:Old", data)
        self.assertNotIn(b"review", data)


if __name__ == "__main__":
    unittest.main()
