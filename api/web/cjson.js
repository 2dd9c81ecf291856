// Strict JSON parsing and RFC 8785 canonical serialization, as ledger/canonical_json.h defines
// them for the C++ verifier: RFC 8259 JSON that is also I-JSON (RFC 7493). Refused, naming the
// offset and the rule: invalid UTF-8 (the bytes are decoded strictly, a byte order mark
// included), unpaired surrogate escapes, raw control characters in strings, duplicate member
// names, nesting deeper than 64, numbers outside an IEEE 754 double (overflow, underflow,
// subnormals) and integer literals beyond 2^53 that a double would round.
//
// Objects are parsed into objects without a prototype, so that a member named "__proto__" is
// an ordinary member. A number is a JS number; isInteger() says whether the C++ parser holds
// it as an integer (integral and below 2^53 in magnitude), which is what "an integer" means
// in every rule.

export class JsonError extends Error {}

const MAX_DEPTH = 64;
const TWO_53 = 2 ** 53;
const MIN_NORMAL = 2.2250738585072014e-308;

// Whether `v` is a number the C++ parser holds as an integer.
export function isInteger(v) {
  return typeof v === "number" && Number.isInteger(v) && Math.abs(v) < TWO_53;
}

export function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function has(obj, name) {
  return isObject(obj) && Object.prototype.hasOwnProperty.call(obj, name);
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

export function utf8(text) {
  return utf8Encoder.encode(text);
}

// Bytes (Uint8Array) to text; JsonError on invalid UTF-8.
export function decodeUtf8(bytes) {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new JsonError("invalid UTF-8");
  }
}

// Parses `input` (a string, or UTF-8 bytes). Returns {value, canonical}: canonical is whether
// the text is byte for byte what canonicalize() writes for the value.
export function parseJson(input) {
  const text = typeof input === "string" ? input : decodeUtf8(input);
  const value = new Parser(text).document();
  return { value, canonical: canonicalize(value) === text };
}

class Parser {
  constructor(text) {
    this.s = text;
    this.pos = 0;
  }

  fail(what, at = this.pos) {
    throw new JsonError(`JSON offset ${at}: ${what}`);
  }

  document() {
    this.space();
    const v = this.value(0);
    this.space();
    if (this.pos !== this.s.length) this.fail("unexpected data after the JSON value");
    return v;
  }

