//! Per-CPU values: the sum across CPUs and each CPU's share, the view users of per-CPU
//! maps ask for (cilium#4319) instead of only a list of values.
use crate::values::{Layout, decode::Value};

/// Field-by-field sum of per-CPU values of `layout`. Numbers add up; text, enums and bytes
/// are kept when every CPU agrees. None when any of them differs between CPUs (no sum at
/// all, not a partial one), and for a layout with a union in it: its members are views of
/// the same bytes, and sums taken member by member would no longer describe them.
pub fn sum(layout: &Layout, values: &[Value]) -> Option<Value> {
    if has_union(layout) {
        return None;
    }
    let (first, rest) = values.split_first()?;
    rest.iter().try_fold(first.clone(), |acc, v| add(&acc, v))
}

fn has_union(layout: &Layout) -> bool {
    match layout {
        Layout::Union { .. } => true,
        Layout::Struct { fields, .. } => fields.iter().any(|f| has_union(&f.layout)),
        Layout::Array { elem, .. } => has_union(elem),
        _ => false,
    }
}

fn add(a: &Value, b: &Value) -> Option<Value> {
    Some(match (a, b) {
        (Value::Unsigned(x), Value::Unsigned(y)) => Value::Unsigned(x.wrapping_add(*y)),
        (Value::Signed(x), Value::Signed(y)) => Value::Signed(x.wrapping_add(*y)),
        (Value::Float(x), Value::Float(y)) => Value::Float(x + y),
        (Value::Struct(xs), Value::Struct(ys)) if xs.len() == ys.len() => Value::Struct(
            xs.iter()
                .zip(ys)
                .map(|((name, x), (_, y))| Some((name.clone(), add(x, y)?)))
                .collect::<Option<_>>()?,
        ),
        (Value::Array(xs), Value::Array(ys)) if xs.len() == ys.len() => Value::Array(
            xs.iter()
                .zip(ys)
                .map(|(x, y)| add(x, y))
                .collect::<Option<_>>()?,
        ),
        (x, y) if x == y => x.clone(),
        _ => return None,
    })
}

/// Each CPU's share of the total, for a per-CPU value that is one number (else None).
pub fn shares(values: &[Value]) -> Option<Vec<f64>> {
    let numbers: Vec<f64> = values.iter().map(Value::as_f64).collect::<Option<_>>()?;
    let total: f64 = numbers.iter().sum();
    Some(
        numbers
            .iter()
            .map(|n| if total > 0.0 { n / total } else { 0.0 })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activity(execs: u64, opens: u64) -> Value {
        Value::Struct(vec![
            ("execs".into(), Value::Unsigned(execs)),
            ("opens".into(), Value::Unsigned(opens)),
        ])
    }

    fn int(size: usize) -> Layout {
        Layout::int(size, false)
    }

    fn fields(members: Vec<(&str, Layout)>) -> Vec<crate::values::Field> {
        members
            .into_iter()
            .map(|(name, layout)| crate::values::Field::new(name, 0, layout))
            .collect()
    }

    #[test]
    fn structs_sum_field_by_field() {
        let layout = Layout::Struct {
            name: "activity".into(),
            size: 16,
            fields: fields(vec![("execs", int(8)), ("opens", int(8))]),
        };
        let total = sum(&layout, &[activity(1, 10), activity(2, 5)]).unwrap();
        assert_eq!(total, activity(3, 15));
    }

    #[test]
    fn disagreeing_text_does_not_sum() {
        let layout = Layout::Array {
            elem: Box::new(Layout::char()),
            len: 2,
        };
        let a = Value::chars("a", 2);
        let b = Value::chars("b", 2);
        assert_eq!(sum(&layout, &[a.clone(), a.clone()]), Some(a.clone()));
        assert_eq!(sum(&layout, &[a, b]), None);
        assert_eq!(sum(&layout, &[]), None);
    }

    #[test]
    fn values_with_a_union_in_them_do_not_sum() {
        // struct { union { u64 big; u32 small; } u; }: 1 + 2^32 as `big` is 0x1_0000_0001,
        // but `small` would sum to 1: members of one sum that describe different bytes.
        let union = Layout::Union {
            name: "u".into(),
            size: 8,
            fields: fields(vec![("big", int(8)), ("small", int(4))]),
        };
        let layout = Layout::Struct {
            name: "s".into(),
            size: 8,
            fields: fields(vec![("u", union)]),
        };
        let value = |big: u64| {
            Value::Struct(vec![(
                "u".into(),
                Value::Struct(vec![
                    ("big".into(), Value::Unsigned(big)),
                    ("small".into(), Value::Unsigned(big & 0xffff_ffff)),
                ]),
            )])
        };
        assert_eq!(sum(&layout, &[value(1), value(1 << 32)]), None);
        let array = Layout::Array {
            elem: Box::new(layout),
            len: 1,
        };
        assert_eq!(
            sum(
                &array,
                &[Value::Array(vec![value(1)]), Value::Array(vec![value(2)])]
            ),
            None
        );
    }

    #[test]
    fn shares_split_one_number() {
        let shares = shares(&[Value::Unsigned(1), Value::Unsigned(3)]).unwrap();
        assert_eq!(shares, vec![0.25, 0.75]);
        assert_eq!(
            super::shares(&[Value::Unsigned(0), Value::Unsigned(0)]),
            Some(vec![0.0, 0.0])
        );
        assert_eq!(super::shares(&[activity(1, 1)]), None);
    }
}
