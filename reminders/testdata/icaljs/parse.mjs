// Reads .ics documents back with ical.js for reminders/ics_test.go.
//
//   node parse.mjs /path/to/node_modules/ical.js/dist/ical.js < in.json > out.json
//
// in.json is [{"name": ..., "ics": ...}, ...]; out.json has one object per
// document with what a calendar would show, or {"error": ...} when ical.js
// refuses the document. Instants are Unix seconds computed by ical.js from
// the document's own VTIMEZONE, which is the point of the test.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const ICAL = (await import(pathToFileURL(process.argv[2]).href)).default;
const docs = JSON.parse(readFileSync(0, "utf8"));

function time(comp, name) {
  const prop = comp.getFirstProperty(name);
  if (!prop) return null;
  const t = prop.getFirstValue();
  return {
    unix: t.toUnixTime(),
    tzid: prop.getParameter("tzid") ?? "",
    // The zone ical.js resolved: the VTIMEZONE's TZID, "UTC", or "floating"
    // when the TZID was not found (which the test treats as a failure).
    zone: t.zone ? t.zone.tzid : "",
  };
}

function person(prop) {
  return {
    value: prop.getFirstValue(),
    cn: prop.getParameter("cn") ?? "",
    role: prop.getParameter("role") ?? "",
    partstat: prop.getParameter("partstat") ?? "",
    rsvp: prop.getParameter("rsvp") ?? "",
  };
}

function read(text) {
  const jcal = ICAL.parse(text);
  // ICAL.parse gives an array when the text holds several components.
  const roots = Array.isArray(jcal[0]) ? jcal : [jcal];
  const cal = new ICAL.Component(roots[0]);
  const events = cal.getAllSubcomponents("vevent");
  const ev = events[0];
  const text1 = (c, n) => c.getFirstPropertyValue(n);
  return {
    roots: roots.length,
    component: cal.name,
    version: text1(cal, "version"),
    prodid: text1(cal, "prodid"),
    calscale: text1(cal, "calscale"),
    method: text1(cal, "method"),
    vtimezones: cal.getAllSubcomponents("vtimezone").length,
    vevents: events.length,
    uid: text1(ev, "uid"),
    sequence: text1(ev, "sequence"),
    status: text1(ev, "status"),
    transp: text1(ev, "transp"),
    summary: text1(ev, "summary"),
    description: text1(ev, "description"),
    location: text1(ev, "location") ?? "",
    dtstamp: time(ev, "dtstamp"),
    dtstart: time(ev, "dtstart"),
    dtend: time(ev, "dtend"),
    organizers: ev.getAllProperties("organizer").map(person),
    attendees: ev.getAllProperties("attendee").map(person),
    properties: ev.getAllProperties().map((p) => p.name),
  };
}

const out = docs.map(({ name, ics }) => {
  try {
    return { name, ...read(ics) };
  } catch (e) {
    return { name, error: String(e && e.stack ? e.stack : e) };
  }
});
process.stdout.write(JSON.stringify(out));
