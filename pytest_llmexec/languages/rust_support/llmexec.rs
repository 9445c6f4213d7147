//! pytest-llmexec: writes a Rust value as one line of JSON, so that the harness reads it back.
//!
//! `llmexec::print(&value)` writes the value and a newline to stdout. Vectors, slices, arrays,
//! sets, deques and tuples are arrays; maps are objects whose keys are the keys' JSON text
//! (7 -> "7"); `Option` is null or its value; floating-point numbers are the shortest text that
//! reads back the same (NaN, Infinity, -Infinity as Python's json reads them). Compiled once
//! per toolchain as an rlib and given to every program with `--extern llmexec=...`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt::Write;

pub trait Json {
    fn json(&self, out: &mut String);
}

pub fn print<T: Json + ?Sized>(value: &T) {
    println!("{}", to_json(value));
}

pub fn to_json<T: Json + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    value.json(&mut out);
    out
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl Json for $t {
            fn json(&self, out: &mut String) { let _ = write!(out, "{}", self); }
        }
    )*};
}
integers!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

macro_rules! floats {
    ($($t:ty),*) => {$(
        impl Json for $t {
            fn json(&self, out: &mut String) {
                if self.is_nan() {
                    out.push_str("NaN");
                } else if self.is_infinite() {
                    out.push_str(if *self < 0.0 { "-Infinity" } else { "Infinity" });
                } else {
                    let text = format!("{:?}", self); // shortest round trip, "1.0", "1e300"
                    out.push_str(&text);
                }
            }
        }
    )*};
}
floats!(f32, f64);

impl Json for bool {
    fn json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl Json for str {
    fn json(&self, out: &mut String) {
        out.push('"');
        for c in self.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
}

impl Json for String {
    fn json(&self, out: &mut String) {
        self.as_str().json(out);
    }
}

impl Json for char {
    fn json(&self, out: &mut String) {
        self.to_string().json(out);
    }
}

impl Json for () {
    fn json(&self, out: &mut String) {
        out.push_str("null");
    }
}

impl<T: Json + ?Sized> Json for &T {
    fn json(&self, out: &mut String) {
        (**self).json(out);
    }
}

impl<T: Json + ?Sized> Json for Box<T> {
    fn json(&self, out: &mut String) {
        (**self).json(out);
    }
}

impl<T: Json> Json for Option<T> {
    fn json(&self, out: &mut String) {
        match self {
            Some(value) => value.json(out),
            None => out.push_str("null"),
        }
    }
}

fn items<'a, T: Json + 'a>(out: &mut String, values: impl Iterator<Item = &'a T>) {
    out.push('[');
    for (index, value) in values.enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        value.json(out);
    }
    out.push(']');
}

impl<T: Json> Json for [T] {
    fn json(&self, out: &mut String) {
        items(out, self.iter());
    }
}

impl<T: Json, const N: usize> Json for [T; N] {
    fn json(&self, out: &mut String) {
        items(out, self.iter());
    }
}

impl<T: Json> Json for Vec<T> {
    fn json(&self, out: &mut String) {
        items(out, self.iter());
    }
}

impl<T: Json> Json for VecDeque<T> {
    fn json(&self, out: &mut String) {
        items(out, self.iter());
    }
}

impl<T: Json, S> Json for HashSet<T, S> {
    fn json(&self, out: &mut String) {
        items(out, self.iter());
    }
}

impl<T: Json> Json for BTreeSet<T> {
    fn json(&self, out: &mut String) {
        items(out, self.iter());
    }
}

fn entries<'a, K: Json + 'a, V: Json + 'a>(
    out: &mut String,
    pairs: impl Iterator<Item = (&'a K, &'a V)>,
) {
    out.push('{');
    for (index, (key, value)) in pairs.enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        let text = to_json(key);
        if text.starts_with('"') {
            out.push_str(&text);
        } else {
            text.json(out); // a number's (or a tuple's) JSON text, as a string key
        }
        out.push_str(": ");
        value.json(out);
    }
    out.push('}');
}

impl<K: Json, V: Json, S> Json for HashMap<K, V, S> {
    fn json(&self, out: &mut String) {
        entries(out, self.iter());
    }
}

impl<K: Json, V: Json> Json for BTreeMap<K, V> {
    fn json(&self, out: &mut String) {
        entries(out, self.iter());
    }
}

macro_rules! tuples {
    ($(($($name:ident $index:tt),+))*) => {$(
        impl<$($name: Json),+> Json for ($($name,)+) {
            fn json(&self, out: &mut String) {
                out.push('[');
                $(
                    if $index > 0 { out.push_str(", "); }
                    self.$index.json(out);
                )+
                out.push(']');
            }
        }
    )*};
}
tuples! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
}
