// A small RE2-compatible regular expression engine: parser -> program -> Pike VM (no
// backtracking, so matching is linear in the input for a given pattern). Works on code points.
// Supported: literals and escapes (\d \w \s \D \W \S \b \B \A \z \Q..\E \x.. \n \t ...), ., [...]
// classes with ranges, negation and [:posix:] names, ^ $, groups ((...), (?:...), (?P<n>...),
// (?<n>...)), flags (?i) (?m) (?s) (?U) and (?flags:...), | and greedy/lazy * + ? {n,m}.

// ---------------------------------------------------------------- program

const I_CHAR: i32 = 1; // a: code point, b: fold (0/1)
const I_ANY: i32 = 2; // any but \n
const I_ANYNL: i32 = 3; // any
const I_CLASS: i32 = 4; // a: class index
const I_SPLIT: i32 = 5; // a: preferred target, b: other
const I_JMP: i32 = 6; // a: target
const I_SAVE: i32 = 7; // a: slot
const I_MATCH: i32 = 8;
const I_ASSERT: i32 = 9; // a: kind

const A_BOL: i32 = 1; // ^ with (?m)
const A_EOL: i32 = 2; // $ with (?m)
const A_BOT: i32 = 3; // ^ / \A
const A_EOT: i32 = 4; // $ / \z
const A_WORD: i32 = 5; // \b
const A_NOTWORD: i32 = 6; // \B

class Inst {
  op: i32;
  a: i32;
  b: i32;
  constructor(op: i32, a: i32 = 0, b: i32 = 0) {
    this.op = op;
    this.a = a;
    this.b = b;
  }
}

class CharClass {
  ranges: Array<u32> = new Array<u32>(); // pairs lo, hi
  negated: bool = false;

  add(lo: u32, hi: u32): void {
    this.ranges.push(lo);
    this.ranges.push(hi);
  }

  has(c: u32): bool {
    let r = false;
    for (let i = 0; i < this.ranges.length; i += 2) {
      if (c >= this.ranges[i] && c <= this.ranges[i + 1]) {
        r = true;
        break;
      }
    }
    return r != this.negated;
  }
}

// ---------------------------------------------------------------- AST

const N_LIT: i32 = 1;
const N_ANY: i32 = 2;
const N_CLASS: i32 = 3;
const N_CAT: i32 = 4;
const N_ALT: i32 = 5;
const N_REPEAT: i32 = 6;
const N_GROUP: i32 = 7; // capture: cap index, or -1 for non-capturing
const N_ASSERT: i32 = 8;
const N_EMPTY: i32 = 9;

class Node {
  kind: i32;
  c: u32 = 0;
  fold: bool = false;
  dotNL: bool = false;
  cls: CharClass | null = null;
  subs: Array<Node> = new Array<Node>();
  min: i32 = 0;
  max: i32 = -1;
  greedy: bool = true;
  cap: i32 = -1;
  constructor(kind: i32) {
    this.kind = kind;
  }
}

export class Regex {
  prog: Array<Inst> = new Array<Inst>();
  classes: Array<CharClass> = new Array<CharClass>();
  ncap: i32 = 1;
  names: Array<string> = new Array<string>();
}

let perr: bool = false;

class Parser {
  src: Array<u32>;
  pos: i32 = 0;
  fold: bool = false;
  multiline: bool = false;
  dotNL: bool = false;
  ungreedy: bool = false;
  ncap: i32 = 1;
  names: Array<string> = new Array<string>();

  constructor(src: Array<u32>) {
    this.src = src;
  }

  more(): bool {
    return this.pos < this.src.length;
  }

  peek(): u32 {
    return this.pos < this.src.length ? this.src[this.pos] : 0xffffffff;
  }

  parseAlt(depth: i32): Node {
    if (depth > 1000) {
      perr = true;
      return new Node(N_EMPTY);
    }
    const saveFold = this.fold;
    const saveML = this.multiline;
    const saveS = this.dotNL;
    const saveU = this.ungreedy;
    const alts = new Array<Node>();
    alts.push(this.parseCat(depth));
    while (!perr && this.peek() == 124) {
      this.pos++;
      alts.push(this.parseCat(depth));
    }
    this.fold = saveFold;
    this.multiline = saveML;
    this.dotNL = saveS;
    this.ungreedy = saveU;
    if (alts.length == 1) return alts[0];
    const n = new Node(N_ALT);
    n.subs = alts;
    return n;
  }

