"""Draw an answer: live in a notebook (widgets or one redrawn output), printed in a terminal, plain Markdown at the end.

``show.show_call`` drives one call's events into a view; ``columns.show_many`` does it for
several providers side by side. The renderers read only shared types (answers, events,
errors, texts): they know nothing of the engine or the magics.
"""