  space() {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (c !== " " && c !== "\t" && c !== "\n" && c !== "\r") break;
      ++this.pos;
    }
  }

  literal(word, value) {
    if (this.s.startsWith(word, this.pos)) {
      this.pos += word.length;
      return value;
    }
    return this.fail("expected a JSON value");
  }

  value(depth) {
    if (this.pos >= this.s.length) this.fail("unexpected end of input");
    const c = this.s[this.pos];
    if (c === "{") return this.object(depth + 1);
    if (c === "[") return this.array(depth + 1);
    if (c === '"') return this.string();
    if (c === "t") return this.literal("true", true);
    if (c === "f") return this.literal("false", false);
    if (c === "n") return this.literal("null", null);
    if (c === "-" || (c >= "0" && c <= "9")) return this.number();
    return this.fail("expected a JSON value");
  }

  checkDepth(depth) {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
  }

  object(depth) {
    this.checkDepth(depth);
    ++this.pos;
    const out = Object.create(null);
    this.space();
    if (this.s[this.pos] === "}") {
      ++this.pos;
      return out;
    }
    for (;;) {
      this.space();
      if (this.s[this.pos] !== '"') this.fail("expected a member name");
      const at = this.pos;
      const name = this.string();
      if (Object.prototype.hasOwnProperty.call(out, name)) {
        this.fail(`duplicate member name "${name}"`, at);
      }
      this.space();
      if (this.s[this.pos] !== ":") this.fail("expected ':'");
      ++this.pos;
      this.space();
      out[name] = this.value(depth);
      this.space();
      if (this.pos >= this.s.length) this.fail("unterminated object");
      const c = this.s[this.pos++];
      if (c === ",") continue;
      if (c === "}") return out;
      this.fail("expected ',' or '}'", this.pos - 1);
    }
  }

  array(depth) {
    this.checkDepth(depth);
    ++this.pos;
    const out = [];
    this.space();
    if (this.s[this.pos] === "]") {
      ++this.pos;
      return out;
    }
    for (;;) {
      this.space();
      out.push(this.value(depth));
      this.space();
      if (this.pos >= this.s.length) this.fail("unterminated array");
      const c = this.s[this.pos++];
      if (c === ",") continue;
      if (c === "]") return out;
      this.fail("expected ',' or ']'", this.pos - 1);
    }
  }

  hex4() {
    const h = this.s.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) return -1;
    this.pos += 4;
    return parseInt(h, 16);
  }

  string() {
    const s = this.s;
    ++this.pos;
    let out = "";
    for (;;) {
      if (this.pos >= s.length) this.fail("unterminated string");
      const c = s.charCodeAt(this.pos);
      if (c === 0x22) {
        ++this.pos;
        return out;
      }
      if (c < 0x20) this.fail("raw control character in string (must be escaped)");
      if (c !== 0x5c) {
        let end = this.pos + 1;
        while (end < s.length) {
          const d = s.charCodeAt(end);
          if (d === 0x22 || d === 0x5c || d < 0x20) break;
          ++end;
        }
        out += s.slice(this.pos, end);
        this.pos = end;
        continue;
      }
      const esc = this.pos++;
      if (this.pos >= s.length) this.fail("unterminated escape", esc);
      const e = s[this.pos++];
      const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e in simple) {
        out += simple[e];
        continue;
      }
      if (e !== "u") this.fail("unknown escape", esc);
      let u = this.hex4();
      if (u < 0) this.fail("bad \\u escape (needs 4 hex digits)", esc);
      if (u >= 0xdc00 && u <= 0xdfff) this.fail("unpaired low surrogate", esc);
      if (u >= 0xd800 && u <= 0xdbff) {
        if (!s.startsWith("\\u", this.pos)) this.fail("unpaired high surrogate", esc);
        this.pos += 2;
        const lo = this.hex4();
        if (lo < 0xdc00 || lo > 0xdfff) this.fail("unpaired high surrogate", esc);
        u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
      }
      out += String.fromCodePoint(u);
    }
  }

  number() {
    const s = this.s;
    const start = this.pos;
    let integral = true;
    const digits = () => {
      const d = this.pos;
      while (this.pos < s.length && s[this.pos] >= "0" && s[this.pos] <= "9") ++this.pos;
      return this.pos - d;
    };
    if (s[this.pos] === "-") ++this.pos;
    if (s[this.pos] === "0") {
      ++this.pos;
      if (s[this.pos] >= "0" && s[this.pos] <= "9") this.fail("leading zero in number", start);
    } else if (digits() === 0) {
      this.fail("malformed number", start);
    }
    if (s[this.pos] === ".") {
      integral = false;
      ++this.pos;
      if (digits() === 0) this.fail("malformed number (digits after '.')", start);
    }
    if (s[this.pos] === "e" || s[this.pos] === "E") {
      integral = false;
      ++this.pos;
      if (s[this.pos] === "+" || s[this.pos] === "-") ++this.pos;
      if (digits() === 0) this.fail("malformed number (exponent digits)", start);
    }
    const text = s.slice(start, this.pos);
    const value = Number(text);
    const mantissa = text.replace(/[eE].*$/, "");
    if (!Number.isFinite(value) || (value === 0 && /[1-9]/.test(mantissa))) {
      this.fail(`number ${text} is outside the IEEE 754 double range`, start);
    }
    if (value !== 0 && Math.abs(value) < MIN_NORMAL) {
      this.fail(`number ${text} underflows an IEEE 754 double`, start);
    }
    if (Math.abs(value) < TWO_53 && Number.isInteger(value)) return value === 0 ? 0 : value;
    if (integral && text !== BigInt(value).toString() && text !== String(value)) {
      this.fail(`integer ${text} is beyond +/-(2^53-1), and a double would round it`, start);
    }
    return value;
  }
}

// RFC 8785: members sorted by their UTF-16 code units, strings and numbers as ECMAScript's
// JSON.stringify writes them. Throws JsonError for a non-finite number or an integer beyond
// 2^53 (which C++ refuses to write).
export function canonicalize(v) {
  if (v === null || typeof v === "boolean" || typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new JsonError("a JSON number must be finite");
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return "[" + v.map(canonicalize).join(",") + "]";
  const names = Object.keys(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return "{" + names.map((n) => JSON.stringify(n) + ":" + canonicalize(v[n])).join(",") + "}";
}

// `obj` without member `name` (a shallow copy).
export function without(obj, name) {
  const out = Object.create(null);
  for (const k of Object.keys(obj)) if (k !== name) out[k] = obj[k];
  return out;
}