  parseCat(depth: i32): Node {
    const n = new Node(N_CAT);
    while (!perr && this.more()) {
      const c = this.peek();
      if (c == 124 || c == 41) break;
      const atom = this.parseAtom(depth);
      if (perr) break;
      if (atom == null) continue;
      n.subs.push(this.parseRepeat(atom!));
    }
    return n;
  }

  parseRepeat(atom: Node): Node {
    let cur = atom;
    while (!perr && this.more()) {
      const c = this.peek();
      let min: i32 = 0;
      let max: i32 = -1;
      if (c == 42) {
        this.pos++;
      } else if (c == 43) {
        this.pos++;
        min = 1;
      } else if (c == 63) {
        this.pos++;
        max = 1;
      } else if (c == 123) {
        const save = this.pos;
        this.pos++;
        const a = this.num();
        if (a < 0) {
          this.pos = save;
          return cur; // literal {
        }
        min = a;
        max = a;
        if (this.peek() == 44) {
          this.pos++;
          if (this.peek() == 125) max = -1;
          else {
            max = this.num();
            if (max < 0) {
              this.pos = save;
              return cur;
            }
          }
        }
        if (this.peek() != 125) {
          this.pos = save;
          return cur;
        }
        this.pos++;
        if (min > 1000 || max > 1000 || (max >= 0 && max < min)) {
          perr = true;
          return cur;
        }
      } else break;
      if (cur.kind == N_REPEAT && !(cur.subs.length == 0)) {
        // RE2 rejects doubled repetition operators like a**
        const prev = this.src[this.pos - 1];
        if (prev == 42 || prev == 43 || prev == 63) {
          // allowed only as lazy marker, handled below
        }
      }
      let greedy = true;
      if (this.peek() == 63) {
        this.pos++;
        greedy = false;
      }
      if (this.ungreedy) greedy = !greedy;
      if (cur.kind == N_EMPTY || (cur.kind == N_ASSERT && false)) {
        perr = true;
        return cur;
      }
      if (cur.kind == N_REPEAT) {
        perr = true; // "invalid nested repetition operator"
        return cur;
      }
      const r = new Node(N_REPEAT);
      r.subs.push(cur);
      r.min = min;
      r.max = max;
      r.greedy = greedy;
      cur = r;
    }
    return cur;
  }

  num(): i32 {
    let r: i32 = -1;
    while (this.more()) {
      const c = this.peek();
      if (c < 48 || c > 57) break;
      r = (r < 0 ? 0 : r) * 10 + <i32>(c - 48);
      if (r > 100000) r = 100000;
      this.pos++;
    }
    return r;
  }

  lit(c: u32): Node {
    const n = new Node(N_LIT);
    n.c = c;
    n.fold = this.fold;
    return n;
  }

  parseAtom(depth: i32): Node | null {
    const c = this.peek();
    this.pos++;
    if (c == 40) return this.parseGroup(depth);
    if (c == 46) {
      const n = new Node(N_ANY);
      n.dotNL = this.dotNL;
      return n;
    }
    if (c == 94) {
      const n = new Node(N_ASSERT);
      n.c = this.multiline ? A_BOL : A_BOT;
      return n;
    }
    if (c == 36) {
      const n = new Node(N_ASSERT);
      n.c = this.multiline ? A_EOL : A_EOT;
      return n;
    }
    if (c == 91) return this.parseClass();
    if (c == 92) return this.parseEscape(false);
    if (c == 42 || c == 43 || c == 63) {
      perr = true; // missing argument to repetition operator
      return null;
    }
    return this.lit(c);
  }

