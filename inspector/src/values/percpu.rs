//! Per-CPU values: the sum across CPUs and each CPU's share, the view users of per-CPU
//! maps ask for (cilium#4319) instead of only a list of values.
use crate::values::decode::Value;

/// Field-by-field sum of per-CPU values of the same layout. Numbers add up; text, enums
/// and bytes are kept when every CPU agrees and dropped otherwise. None if nothing adds up.
pub fn sum(values: &[Value]) -> Option<Value> {
    let (first, rest) = values.split_first()?;
    rest.iter().try_fold(first.clone(), |acc, v| add(&acc, v))
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

    #[test]
    fn structs_sum_field_by_field() {
        let total = sum(&[activity(1, 10), activity(2, 5)]).unwrap();
        assert_eq!(total, activity(3, 15));
    }

    #[test]
    fn disagreeing_text_does_not_sum() {
        let a = Value::chars("a", 2);
        let b = Value::chars("b", 2);
        assert_eq!(sum(&[a.clone(), a.clone()]), Some(a.clone()));
        assert_eq!(sum(&[a, b]), None);
        assert_eq!(sum(&[]), None);
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
