"""Use cases: each opens one unit of work, does its job and commits once."""