  parseGroup(depth: i32): Node | null {
    let cap: i32 = -1;
    if (this.peek() == 63) {
      this.pos++;
      let c = this.peek();
      if (c == 80 || c == 60) {
        // (?P<name>...) or (?<name>...)
        if (c == 80) {
          this.pos++;
          if (this.peek() != 60) {
            perr = true;
            return null;
          }
        }
        this.pos++;
        let name = "";
        while (this.more() && this.peek() != 62) {
          const ch = this.peek();
          const ok = (ch >= 48 && ch <= 57) || (ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122) || ch == 95;
          if (!ok) {
            perr = true;
            return null;
          }
          name += String.fromCharCode(<i32>ch);
          this.pos++;
        }
        if (!this.more() || name.length == 0) {
          perr = true;
          return null;
        }
        this.pos++;
        cap = this.ncap++;
        this.names.push(name);
      } else {
        // flags
        let neg = false;
        let fold = this.fold;
        let ml = this.multiline;
        let s = this.dotNL;
        let u = this.ungreedy;
        while (true) {
          if (!this.more()) {
            perr = true;
            return null;
          }
          c = this.peek();
          this.pos++;
          if (c == 105) fold = !neg;
          else if (c == 109) ml = !neg;
          else if (c == 115) s = !neg;
          else if (c == 85) u = !neg;
          else if (c == 45) {
            if (neg) {
              perr = true;
              return null;
            }
            neg = true;
          } else if (c == 41) {
            // (?flags) applies to the rest of the current group
            this.fold = fold;
            this.multiline = ml;
            this.dotNL = s;
            this.ungreedy = u;
            return null;
          } else if (c == 58) {
            const sf = this.fold;
            const sm = this.multiline;
            const ss = this.dotNL;
            const su = this.ungreedy;
            this.fold = fold;
            this.multiline = ml;
            this.dotNL = s;
            this.ungreedy = u;
            const inner = this.parseAlt(depth + 1);
            this.fold = sf;
            this.multiline = sm;
            this.dotNL = ss;
            this.ungreedy = su;
            if (this.peek() != 41) {
              perr = true;
              return null;
            }
            this.pos++;
            const g = new Node(N_GROUP);
            g.cap = -1;
            g.subs.push(inner);
            return g;
          } else {
            perr = true;
            return null;
          }
        }
      }
    } else {
      cap = this.ncap++;
      this.names.push("");
    }
    const inner = this.parseAlt(depth + 1);
    if (this.peek() != 41) {
      perr = true;
      return null;
    }
    this.pos++;
    const g = new Node(N_GROUP);
    g.cap = cap;
    g.subs.push(inner);
    return g;
  }

  hexDigits(max: i32): i32 {
    let r: i32 = 0;
    let n = 0;
    while (n < max && this.more()) {
      const c = this.peek();
      let v: i32 = -1;
      if (c >= 48 && c <= 57) v = <i32>(c - 48);
      else if (c >= 97 && c <= 102) v = <i32>(c - 87);
      else if (c >= 65 && c <= 70) v = <i32>(c - 55);
      if (v < 0) break;
      r = r * 16 + v;
      n++;
      this.pos++;
    }
    return n == 0 ? -1 : r;
  }

