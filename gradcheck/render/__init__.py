"""Renderers: each reads a Report and writes text. None of them decides anything."""
