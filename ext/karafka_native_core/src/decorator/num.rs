//! Numbers as the decorator keeps and computes them: Ruby's Integer and Float arithmetic.

/// A number: an Integer (64 bits) or a Float, kept apart as Ruby keeps them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    /// An Integer.
    Int(i64),
    /// A Float.
    Float(f64),
}

impl Num {
    /// Integer zero.
    pub const ZERO: Num = Num::Int(0);

    /// `self - other` as Ruby computes it (an Integer only when both are); `None` when an
    /// Integer result leaves 64 bits.
    pub fn minus(self, other: Num) -> Option<Num> {
        Some(match (self, other) {
            (Num::Int(a), Num::Int(b)) => Num::Int(a.checked_sub(b)?),
            (Num::Int(a), Num::Float(b)) => Num::Float(a as f64 - b),
            (Num::Float(a), Num::Int(b)) => Num::Float(a - b as f64),
            (Num::Float(a), Num::Float(b)) => Num::Float(a - b),
        })
    }

    /// `self + ms` as Ruby computes it; `None` when an Integer result leaves 64 bits.
    pub fn plus(self, ms: i64) -> Option<Num> {
        Some(match self {
            Num::Int(a) => Num::Int(a.checked_add(ms)?),
            Num::Float(a) => Num::Float(a + ms as f64),
        })
    }

    /// `self == 0` as Ruby compares (`0.0 == 0` and `-0.0 == 0` hold; NaN is never zero).
    pub fn is_zero(self) -> bool {
        match self {
            Num::Int(a) => a == 0,
            Num::Float(a) => a == 0.0,
        }
    }

    /// The number as Ruby would print it (for messages).
    pub fn render(self) -> String {
        match self {
            Num::Int(a) => a.to_string(),
            Num::Float(a) => format!("{a:?}"),
        }
    }

    /// The bits kept for the number and whether it is a Float.
    pub(crate) fn to_bits(self) -> (u64, bool) {
        match self {
            Num::Int(a) => (a as u64, false),
            Num::Float(a) => (a.to_bits(), true),
        }
    }

    /// The number back from [`Num::to_bits`].
    pub(crate) fn from_bits(bits: u64, float: bool) -> Num {
        if float {
            Num::Float(f64::from_bits(bits))
        } else {
            Num::Int(bits as i64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_ruby_classes() {
        assert_eq!(Num::Int(5).minus(Num::Int(2)), Some(Num::Int(3)));
        assert_eq!(Num::Int(5).minus(Num::Float(2.0)), Some(Num::Float(3.0)));
        assert_eq!(Num::Float(5.5).minus(Num::Int(5)), Some(Num::Float(0.5)));
        assert_eq!(Num::Int(i64::MIN).minus(Num::Int(1)), None);
        assert!(Num::Float(-0.0).is_zero());
        assert!(!Num::Float(f64::NAN).is_zero());
        assert_eq!(Num::Float(1.5).plus(2), Some(Num::Float(3.5)));
        for n in [Num::Int(-7), Num::Float(-0.25)] {
            let (bits, float) = n.to_bits();
            assert_eq!(Num::from_bits(bits, float), n);
        }
    }
}
