/** Time zones for the time.* builtins: "" and "UTC" are UTC, "Local" is the host's, else IANA. */
import { fail } from "../errors.js";

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: tz,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
        era: "short",
        timeZoneName: "short",
      });
    } catch {
      return fail(`unknown time zone ${JSON.stringify(tz)}`);
    }
    if (formatters.size > 256) formatters.clear();
    formatters.set(tz, f);
  }
  return f;
}

export interface ZoneInfo {
  offsetSeconds: number;
  name: string;
}

export function zoneAt(tz: string, ms: number): ZoneInfo {
  if (tz === "" || tz === "UTC") return { offsetSeconds: 0, name: "UTC" };
  const zone = tz === "Local" ? Intl.DateTimeFormat().resolvedOptions().timeZone : tz;
  const parts = formatter(zone).formatToParts(new Date(ms));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? "0");
  let year = get("year");
  if (parts.find((p) => p.type === "era")?.value === "BC") year = 1 - year;
  const d = new Date(0);
  d.setUTCFullYear(year, get("month") - 1, get("day"));
  d.setUTCHours(get("hour"), get("minute"), get("second"), 0);
  const offsetSeconds = Math.round((d.getTime() - (ms - (((ms % 1000) + 1000) % 1000))) / 1000);
  const name = parts.find((p) => p.type === "timeZoneName")?.value ?? zone;
  return { offsetSeconds, name: /^GMT[+-]/.test(name) ? zoneAbbrev(offsetSeconds) : name };
}

function zoneAbbrev(offset: number): string {
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const h = String(Math.floor(abs / 3600)).padStart(2, "0");
  const m = Math.floor((abs % 3600) / 60);
  return m ? `${sign}${h}${String(m).padStart(2, "0")}` : `${sign}${h}`;
}