  /** After a backslash. inClass: inside [...] (no assertions). Returns a literal, class or assertion. */
  parseEscape(inClass: bool): Node | null {
    if (!this.more()) {
      perr = true;
      return null;
    }
    const c = this.peek();
    this.pos++;
    const cls = new CharClass();
    switch (c) {
      case 100: // d
        cls.add(48, 57);
        return this.classNode(cls);
      case 68: // D
        cls.add(48, 57);
        cls.negated = true;
        return this.classNode(cls);
      case 119: // w
        addWord(cls);
        return this.classNode(cls);
      case 87:
        addWord(cls);
        cls.negated = true;
        return this.classNode(cls);
      case 115: // s
        addSpace(cls);
        return this.classNode(cls);
      case 83:
        addSpace(cls);
        cls.negated = true;
        return this.classNode(cls);
      case 110:
        return this.lit(10);
      case 116:
        return this.lit(9);
      case 114:
        return this.lit(13);
      case 102:
        return this.lit(12);
      case 118:
        return this.lit(11);
      case 97:
        return this.lit(7);
      case 120: {
        // \xhh or \x{h...}
        if (this.peek() == 123) {
          this.pos++;
          const v = this.hexDigits(8);
          if (v < 0 || this.peek() != 125) {
            perr = true;
            return null;
          }
          this.pos++;
          return this.lit(<u32>v);
        }
        const v = this.hexDigits(2);
        if (v < 0) {
          perr = true;
          return null;
        }
        return this.lit(<u32>v);
      }
      case 112: // \pN, \p{Name}
      case 80: {
        let name = "";
        if (this.peek() == 123) {
          this.pos++;
          while (this.more() && this.peek() != 125) {
            name += String.fromCharCode(<i32>this.peek());
            this.pos++;
          }
          if (!this.more()) {
            perr = true;
            return null;
          }
          this.pos++;
        } else {
          if (!this.more()) {
            perr = true;
            return null;
          }
          name = String.fromCharCode(<i32>this.peek());
          this.pos++;
        }
        let neg = c == 80;
        if (name.startsWith("^")) {
          neg = !neg;
          name = name.substring(1);
        }
        if (!addUnicodeClass(cls, name)) {
          perr = true;
          return null;
        }
        cls.negated = neg;
        return this.classNode(cls);
      }
      case 81: {
        // \Q...\E literal text
        const n = new Node(N_CAT);
        while (this.more()) {
          if (this.peek() == 92 && this.pos + 1 < this.src.length && this.src[this.pos + 1] == 69) {
            this.pos += 2;
            break;
          }
          n.subs.push(this.lit(this.peek()));
          this.pos++;
        }
        return n;
      }
    }
    if (!inClass) {
      let kind: i32 = 0;
      if (c == 98) kind = A_WORD;
      else if (c == 66) kind = A_NOTWORD;
      else if (c == 65) kind = A_BOT;
      else if (c == 122) kind = A_EOT;
      if (kind != 0) {
        const n = new Node(N_ASSERT);
        n.c = kind;
        return n;
      }
    }
    if (c >= 48 && c <= 55) {
      // octal \0, \012 (RE2 allows \0 followed by octal digits; \1-\9 backreferences are errors)
      if (c != 48 && !(this.peek() >= 48 && this.peek() <= 55)) {
        perr = true;
        return null;
      }
      let v: u32 = c - 48;
      let k = 0;
      while (k < 2 && this.peek() >= 48 && this.peek() <= 55) {
        v = v * 8 + (this.peek() - 48);
        this.pos++;
        k++;
      }
      return this.lit(v);
    }
    // escaped punctuation is literal; escaped letters/digits are errors
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
      perr = true;
      return null;
    }
    return this.lit(c);
  }

  classNode(cls: CharClass): Node {
    const n = new Node(N_CLASS);
    if (this.fold) foldClass(cls);
    n.cls = cls;
    return n;
  }

  parseClass(): Node | null {
    const cls = new CharClass();
    if (this.peek() == 94) {
      cls.negated = true;
      this.pos++;
    }
    let first = true;
    while (true) {
      if (!this.more()) {
        perr = true;
        return null;
      }
      let c = this.peek();
      if (c == 93 && !first) {
        this.pos++;
        break;
      }
      first = false;
      // [:name:]
      if (c == 91 && this.pos + 1 < this.src.length && this.src[this.pos + 1] == 58) {
        const save = this.pos;
        this.pos += 2;
        let neg = false;
        if (this.peek() == 94) {
          neg = true;
          this.pos++;
        }
        let name = "";
        while (this.more() && this.peek() != 58) {
          name += String.fromCharCode(<i32>this.peek());
          this.pos++;
        }
        if (this.more() && this.pos + 1 < this.src.length && this.src[this.pos + 1] == 93) {
          this.pos += 2;
          const sub = new CharClass();
          if (!addPosix(sub, name)) {
            perr = true;
            return null;
          }
          if (neg) addNegated(cls, sub);
          else for (let i = 0; i < sub.ranges.length; i++) cls.ranges.push(sub.ranges[i]);
          continue;
        }
        this.pos = save;
      }
      let lo: u32;
      this.pos++;
      if (c == 92) {
        const e = this.parseEscape(true);
        if (perr || e == null) {
          perr = true;
          return null;
        }
        if (e!.kind == N_CLASS) {
          const sub = e!.cls!;
          if (sub.negated) addNegated(cls, sub);
          else for (let i = 0; i < sub.ranges.length; i++) cls.ranges.push(sub.ranges[i]);
          continue;
        }
        lo = e!.c;
      } else lo = c;
      let hi = lo;
      if (this.peek() == 45 && this.pos + 1 < this.src.length && this.src[this.pos + 1] != 93) {
        this.pos++;
        c = this.peek();
        this.pos++;
        if (c == 92) {
          const e = this.parseEscape(true);
          if (perr || e == null || e!.kind != N_LIT) {
            perr = true;
            return null;
          }
          hi = e!.c;
        } else hi = c;
        if (hi < lo) {
          perr = true;
          return null;
        }
      }
      cls.add(lo, hi);
    }
    return this.classNode(cls);
  }
}

function addWord(cls: CharClass): void {
  cls.add(48, 57);
  cls.add(65, 90);
  cls.add(95, 95);
  cls.add(97, 122);
}

function addSpace(cls: CharClass): void {
  cls.add(9, 10);
  cls.add(12, 13);
  cls.add(32, 32);
}

