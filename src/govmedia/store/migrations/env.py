"""Alembic environment: runs migrations on the connection govmedia passes in."""

from alembic import context

from govmedia.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("govmedia migrations run through govmedia.store.db.open_db")
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
