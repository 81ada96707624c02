"""Glue to other tools, each in a module of its own that imports its tool; ``import dedupe`` imports none of them."""