function addNegated(cls: CharClass, sub: CharClass): void {
  // complement of sub's ranges over [0, 0x10ffff]
  const r = sub.ranges;
  // sort pairs by lo (small lists: insertion sort)
  const n = r.length / 2;
  const lo = new Array<u32>(n);
  const hi = new Array<u32>(n);
  for (let i = 0; i < n; i++) {
    lo[i] = r[2 * i];
    hi[i] = r[2 * i + 1];
  }
  for (let i = 1; i < n; i++) {
    const a = lo[i];
    const b = hi[i];
    let j = i;
    while (j > 0 && lo[j - 1] > a) {
      lo[j] = lo[j - 1];
      hi[j] = hi[j - 1];
      j--;
    }
    lo[j] = a;
    hi[j] = b;
  }
  let next: u32 = 0;
  for (let i = 0; i < n; i++) {
    if (lo[i] > next) cls.add(next, lo[i] - 1);
    if (hi[i] + 1 > next) next = hi[i] + 1;
  }
  if (next <= 0x10ffff) cls.add(next, 0x10ffff);
}

function addPosix(cls: CharClass, name: string): bool {
  if (name == "alnum") {
    cls.add(48, 57);
    cls.add(65, 90);
    cls.add(97, 122);
  } else if (name == "alpha") {
    cls.add(65, 90);
    cls.add(97, 122);
  } else if (name == "ascii") cls.add(0, 127);
  else if (name == "blank") {
    cls.add(9, 9);
    cls.add(32, 32);
  } else if (name == "cntrl") {
    cls.add(0, 31);
    cls.add(127, 127);
  } else if (name == "digit") cls.add(48, 57);
  else if (name == "graph") cls.add(33, 126);
  else if (name == "lower") cls.add(97, 122);
  else if (name == "print") cls.add(32, 126);
  else if (name == "punct") {
    cls.add(33, 47);
    cls.add(58, 64);
    cls.add(91, 96);
    cls.add(123, 126);
  } else if (name == "space") {
    cls.add(9, 13);
    cls.add(32, 32);
  } else if (name == "upper") cls.add(65, 90);
  else if (name == "word") addWord(cls);
  else if (name == "xdigit") {
    cls.add(48, 57);
    cls.add(65, 70);
    cls.add(97, 102);
  } else return false;
  return true;
}

/** Approximate Unicode classes (Latin, general letters/digits by block ranges). */
function addUnicodeClass(cls: CharClass, name: string): bool {
  if (name == "L" || name == "Letter") {
    cls.add(65, 90);
    cls.add(97, 122);
    cls.add(0xaa, 0xaa);
    cls.add(0xb5, 0xb5);
    cls.add(0xba, 0xba);
    cls.add(0xc0, 0xd6);
    cls.add(0xd8, 0xf6);
    cls.add(0xf8, 0x2c1);
    cls.add(0x370, 0x3ff);
    cls.add(0x400, 0x52f);
    cls.add(0x531, 0x587);
    cls.add(0x5d0, 0x5ea);
    cls.add(0x620, 0x64a);
    cls.add(0x904, 0x939);
    cls.add(0xe01, 0xe30);
    cls.add(0x1100, 0x11ff);
    cls.add(0x1e00, 0x1fff);
    cls.add(0x3041, 0x3096);
    cls.add(0x30a1, 0x30fa);
    cls.add(0x4e00, 0x9fff);
    cls.add(0xac00, 0xd7a3);
  } else if (name == "Lu") {
    cls.add(65, 90);
    cls.add(0xc0, 0xd6);
    cls.add(0xd8, 0xde);
  } else if (name == "Ll") {
    cls.add(97, 122);
    cls.add(0xdf, 0xf6);
    cls.add(0xf8, 0xff);
  } else if (name == "N" || name == "Nd") {
    cls.add(48, 57);
    cls.add(0x660, 0x669);
    cls.add(0x6f0, 0x6f9);
    cls.add(0x966, 0x96f);
    cls.add(0xff10, 0xff19);
  } else if (name == "Greek") cls.add(0x370, 0x3ff);
  else if (name == "Cyrillic") cls.add(0x400, 0x52f);
  else if (name == "Han") {
    cls.add(0x2e80, 0x2fdf);
    cls.add(0x3005, 0x3007);
    cls.add(0x3021, 0x3029);
    cls.add(0x3400, 0x4dbf);
    cls.add(0x4e00, 0x9fff);
    cls.add(0xf900, 0xfaff);
    cls.add(0x20000, 0x2fa1f);
  } else if (name == "Latin") {
    cls.add(65, 90);
    cls.add(97, 122);
    cls.add(0xc0, 0x24f);
  } else if (name == "Z" || name == "Zs") {
    cls.add(32, 32);
    cls.add(0xa0, 0xa0);
    cls.add(0x2000, 0x200a);
    cls.add(0x3000, 0x3000);
  } else if (name == "P") {
    cls.add(33, 35);
    cls.add(37, 42);
    cls.add(44, 47);
    cls.add(58, 59);
    cls.add(63, 64);
    cls.add(91, 93);
    cls.add(95, 95);
    cls.add(123, 123);
    cls.add(125, 125);
  } else return false;
  return true;
}

