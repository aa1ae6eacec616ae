/**
 * Go reference-time layouts ("2006-01-02T15:04:05Z07:00"): tokenising, formatting and parsing,
 * as time.format and time.parse_ns use them.
 */

export const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: "Mon Jan _2 15:04:05 2006",
  UnixDate: "Mon Jan _2 15:04:05 MST 2006",
  RubyDate: "Mon Jan 02 15:04:05 -0700 2006",
  RFC822: "02 Jan 06 15:04 MST",
  RFC822Z: "02 Jan 06 15:04 -0700",
  RFC850: "Monday, 02-Jan-06 15:04:05 MST",
  RFC1123: "Mon, 02 Jan 2006 15:04:05 MST",
  RFC1123Z: "Mon, 02 Jan 2006 15:04:05 -0700",
  RFC3339: "2006-01-02T15:04:05Z07:00",
  RFC3339Nano: "2006-01-02T15:04:05.999999999Z07:00",
  Kitchen: "3:04PM",
  Stamp: "Jan _2 15:04:05",
  StampMilli: "Jan _2 15:04:05.000",
  StampMicro: "Jan _2 15:04:05.000000",
  StampNano: "Jan _2 15:04:05.000000000",
  DateTime: "2006-01-02 15:04:05",
  DateOnly: "2006-01-02",
  TimeOnly: "15:04:05",
};

export const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
export const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

type Token = { lit: string } | { std: string };

const STD = [
  "January",
  "Jan",
  "Monday",
  "Mon",
  "MST",
  "2006",
  "002",
  "-07:00:00",
  "-070000",
  "-07:00",
  "-0700",
  "-07",
  "Z07:00:00",
  "Z070000",
  "Z07:00",
  "Z0700",
  "Z07",
  "01",
  "02",
  "03",
  "04",
  "05",
  "06",
  "_2",
  "15",
  "PM",
  "pm",
  "1",
  "2",
  "3",
  "4",
  "5",
];

export function tokenize(layout: string): Token[] {
  const out: Token[] = [];
  let lit = "";
  let i = 0;
  outer: while (i < layout.length) {
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (frac && /05$|5$/.test(layout.slice(0, i))) {
      if (lit) out.push({ lit });
      lit = "";
      out.push({ std: frac[0] });
      i += frac[0].length;
      continue;
    }
    for (const s of STD) {
      if (layout.startsWith(s, i)) {
        // "Jan" inside "January" and digits inside "2006" are resolved by order; "Mon" must not
        // match "Month" in literal text (Go checks the next char is not lower-case).
        if (
          (s === "Mon" || s === "Jan") &&
          /[a-z]/.test(layout[i + 3] ?? "") &&
          !layout.startsWith("January", i) &&
          !layout.startsWith("Monday", i)
        ) {
          continue;
        }
        if (lit) out.push({ lit });
        lit = "";
        out.push({ std: s });
        i += s.length;
        continue outer;
      }
    }
    lit += layout[i];
    i++;
  }
  if (lit) out.push({ lit });
  return out;
}

export interface Fields {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  weekday: number; // 0 = Sunday
  yday: number;
  offsetSeconds: number;
  zoneName: string;
}

const p2 = (n: number): string => String(n).padStart(2, "0");

function zone(offset: number, style: string): string {
  if (style.startsWith("Z") && offset === 0) return "Z";
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const h = p2(Math.floor(abs / 3600));
  const m = p2(Math.floor((abs % 3600) / 60));
  const s = p2(abs % 60);
  const st = style.replace(/^Z/, "-");
  switch (st) {
    case "-07":
      return `${sign}${h}`;
    case "-0700":
      return `${sign}${h}${m}`;
    case "-07:00":
      return `${sign}${h}:${m}`;
    case "-070000":
      return `${sign}${h}${m}${s}`;
    default:
      return `${sign}${h}:${m}:${s}`;
  }
}

