"""The IPython front end: ``%%llm``, ``%llm_key`` and the feature magics, over the engine and the renderers.

Nothing here is imported by the layers below; ``extension.load`` registers the magic classes.
"""
