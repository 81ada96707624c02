"""Engines that run the corpus stages (:mod:`dedupe.stages`) on many workers.

Nothing in the core imports this package: an engine's library is imported only when a run
asks for that engine.
"""
