//! Example payloads made from the IR: a fully populated or a minimal instance of each
//! event, or a random one for property tests. Values fit the Rust types; string patterns
//! and numeric bounds of the schema are not taken into account.

use serde_json::{json, Map, Value};

use events_codegen::ir::{Catalog, Event, IntTy, Struct, Ty, TypeKind};

/// Which instance to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every optional field present.
    Full,
    /// Only required fields.
    Minimal,
    /// Random choices from this seed.
    Random(u64),
}

/// Makes an instance of `event`.
pub fn instance(catalog: &Catalog, event: &Event, mode: Mode) -> Value {
    let mut s = Sampler {
        catalog,
        mode,
        state: match mode {
            Mode::Random(seed) => seed ^ 0x9e37_79b9_7f4a_7c15,
            _ => 1,
        },
        event_type: &event.def.event_type,
        version: &event.def.version,
    };
    let mut doc = s.value(&Ty::Named(event.struct_name.clone()), 0);
    // A later major must say so: a payload without a version is read as major 1.
    if event.def.major != 1 {
        let mut at = &mut doc;
        for (i, name) in catalog.version_path.iter().enumerate() {
            let Value::Object(m) = at else { break };
            let last = i + 1 == catalog.version_path.len();
            at = m.entry(name.clone()).or_insert_with(|| {
                if last {
                    json!(event.def.version)
                } else {
                    json!({})
                }
            });
        }
    }
    doc
}

struct Sampler<'a> {
    catalog: &'a Catalog,
    mode: Mode,
    state: u64,
    event_type: &'a str,
    version: &'a str,
}

const MAX_DEPTH: usize = 4;

/// Where sampling stops even for required fields: a required field whose type leads back
/// to itself (`{"required": ["next"], "properties": {"next": {"$ref": "#"}}}`) has no
/// finite instance, and following it would overflow the stack (found by the fuzz target
/// `schema_codegen`). Such a schema gets an instance that is cut off (`null`) there.
const HARD_DEPTH: usize = 64;

const WORDS: &[&str] = &[
    "parcel_12345",
    "PVZ-BG-001",
    "Sorting Center Belgrade",
    "čаj \"quoted\" ✓",
    "",
    "a,b;c",
    "[not json",
    "0",
];

