"""What evaluation may spend: its bounds, its step budget and what each step costs."""

# Bounds that keep evaluation proportional to the file, whatever it contains.
MAX_CALL_DEPTH = 8
MAX_LOOP_ITERATIONS = 256
MAX_EXPRESSION_DEPTH = 100
MAX_SEQUENCE_LENGTH = 10_000  # items in a sequence (nested ones included) or characters
MAX_INT_BITS = 4_096  # bigger ints are not worth computing with: `x = x * x` in a loop
# Evaluation steps (statements and expressions; a big value counts by its size, since whoever
# uses it walks it): a base that lets a small file unroll its loops, plus an allowance per
# character of source, so the work stays proportional to the file whatever it contains.
BASE_STEPS = 5_000
STEPS_PER_CHARACTER = 1
# What the objects evaluation records cost later (interpreting, checking, verifying fixes), in
# steps: `model.fit(x, y)` in a loop records a training call at every turn.
LAYER_STEPS = 10
MODEL_STEPS = 20
TRAINING_STEPS = 100
# How often (in steps) evaluation looks at the clock and asks whether to stop (`budget`).
CHECK_EVERY = 2_048
# Forwarding steps followed before a value is taken as unknown (see `DataValues._current`).
MAX_FORWARDS = 10_000
# Stacks a model keeps from before its pops (see `ModelIR.superseded`): past that, a layer
# added and popped again goes unchecked.
MAX_SNAPSHOTS = 64
