"""E-forms of procedures: schema checks, data validation, printable documents."""

from .documents import DOCUMENT_KINDS, UnknownDocumentKind, render_document
from .validation import InvalidFormSchema, check_form_schema, validate_form_data

__all__ = [
    "DOCUMENT_KINDS",
    "InvalidFormSchema",
    "UnknownDocumentKind",
    "check_form_schema",
    "render_document",
    "validate_form_data",
]