impl Sampler<'_> {
    fn next(&mut self) -> u64 {
        // xorshift64*: small, deterministic per seed.
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick(&mut self, n: usize) -> usize {
        match self.mode {
            Mode::Random(_) => (self.next() % n.max(1) as u64) as usize,
            _ => 0,
        }
    }

    fn coin(&mut self) -> bool {
        match self.mode {
            Mode::Full => true,
            Mode::Minimal => false,
            Mode::Random(_) => self.next() % 2 == 0,
        }
    }

    fn int(&mut self, t: IntTy) -> Value {
        let random = matches!(self.mode, Mode::Random(_));
        let r = self.next();
        match t {
            IntTy::I8 => json!(if random { r as i8 } else { 7 }),
            IntTy::I16 => json!(if random { r as i16 } else { 300 }),
            IntTy::I32 => json!(if random { r as i32 } else { 2 }),
            IntTy::I64 => json!(if random { r as i64 } else { 12345 }),
            IntTy::U8 => json!(if random { r as u8 } else { 3 }),
            IntTy::U16 => json!(if random { r as u16 } else { 90 }),
            IntTy::U32 => json!(if random { r as u32 } else { 100 }),
            IntTy::U64 => json!(if random { r } else { 890 }),
        }
    }

    fn value(&mut self, ty: &Ty, depth: usize) -> Value {
        if depth > HARD_DEPTH {
            return Value::Null;
        }
        match ty {
            Ty::Bool => json!(self.pick(2) == 0),
            Ty::Int(t) => self.int(*t),
            Ty::Integer => self.int(IntTy::I64),
            Ty::F64 | Ty::F32 | Ty::Number => {
                let x = match self.mode {
                    Mode::Random(_) => (self.next() % 2_000_001) as f64 / 1000.0 - 1000.0,
                    _ => 99.5,
                };
                json!(if matches!(ty, Ty::F32) {
                    f64::from(x as f32)
                } else {
                    x
                })
            }
            Ty::String => {
                let i = self.pick(WORDS.len());
                json!(WORDS[i])
            }
            Ty::DateTime => {
                const TIMES: &[&str] = &[
                    "2025-12-25T10:00:00Z",
                    "2025-06-29T23:59:59.5+07:00",
                    "2024-02-29T00:00:00-03:30",
                ];
                let i = self.pick(TIMES.len());
                json!(TIMES[i])
            }
            Ty::Date => json!("2025-06-30"),
            Ty::Uuid => {
                let (a, b) = (self.next(), self.next());
                json!(format!(
                    "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
                    a >> 32,
                    (a >> 16) & 0xffff,
                    a & 0xfff,
                    b >> 52,
                    b & 0xffff_ffff_ffff
                ))
            }
            Ty::UnixTime => match self.mode {
                Mode::Random(_) => json!((self.next() % 4_000_000_000) as i64),
                _ => json!(1_734_825_600),
            },
            Ty::Ipv4 => json!("192.168.1.1"),
            Ty::Ipv6 => json!("::1"),
            Ty::Any => json!({"note": "any"}),
            Ty::AnyObject => json!({"order_id": 12345}),
            Ty::Tag => json!(self.event_type),
            Ty::Version => json!(self.version),
            Ty::Vec(item) => {
                let n = if depth >= MAX_DEPTH {
                    0
                } else {
                    match self.mode {
                        Mode::Full => 2,
                        Mode::Minimal => 1,
                        Mode::Random(_) => self.pick(4),
                    }
                };
                Value::Array((0..n).map(|_| self.value(item, depth + 1)).collect())
            }
            Ty::Tuple(items) => {
                Value::Array(items.iter().map(|t| self.value(t, depth + 1)).collect())
            }
            // A key that matches the patterns is not made up: an empty map is valid.
            Ty::KeyedMap(..) => Value::Object(Map::new()),
            Ty::Map(item) => {
                let mut m = Map::new();
                if depth < MAX_DEPTH && self.coin() {
                    m.insert("key".into(), self.value(item, depth + 1));
                }
                Value::Object(m)
            }
            Ty::Option(inner) => {
                if self.coin() {
                    self.value(inner, depth)
                } else {
                    Value::Null
                }
            }
            Ty::Embedded(inner) => {
                let v = self.value(inner, depth);
                if self.pick(2) == 0 {
                    Value::String(v.to_string())
                } else {
                    v
                }
            }
            Ty::Named(name) => self.named(name, depth),
        }
    }

    fn named(&mut self, name: &str, depth: usize) -> Value {
        let Some(def) = self.catalog.types.get(name) else {
            return Value::Null;
        };
        match &def.kind {
            TypeKind::Struct(s) => self.object(s, depth),
            TypeKind::Enum(vs) => {
                let i = self.pick(vs.len());
                json!(vs[i].value)
            }
            TypeKind::Tagged { tag, variants } => {
                let i = self.pick(variants.len());
                let mut v = self.value(&variants[i].ty, depth + 1);
                if let Value::Object(m) = &mut v {
                    m.insert(tag.clone(), json!(variants[i].value));
                }
                v
            }
            TypeKind::Untagged(vs) => {
                let i = self.pick(vs.len());
                self.value(&vs[i].ty, depth + 1)
            }
        }
    }

    fn object(&mut self, s: &Struct, depth: usize) -> Value {
        let mut m = Map::new();
        for f in &s.fields {
            let present = f.required || (depth < MAX_DEPTH && self.coin());
            if !present {
                continue;
            }
            let v = if f.nullable
                && self.mode != Mode::Full
                && self.coin() == (self.mode == Mode::Minimal)
            {
                Value::Null
            } else {
                self.value(&f.ty, depth + 1)
            };
            m.insert(f.json_name.clone(), v);
        }
        if let Some(extra) = &s.extra {
            if depth < MAX_DEPTH && self.coin() {
                let v = self.value(extra, depth + 1);
                m.insert("extra_field".into(), v);
            }
        }
        Value::Object(m)
    }
}
