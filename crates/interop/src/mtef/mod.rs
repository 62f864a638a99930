//! MathType equations (MTEF v5) → LaTeX.
