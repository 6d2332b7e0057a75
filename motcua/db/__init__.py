"""Persistence: the SQLAlchemy models, the unit of work and the migrations."""
