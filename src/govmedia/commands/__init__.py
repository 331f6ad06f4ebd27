"""Command-line commands, one module per group; cli.py mounts them."""