function simpleFold(c: u32): u32 {
  if (c >= 65 && c <= 90) return c + 32;
  if (c >= 97 && c <= 122) return c - 32;
  if ((c >= 0xc0 && c <= 0xde && c != 0xd7)) return c + 32;
  if ((c >= 0xe0 && c <= 0xfe && c != 0xf7)) return c - 32;
  if (c >= 0x391 && c <= 0x3a9) return c + 32;
  if (c >= 0x3b1 && c <= 0x3c9) return c - 32;
  if (c >= 0x410 && c <= 0x42f) return c + 32;
  if (c >= 0x430 && c <= 0x44f) return c - 32;
  return c;
}

function foldClass(cls: CharClass): void {
  const n = cls.ranges.length;
  for (let i = 0; i < n; i += 2) {
    const lo = cls.ranges[i];
    const hi = cls.ranges[i + 1];
    if (hi - lo > 2000) continue;
    for (let c = lo; c <= hi; c++) {
      const f = simpleFold(c);
      if (f != c) cls.add(f, f);
    }
  }
}

// ---------------------------------------------------------------- compiler

class Compiler {
  re: Regex;
  constructor(re: Regex) {
    this.re = re;
  }

  emit(op: i32, a: i32 = 0, b: i32 = 0): i32 {
    this.re.prog.push(new Inst(op, a, b));
    return this.re.prog.length - 1;
  }

  compile(n: Node): void {
    switch (n.kind) {
      case N_EMPTY:
        return;
      case N_LIT:
        this.emit(I_CHAR, <i32>n.c, n.fold ? 1 : 0);
        return;
      case N_ANY:
        this.emit(n.dotNL ? I_ANYNL : I_ANY);
        return;
      case N_CLASS:
        this.re.classes.push(n.cls!);
        this.emit(I_CLASS, this.re.classes.length - 1);
        return;
      case N_ASSERT:
        this.emit(I_ASSERT, <i32>n.c);
        return;
      case N_CAT:
        for (let i = 0; i < n.subs.length; i++) this.compile(n.subs[i]);
        return;
      case N_GROUP:
        if (n.cap >= 0) this.emit(I_SAVE, n.cap * 2);
        this.compile(n.subs[0]);
        if (n.cap >= 0) this.emit(I_SAVE, n.cap * 2 + 1);
        return;
      case N_ALT: {
        const jumps = new Array<i32>();
        for (let i = 0; i < n.subs.length; i++) {
          if (i < n.subs.length - 1) {
            const split = this.emit(I_SPLIT);
            this.re.prog[split].a = split + 1;
            this.compile(n.subs[i]);
            jumps.push(this.emit(I_JMP));
            this.re.prog[split].b = this.re.prog.length;
          } else this.compile(n.subs[i]);
        }
        for (let i = 0; i < jumps.length; i++) this.re.prog[jumps[i]].a = this.re.prog.length;
        return;
      }
      case N_REPEAT: {
        const sub = n.subs[0];
        for (let i = 0; i < n.min; i++) this.compile(sub);
        if (n.max < 0) {
          // x*
          const split = this.emit(I_SPLIT);
          this.compile(sub);
          this.emit(I_JMP, split);
          const after = this.re.prog.length;
          this.setSplit(split, split + 1, after, n.greedy);
        } else {
          const splits = new Array<i32>();
          for (let i = n.min; i < n.max; i++) {
            splits.push(this.emit(I_SPLIT));
            this.compile(sub);
          }
          const after = this.re.prog.length;
          for (let i = 0; i < splits.length; i++) this.setSplit(splits[i], splits[i] + 1, after, n.greedy);
        }
        return;
      }
    }
  }

