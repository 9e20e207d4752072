"""Built-in assignment specs (installed as gradcheck.assignments)."""
