//! Plain Python data (what `lib.rs`'s `value_of` accepts) as a serde
//! [`Deserializer`](serde::Deserializer) that keeps every f64 as it is.
//!
//! A `serde_json::Value` cannot hold NaN or ±inf, so options crossing as
//! JSON values were refused (`InvalidConfig`) before the crate saw them; the
//! Rust and C doors give the crate's own `InvalidInput` naming the field.
//! Read through this tree a non-finite option reaches the crate's validation
//! from Python too. Otherwise it deserializes as `serde_json::from_value`
//! did: integers as i64 / u64, floats as f64, `null` as None or unit, an
//! enum as a string or a one-key map, no truthiness (unlike pythonize).

use serde::de::value::{Error, MapDeserializer, SeqDeserializer};
use serde::de::{self, IntoDeserializer, Visitor};

/// A plain value; map keys are already the strings JSON would have written.
#[derive(Debug, Clone)]
pub(crate) enum Plain {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
    List(Vec<Plain>),
    Map(Vec<(String, Plain)>),
}

impl<'de> IntoDeserializer<'de, Error> for Plain {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for Plain {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Plain::Null => visitor.visit_unit(),
            Plain::Bool(b) => visitor.visit_bool(b),
            Plain::I64(i) => visitor.visit_i64(i),
            Plain::U64(u) => visitor.visit_u64(u),
            Plain::F64(f) => visitor.visit_f64(f),
            Plain::Str(s) => visitor.visit_string(s),
            Plain::List(a) => {
                let mut seq = SeqDeserializer::new(a.into_iter());
                let v = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(v)
            }
            Plain::Map(m) => {
                let mut map = MapDeserializer::new(m.into_iter());
                let v = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(v)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Plain::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Plain::Str(s) => visitor.visit_enum(s.into_deserializer()),
            Plain::Map(m) if m.len() == 1 => visitor.visit_enum(
                de::value::MapAccessDeserializer::new(MapDeserializer::new(m.into_iter())),
            ),
            other => Err(de::Error::invalid_type(
                other.unexpected(),
                &"a string or a one-key map",
            )),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

impl Plain {
    fn unexpected(&self) -> de::Unexpected<'_> {
        match self {
            Plain::Null => de::Unexpected::Unit,
            Plain::Bool(b) => de::Unexpected::Bool(*b),
            Plain::I64(i) => de::Unexpected::Signed(*i),
            Plain::U64(u) => de::Unexpected::Unsigned(*u),
            Plain::F64(f) => de::Unexpected::Float(*f),
            Plain::Str(s) => de::Unexpected::Str(s),
            Plain::List(_) => de::Unexpected::Seq,
            Plain::Map(_) => de::Unexpected::Map,
        }
    }
}