  setSplit(at: i32, body: i32, after: i32, greedy: bool): void {
    this.re.prog[at].a = greedy ? body : after;
    this.re.prog[at].b = greedy ? after : body;
  }
}

/** Compiles a pattern given as UTF-8 bytes; null if it is invalid. */
export function compileRegex(p: usize, n: u32): Regex | null {
  const cps = decodeAll(p, n);
  perr = false;
  const parser = new Parser(cps);
  const ast = parser.parseAlt(0);
  if (perr || parser.pos != cps.length) return null;
  const re = new Regex();
  re.ncap = parser.ncap;
  re.names = parser.names;
  const c = new Compiler(re);
  c.compile(ast);
  c.emit(I_MATCH);
  if (re.prog.length > 100000) return null;
  return re;
}

/** Code points of UTF-8 text, and their byte offsets (OFFSETS, with a final entry = n). */
export let OFFSETS: Array<u32> = new Array<u32>();

export function decodeAll(p: usize, n: u32): Array<u32> {
  const out = new Array<u32>();
  const offs = new Array<u32>();
  let i: u32 = 0;
  while (i < n) {
    offs.push(i);
    const c = <u32>load<u8>(p + <usize>i);
    let cp: u32 = c;
    let size: u32 = 1;
    if (c >= 0xc0 && c < 0xe0 && i + 1 < n) {
      cp = ((c & 0x1f) << 6) | (load<u8>(p + <usize>i + 1) & 0x3f);
      size = 2;
    } else if (c >= 0xe0 && c < 0xf0 && i + 2 < n) {
      cp = ((c & 0x0f) << 12) | ((<u32>load<u8>(p + <usize>i + 1) & 0x3f) << 6) | (load<u8>(p + <usize>i + 2) & 0x3f);
      size = 3;
    } else if (c >= 0xf0 && i + 3 < n) {
      cp = ((c & 0x07) << 18) | ((<u32>load<u8>(p + <usize>i + 1) & 0x3f) << 12) | ((<u32>load<u8>(p + <usize>i + 2) & 0x3f) << 6) | (load<u8>(p + <usize>i + 3) & 0x3f);
      size = 4;
    } else if (c >= 0x80) cp = 0xfffd;
    out.push(cp);
    i += size;
  }
  offs.push(n);
  OFFSETS = offs;
  return out;
}

// ---------------------------------------------------------------- Pike VM

function isWordChar(c: u32): bool {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95;
}

class Thread {
  pc: i32;
  caps: StaticArray<i32>;
  constructor(pc: i32, caps: StaticArray<i32>) {
    this.pc = pc;
    this.caps = caps;
  }
}

class VM {
  re: Regex;
  text: Array<u32>;
  mark: StaticArray<i32>;
  gen: i32 = 0;

  constructor(re: Regex, text: Array<u32>) {
    this.re = re;
    this.text = text;
    this.mark = new StaticArray<i32>(re.prog.length);
    for (let i = 0; i < re.prog.length; i++) this.mark[i] = -1;
  }

  assertOk(kind: i32, pos: i32): bool {
    const n = this.text.length;
    switch (kind) {
      case A_BOT:
        return pos == 0;
      case A_EOT:
        return pos == n;
      case A_BOL:
        return pos == 0 || this.text[pos - 1] == 10;
      case A_EOL:
        return pos == n || this.text[pos] == 10;
      case A_WORD:
      case A_NOTWORD: {
        const a = pos > 0 && isWordChar(this.text[pos - 1]);
        const b = pos < n && isWordChar(this.text[pos]);
        return (a != b) == (kind == A_WORD);
      }
    }
    return false;
  }

  add(list: Array<Thread>, pc: i32, caps: StaticArray<i32>, pos: i32): void {
    if (this.mark[pc] == this.gen) return;
    this.mark[pc] = this.gen;
    const inst = this.re.prog[pc];
    switch (inst.op) {
      case I_JMP:
        this.add(list, inst.a, caps, pos);
        return;
      case I_SPLIT:
        this.add(list, inst.a, caps, pos);
        this.add(list, inst.b, caps, pos);
        return;
      case I_SAVE: {
        const c2 = new StaticArray<i32>(caps.length);
        for (let i = 0; i < caps.length; i++) c2[i] = caps[i];
        c2[inst.a] = pos;
        this.add(list, pc + 1, c2, pos);
        return;
      }
      case I_ASSERT:
        if (this.assertOk(inst.a, pos)) this.add(list, pc + 1, caps, pos);
        return;
    }
    list.push(new Thread(pc, caps));
  }

