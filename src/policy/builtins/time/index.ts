/** time.* builtins. Instants are int64 nanoseconds since the Unix epoch, returned exactly. */
import { int, num, rawJson, str } from "../args.js";
import { fail } from "../errors.js";
import type { BuiltinFamily } from "../registry.js";
import { type Fields, LayoutError, NAMED_LAYOUTS, format, parse } from "./layout.js";
import { zoneAt } from "./zone.js";

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function nsOf(v: unknown, operand: number): bigint {
  const n = num(v, operand);
  if (!Number.isFinite(n) || Math.abs(n) > 9.223372036854775e18) fail("timestamp too big");
  return BigInt(Math.trunc(n));
}

function inRange(ns: bigint): bigint {
  if (ns < INT64_MIN || ns > INT64_MAX) fail("time outside of valid range");
  return ns;
}

/** ns or [ns, tz] (or [ns, tz, layout] for time.format). */
function instant(v: unknown, operand: number): { ns: bigint; tz: string; layout?: string } {
  if (Array.isArray(v)) {
    if (v.length < 1 || v.length > 3) fail(`operand ${operand}: array must have 1 to 3 elements`);
    return {
      ns: nsOf(v[0], operand),
      tz: v.length > 1 ? str(v[1], operand) : "UTC",
      layout: v.length > 2 ? str(v[2], operand) : undefined,
    };
  }
  return { ns: nsOf(v, operand), tz: "UTC" };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

export function fieldsAt(ns: bigint, tz: string): Fields {
  const ms = Number(floorDiv(ns, NS_PER_MS));
  const nanos = Number(ns - floorDiv(ns, NS_PER_S) * NS_PER_S);
  const zone = zoneAt(tz, ms);
  const d = new Date(ms + zone.offsetSeconds * 1000);
  const startOfYear = new Date(0);
  startOfYear.setUTCFullYear(d.getUTCFullYear(), 0, 1);
  startOfYear.setUTCHours(0, 0, 0, 0);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    nanos,
    weekday: d.getUTCDay(),
    yday: Math.floor((d.getTime() - startOfYear.getTime()) / 86_400_000) + 1,
    offsetSeconds: zone.offsetSeconds,
    zoneName: zone.name,
  };
}

/** Wall-clock fields (normalised like Go's time.Date) at a UTC offset -> ns. */
function nsFromWall(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  nanos: number,
  offsetSeconds: number,
): bigint {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  const ms = date.getTime();
  if (!Number.isFinite(ms)) fail("time outside of valid range");
  return inRange(BigInt(ms) * NS_PER_MS + BigInt(nanos) - BigInt(offsetSeconds) * NS_PER_S);
}

function parseLayout(layout: string, value: string): bigint {
  try {
    const p = parse(NAMED_LAYOUTS[layout] ?? layout, value);
    return nsFromWall(p.year, p.month, p.day, p.hour, p.minute, p.second, p.nanos, p.offsetSeconds ?? 0);
  } catch (e) {
    if (e instanceof LayoutError) fail(e.message);
    throw e;
  }
}

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: NS_PER_MS,
  s: NS_PER_S,
  m: 60n * NS_PER_S,
  h: 3600n * NS_PER_S,
};

/** Go's time.ParseDuration. */
export function parseDuration(s: string): bigint {
  let rest = s;
  let neg = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    neg = rest[0] === "-";
    rest = rest.slice(1);
  }
  if (rest === "0") return 0n;
  if (rest === "") fail(`time: invalid duration ${JSON.stringify(s)}`);
  let total = 0n;
  while (rest !== "") {
    const m = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!m || (m[1] === "" && (m[2] ?? "") === "")) fail(`time: invalid duration ${JSON.stringify(s)}`);
    const [all = "", whole = "", frac = "", unit = "ns"] = m ?? [];
    const u = UNITS[unit] ?? 1n;
    total += BigInt(whole || "0") * u;
    if (frac) total += (BigInt(frac) * u) / 10n ** BigInt(frac.length);
    rest = rest.slice(all.length);
  }
  if (total > INT64_MAX) fail(`time: invalid duration ${JSON.stringify(s)}`);
  return neg ? -total : total;
}

let nowCache: bigint | undefined;

/** One value per evaluation: evaluation is synchronous, so the cache clears on the next turn. */
function nowNs(): bigint {
  if (nowCache === undefined) {
    nowCache = BigInt(Date.now()) * NS_PER_MS;
    setImmediate(() => {
      nowCache = undefined;
    });
  }
  return nowCache;
}

function diff(a: unknown, b: unknown): number[] {
  const x = instant(a, 1);
  const y = instant(b, 2);
  let [t1, t2] = x.ns <= y.ns ? [x, y] : [y, x];
  t2 = { ...t2, tz: t1.tz };
  const f1 = fieldsAt(t1.ns, t1.tz);
  const f2 = fieldsAt(t2.ns, t2.tz);
  let year = f2.year - f1.year;
  let month = f2.month - f1.month;
  let day = f2.day - f1.day;
  let hour = f2.hour - f1.hour;
  let min = f2.minute - f1.minute;
  let sec = f2.second - f1.second;
  if (sec < 0) {
    sec += 60;
    min--;
  }
  if (min < 0) {
    min += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    const d = new Date(0);
    d.setUTCFullYear(f1.year, f1.month - 1, 32);
    day += 32 - d.getUTCDate();
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, min, sec];
}

export const time: BuiltinFamily = {
  "time.now_ns": () => rawJson(nowNs().toString()),
  "time.parse_rfc3339_ns": (v) => rawJson(parseLayout(NAMED_LAYOUTS.RFC3339 ?? "", str(v, 1)).toString()),
  "time.parse_ns": (layout, v) => rawJson(parseLayout(str(layout, 1), str(v, 2)).toString()),
  "time.parse_duration_ns": (v) => rawJson(parseDuration(str(v, 1)).toString()),
  "time.date": (v) => {
    const t = instant(v, 1);
    const f = fieldsAt(t.ns, t.tz);
    return [f.year, f.month, f.day];
  },
  "time.clock": (v) => {
    const t = instant(v, 1);
    const f = fieldsAt(t.ns, t.tz);
    return [f.hour, f.minute, f.second];
  },
  "time.weekday": (v) => {
    const t = instant(v, 1);
    return ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][
      fieldsAt(t.ns, t.tz).weekday
    ];
  },
  "time.add_date": (v, years, months, days) => {
    const ns = nsOf(v, 1);
    const f = fieldsAt(ns, "UTC");
    const out = nsFromWall(
      f.year + int(years, 2),
      f.month + int(months, 3),
      f.day + int(days, 4),
      f.hour,
      f.minute,
      f.second,
      f.nanos,
      0,
    );
    return rawJson(out.toString());
  },
  "time.diff": (a, b) => diff(a, b),
  "time.format": (v) => {
    const t = instant(v, 1);
    const layout = t.layout === undefined ? "RFC3339Nano" : t.layout;
    return format(NAMED_LAYOUTS[layout] ?? layout, fieldsAt(t.ns, t.tz));
  },
};
