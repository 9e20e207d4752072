"""Diagnosis: why a value is wrong (mutations, scale factors), root causes, source lines."""