  /** Leftmost-first match starting at or after `from`; capture positions (code point indexes) or null. */
  run(from: i32, anchored: bool): StaticArray<i32> | null {
    const ncaps = this.re.ncap * 2;
    let clist = new Array<Thread>();
    let nlist = new Array<Thread>();
    let matched: StaticArray<i32> | null = null;
    const n = this.text.length;
    for (let pos = from; pos <= n; pos++) {
      this.gen++;
      if (matched == null && (!anchored || pos == from)) {
        const caps = new StaticArray<i32>(ncaps);
        for (let i = 0; i < ncaps; i++) caps[i] = -1;
        caps[0] = pos;
        // lower priority than threads already running
        this.add(clist, 0, caps, pos);
      }
      if (clist.length == 0) break;
      this.gen++;
      const c = pos < n ? this.text[pos] : 0xffffffff;
      for (let i = 0; i < clist.length; i++) {
        const t = clist[i];
        const inst = this.re.prog[t.pc];
        let ok = false;
        switch (inst.op) {
          case I_MATCH: {
            const caps = new StaticArray<i32>(t.caps.length);
            for (let k = 0; k < caps.length; k++) caps[k] = t.caps[k];
            caps[1] = pos;
            matched = caps;
            i = clist.length; // cut lower-priority threads
            continue;
          }
          case I_CHAR:
            ok = pos < n && (c == <u32>inst.a || (inst.b != 0 && simpleFold(c) == <u32>inst.a));
            break;
          case I_ANY:
            ok = pos < n && c != 10;
            break;
          case I_ANYNL:
            ok = pos < n;
            break;
          case I_CLASS:
            ok = pos < n && this.re.classes[inst.a].has(c);
            break;
        }
        if (ok) this.add(nlist, t.pc + 1, t.caps, pos + 1);
      }
      const sw = clist;
      clist = nlist;
      nlist = sw;
      nlist.length = 0;
    }
    return matched;
  }
}

/** Finds up to `max` (-1: all) non-overlapping matches in UTF-8 text; each is capture offsets in bytes. */
export function findAll(re: Regex, p: usize, n: u32, max: i32): Array<StaticArray<i32>> {
  const text = decodeAll(p, n);
  const offs = OFFSETS;
  const vm = new VM(re, text);
  const out = new Array<StaticArray<i32>>();
  let pos: i32 = 0;
  let prevEnd: i32 = -1;
  while (pos <= text.length && (max < 0 || out.length < max)) {
    const m = vm.run(pos, false);
    if (m == null) break;
    const s = m[0];
    const e = m[1];
    if (e == s && s == prevEnd) {
      // empty match abutting the previous match: skip one position
      pos = s + 1;
      continue;
    }
    const bytes = new StaticArray<i32>(m.length);
    for (let i = 0; i < m.length; i++) bytes[i] = m[i] < 0 ? -1 : <i32>offs[m[i]];
    out.push(bytes);
    prevEnd = e;
    pos = e > s ? e : e + 1;
  }
  return out;
}

/**
 * Go's ReplaceAllString: returns byte offsets of the matches to replace (capture offsets per
 * match), skipping an empty match right after a previous match.
 */
export function replaceMatches(re: Regex, p: usize, n: u32): Array<StaticArray<i32>> {
  const text = decodeAll(p, n);
  const offs = OFFSETS;
  const vm = new VM(re, text);
  const out = new Array<StaticArray<i32>>();
  let pos: i32 = 0;
  let lastEnd: i32 = -1;
  while (pos <= text.length) {
    const m = vm.run(pos, false);
    if (m == null) break;
    if (m[1] > lastEnd || m[0] == 0) {
      if (!(m[0] == m[1] && m[0] == lastEnd)) {
        const bytes = new StaticArray<i32>(m.length);
        for (let i = 0; i < m.length; i++) bytes[i] = m[i] < 0 ? -1 : <i32>offs[m[i]];
        out.push(bytes);
      }
    }
    lastEnd = m[1];
    if (pos + 1 > m[1]) pos++;
    else pos = m[1];
  }
  return out;
}

export function matches(re: Regex, p: usize, n: u32): bool {
  const text = decodeAll(p, n);
  const vm = new VM(re, text);
  return vm.run(0, false) != null;
}

