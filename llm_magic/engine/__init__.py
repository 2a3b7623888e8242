"""Validate a call, send it, retry what is safe, fan out to several providers, replay and meter.

The engine knows providers and keys but nothing of IPython: the magics drive it, and so can
any Python program (``llm_magic.ask``).
"""
