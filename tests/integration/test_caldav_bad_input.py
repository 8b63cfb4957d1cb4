"""Hostile and broken calendar input: RRULE bombs are stored quickly and stay bounded in
queries; garbage, huge, two-UID, wrong-component and unresolvable-TZID objects get a 4xx
and leave the calendar exactly as it was."""
import time
import unittest

from caldav_util import Dav, add_users, comp, components, calendar_datas, new_uid, vcal
from kith_harness import KithTestCase

CAL = "/dav/calendars/alice/calendar/"
MONTH = ('<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
         '<C:time-range start="20260301T000000Z" end="20260401T000000Z"/></C:comp-filter>'
         '</C:comp-filter>')
EXPAND = ('<C:calendar-data><C:expand start="20260301T000000Z" end="20260401T000000Z"/>'
          '</C:calendar-data>')


class BadInputTest(KithTestCase):
    def setUp(self):
        super().setUp()
        add_users(self.kith, "alice")
        self.server = self.kith.serve()
        self.dav = Dav(self.server, "alice")

    def ctag(self):
        body = ('<D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><D:prop>'
                '<CS:getctag/></D:prop></D:propfind>')
        st, _, data = self.dav.req("PROPFIND", CAL, body, {"Depth": "0"})
        self.assertEqual(st, 207)
        return data

    def test_secondly_rule_without_end_is_bounded(self):
        bomb = vcal(comp("VEVENT", "bomb", "DTSTART:20200101T000000Z", "RRULE:FREQ=SECONDLY",
                         "SUMMARY:bomb"))
        t0 = time.monotonic()
        st, _, _ = self.dav.put(CAL + "bomb.ics", bomb)
        self.assertIn(st, (201, 403))
        self.assertLess(time.monotonic() - t0, 2.0)
        t0 = time.monotonic()
        st, _, data = self.dav.query(CAL, MONTH, EXPAND)
        self.assertLess(time.monotonic() - t0, 5.0)
        self.assertEqual(st, 207)
        n = sum(len(components(t, "VEVENT")) for t in calendar_datas(data))
        self.assertLessEqual(n, 10000)

    def test_ten_thousand_rdates_are_bounded(self):
        rdates = ["RDATE:2026%02d%02dT%02d0000Z" % (1 + (i // 600) % 12, 1 + (i // 24) % 25, i % 24)
                  for i in range(10000)]
        obj = vcal(comp("VEVENT", "rdates", "DTSTART:20260101T000000Z", "DURATION:PT1H",
                        *rdates))
        t0 = time.monotonic()
        st, _, _ = self.dav.put(CAL + "rdates.ics", obj)
        self.assertIn(st, (201, 403, 413))
        self.assertLess(time.monotonic() - t0, 3.0)
        t0 = time.monotonic()
        st, _, _ = self.dav.query(CAL, MONTH, EXPAND)
        self.assertEqual(st, 207)
        self.assertLess(time.monotonic() - t0, 5.0)

    def test_refused_objects_change_nothing(self):
        self.dav.put(CAL + "ok.ics", vcal(comp("VEVENT", "ok", "DTSTART:20260310T090000Z")))
        before = (self.ctag(), sorted(self.dav.hrefs(CAL)))
        cases = {
            "garbage": b"\x00\xffthis is not iCalendar at all",
            "not-vcalendar": "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:x\r\nEND:VCARD\r\n",
            "two-uids": vcal(comp("VEVENT", "a", "DTSTART:20260310T090000Z"),
                             comp("VEVENT", "b", "DTSTART:20260311T090000Z")),
            "no-uid": vcal("BEGIN:VEVENT\r\nDTSTART:20260310T090000Z\r\nEND:VEVENT\r\n"),
            "todo-in-events": vcal(comp("VTODO", new_uid(), "SUMMARY:x")),
            "bad-tzid": vcal(comp("VEVENT", new_uid(), "DTSTART;TZID=Mars/Olympus:20260310T090000")),
            "uid-taken": vcal(comp("VEVENT", "ok", "DTSTART:20260312T090000Z")),
            "huge": vcal(comp("VEVENT", new_uid(), "DTSTART:20260310T090000Z",
                              *["COMMENT:" + "x" * 70] * 20000)),
        }
        for name, body in cases.items():
            st, _, data = self.dav.put(CAL + name + ".ics", body)
            self.assertTrue(400 <= st < 500, "%s: %d %r" % (name, st, data[:200]))
        self.assertEqual((self.ctag(), sorted(self.dav.hrefs(CAL))), before)

    def test_windows_zone_names_are_accepted(self):
        obj = vcal(comp("VEVENT", "outlook", "DTSTART;TZID=W. Europe Standard Time:20260310T090000",
                        "DTEND;TZID=W. Europe Standard Time:20260310T100000"))
        st, _, _ = self.dav.put(CAL + "outlook.ics", obj)
        self.assertEqual(st, 201)
        st, _, data = self.dav.query(CAL, MONTH, EXPAND)
        self.assertIn(b"DTSTART:20260310T080000Z", data)


if __name__ == "__main__":
    unittest.main()