export function format(layout: string, f: Fields): string {
  let out = "";
  for (const t of tokenize(layout)) {
    if ("lit" in t) {
      out += t.lit;
      continue;
    }
    const s = t.std;
    switch (s) {
      case "January":
        out += MONTHS[f.month - 1];
        break;
      case "Jan":
        out += (MONTHS[f.month - 1] ?? "").slice(0, 3);
        break;
      case "Monday":
        out += DAYS[f.weekday];
        break;
      case "Mon":
        out += (DAYS[f.weekday] ?? "").slice(0, 3);
        break;
      case "MST":
        out += f.zoneName;
        break;
      case "2006":
        out += String(f.year).padStart(4, "0");
        break;
      case "06":
        out += p2(f.year % 100);
        break;
      case "01":
        out += p2(f.month);
        break;
      case "1":
        out += String(f.month);
        break;
      case "02":
        out += p2(f.day);
        break;
      case "_2":
        out += String(f.day).padStart(2, " ");
        break;
      case "2":
        out += String(f.day);
        break;
      case "002":
        out += String(f.yday).padStart(3, "0");
        break;
      case "15":
        out += p2(f.hour);
        break;
      case "03":
        out += p2(f.hour % 12 === 0 ? 12 : f.hour % 12);
        break;
      case "3":
        out += String(f.hour % 12 === 0 ? 12 : f.hour % 12);
        break;
      case "04":
        out += p2(f.minute);
        break;
      case "4":
        out += String(f.minute);
        break;
      case "05":
        out += p2(f.second);
        break;
      case "5":
        out += String(f.second);
        break;
      case "PM":
        out += f.hour >= 12 ? "PM" : "AM";
        break;
      case "pm":
        out += f.hour >= 12 ? "pm" : "am";
        break;
      default:
        if (s.startsWith("-") || s.startsWith("Z")) out += zone(f.offsetSeconds, s);
        else out += fraction(s, f.nanos);
    }
  }
  return out;
}

function fraction(spec: string, nanos: number): string {
  const n = spec.length - 1;
  const digits = String(nanos).padStart(9, "0").slice(0, n);
  if (spec[1] === "0") return `${spec[0]}${digits}`;
  const trimmed = digits.replace(/0+$/, "");
  return trimmed ? `${spec[0]}${trimmed}` : "";
}

export interface Parsed {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  /** Offset in seconds when the value carried one. */
  offsetSeconds?: number;
  zoneName?: string;
}

export class LayoutError extends Error {}

