"""Reusable test helpers: a real JupyterLab server (jupyter_lab), Chromium driving it (browser),
a bare kernel for iopub checks (kernel), and the rule for when browser tests may skip
(prerequisites). Browser modules import playwright, so import them only from browser tests."""
