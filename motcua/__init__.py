"""Một Cửa: one-stop handling of administrative procedures on BPMN."""