export function parse(layout: string, value: string): Parsed {
  const r: Parsed = { year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, nanos: 0 };
  let pm: boolean | undefined;
  let v = value;
  const err = (what: string): never => {
    throw new LayoutError(
      `parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(v)} as ${JSON.stringify(what)}`,
    );
  };
  const num = (min: number, max: number, what: string, fixed = false): number => {
    const m = (fixed ? new RegExp(`^\\d{${max}}`) : new RegExp(`^\\d{${min},${max}}`)).exec(v);
    if (!m) return err(what);
    v = v.slice(m[0].length);
    return Number(m[0]);
  };
  const tokens = tokenize(layout);
  for (let ti = 0; ti < tokens.length; ti++) {
    const t = tokens[ti] as Token;
    if ("lit" in t) {
      if (!v.startsWith(t.lit)) err(t.lit);
      v = v.slice(t.lit.length);
      continue;
    }
    const s = t.std;
    switch (s) {
      case "January":
      case "Jan": {
        const names = s === "January" ? MONTHS : MONTHS.map((m) => m.slice(0, 3));
        const idx = names.findIndex((n) => v.toLowerCase().startsWith(n.toLowerCase()));
        if (idx < 0) err(s);
        v = v.slice((names[idx] ?? "").length);
        r.month = idx + 1;
        break;
      }
      case "Monday":
      case "Mon": {
        const names = s === "Monday" ? DAYS : DAYS.map((d) => d.slice(0, 3));
        const idx = names.findIndex((n) => v.toLowerCase().startsWith(n.toLowerCase()));
        if (idx < 0) err(s);
        v = v.slice((names[idx] ?? "").length);
        break;
      }
      case "2006":
        r.year = num(4, 4, s, true);
        break;
      case "06": {
        const y = num(2, 2, s, true);
        r.year = y >= 69 ? 1900 + y : 2000 + y;
        break;
      }
      case "01":
        r.month = num(2, 2, s, true);
        break;
      case "1":
        r.month = num(1, 2, s);
        break;
      case "02":
        r.day = num(2, 2, s, true);
        break;
      case "_2":
        if (v.startsWith(" ")) v = v.slice(1);
        r.day = num(1, 2, s);
        break;
      case "2":
        r.day = num(1, 2, s);
        break;
      case "002":
        num(3, 3, s, true);
        break;
      case "15":
        r.hour = num(1, 2, s);
        break;
      case "03":
        r.hour = num(2, 2, s, true);
        break;
      case "3":
        r.hour = num(1, 2, s);
        break;
      case "04":
        r.minute = num(2, 2, s, true);
        break;
      case "4":
        r.minute = num(1, 2, s);
        break;
      case "05":
      case "5": {
        r.second = s === "05" ? num(2, 2, s, true) : num(1, 2, s);
        // Go accepts a fractional second after the seconds even when the layout has none.
        const next = tokens[ti + 1];
        const layoutHasFraction = next !== undefined && "std" in next && /^[.,]/.test(next.std);
        const m = /^[.,](\d+)/.exec(v);
        if (m && !layoutHasFraction) {
          r.nanos = Number((m[1] ?? "").slice(0, 9).padEnd(9, "0"));
          v = v.slice(m[0].length);
        }
        break;
      }
      case "PM":
      case "pm": {
        const m = /^(AM|PM)/i.exec(v);
        if (!m) err(s);
        pm = (m?.[1] ?? "").toUpperCase() === "PM";
        v = v.slice(2);
        break;
      }
      case "MST": {
        const m = /^([A-Z]{3,5}|[+-]\d+)/.exec(v);
        if (!m) err(s);
        r.zoneName = m?.[1] ?? "";
        if (r.zoneName === "UTC" || r.zoneName === "GMT") r.offsetSeconds = 0;
        v = v.slice((m?.[1] ?? "").length);
        break;
      }
      default:
        if (s.startsWith("-") || s.startsWith("Z")) {
          if (s.startsWith("Z") && v.startsWith("Z")) {
            v = v.slice(1);
            r.offsetSeconds = 0;
            break;
          }
          const m = /^([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?/.exec(v);
          if (!m) err(s);
          const [all = "", sign, hh = "0", mm = "0", ss = "0"] = m ?? [];
          r.offsetSeconds = (sign === "-" ? -1 : 1) * (Number(hh) * 3600 + Number(mm) * 60 + Number(ss));
          v = v.slice(all.length);
        } else {
          const m = /^[.,](\d+)/.exec(v);
          if (!m) {
            if (s[1] === "9") break;
            err(s);
          }
          r.nanos = Number((m?.[1] ?? "").slice(0, 9).padEnd(9, "0"));
          v = v.slice(m?.[0].length ?? 0);
        }
    }
  }
  if (v.length > 0)
    throw new LayoutError(`parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(v)}`);
  if (pm !== undefined) {
    if (r.hour > 12) throw new LayoutError(`parsing time ${JSON.stringify(value)}: hour out of range`);
    if (pm && r.hour < 12) r.hour += 12;
    if (!pm && r.hour === 12) r.hour = 0;
  }
  if (r.month < 1 || r.month > 12)
    throw new LayoutError(`parsing time ${JSON.stringify(value)}: month out of range`);
  const dim = new Date(Date.UTC(r.year, r.month, 0)).getUTCDate();
  if (r.day < 1 || r.day > dim)
    throw new LayoutError(`parsing time ${JSON.stringify(value)}: day out of range`);
  if (r.hour > 23 || r.minute > 59 || r.second > 59) {
    throw new LayoutError(`parsing time ${JSON.stringify(value)}: time out of range`);
  }
  return r;
}
