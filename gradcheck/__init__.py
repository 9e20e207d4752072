"""gradcheck: a gradient checker and auto-grader for hand-written backprop in numpy."""

__version__ = "0.1.0"
