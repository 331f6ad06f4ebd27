"""The reviewer's workbench: a FastAPI web application (app.py) over the stored runs."""
