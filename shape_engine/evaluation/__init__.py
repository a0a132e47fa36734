"""Abstract evaluation of a module: follows constants, imports and Keras objects, never runs code.

The evaluator walks statements in program order with an environment of abstract values. It
knows just enough Python to follow how Keras models are written: assignments and unpacking,
arithmetic on constants, literal `for` loops (unrolled), functions (evaluated at each call with
the arguments given there), and branches whose outcome it cannot know (both sides evaluated,
names that differ become unknown, models changed inside become opaque).

What it produces is the model IR (`ModelIR`) and the data values (`ArrayValue`) bound to names;
shapes are computed later by `interpret`.

Its parts, each depending only on those before it:
- `limits`: the bounds and step costs that keep evaluation proportional to the file;
- `scope`: environments (`Scope`), what evaluation finds (`Program`), joining paths' values;
- `syntax`, `constants`, `builtin_functions`: facts about the syntax tree, operators on
  constants, the Python builtins it follows;
- `state`: the state the parts below share (position, budget, findings);
- `data`: lists and data (numpy arrays) changed in place, and their methods;
- `python`: Python semantics (statements, expressions, functions, imports, calls);
- `keras_objects`: Keras objects (layers, Sequential and functional models, tensors, training);
- `evaluator`: `Evaluator`, all of them together.
"""
